import { describe, expect, it } from 'vitest';
import { postJson, upload } from './testkit/http.ts';
import { expectNoInternals, readAuth, useSecurityServer } from './testkit/server.ts';

// Notification channels are a new door: their mutations need the admin scope, their inputs are bounded, their
// secrets never leave the server, and targets inside our network are refused (ALLOW_PRIVATE_WEBHOOK_TARGETS unset).
const ADMIN_TOKEN = 'security-admin-token';
const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SECRET = 'never-shown-secret-0123456789';
const server = useSecurityServer({ ADMIN_TOKEN });

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateNotificationChannelInput!) {
    createNotificationChannel(input: $input) {
      __typename
      ... on NotificationChannel {
        id
        name
        target
        hasSecret
      }
      ... on InvalidArgumentError {
        argument
        message
      }
    }
  }
`;

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await postJson(server.baseUrl, '/graphql', { query, variables }, headers);
  expectNoInternals(response.body);
  expect(response.body).not.toContain(SECRET);
  return { status: response.status, body: JSON.parse(response.body) };
}

const webhook = (overrides: Record<string, unknown> = {}) => ({
  name: `hook-${Math.random().toString(36).slice(2)}`,
  kind: 'WEBHOOK',
  target: 'https://hooks.example.com/pmd',
  ...overrides,
});

describe('who may change notification channels', () => {
  it('refuses a request without any token at the door, before reading its body', async () => {
    // A body declared as 1 MB but trickled: an answer before it is sent proves the door did not wait for it.
    const result = await upload(server.baseUrl, {
      path: '/graphql',
      chunk: Buffer.from(' '),
      totalBytes: 5,
      intervalMs: 1_000,
      contentLength: 1_000_000,
    });
    expect(result.status).toBe(401);
    expect(result.sentBytes).toBeLessThan(5);
  });

  it('refuses every channel mutation with only the read token, and changes nothing', async () => {
    const mutations = {
      create: [CREATE, { input: webhook() }],
      update: ['mutation { updateNotificationChannel(id: "1", input: { enabled: false }) { __typename } }', {}],
      delete: ['mutation { deleteNotificationChannel(id: "1") { __typename } }', {}],
      test: ['mutation { sendTestNotification(channelId: "1") { __typename } }', {}],
    } as const;
    for (const [name, [query, variables]] of Object.entries(mutations)) {
      const { body } = await gql(query, variables, readAuth);
      expect(body.data ?? null, name).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
      expect(body.errors?.[0]?.message, name).toContain('ADMIN_TOKEN');
    }
    expect(await server.sql('SELECT id FROM notification_channels')).toEqual([]);
    expect(await server.sql('SELECT id FROM notification_deliveries')).toEqual([]);
  });

  it('lets the admin token create, and the read token list, without the secret in any answer', async () => {
    const created = await gql(CREATE, { input: webhook({ name: 'ops hook', secret: SECRET }) }, adminAuth);
    expect(created.body.data.createNotificationChannel).toMatchObject({
      __typename: 'NotificationChannel',
      name: 'ops hook',
      hasSecret: true,
    });
    const id = created.body.data.createNotificationChannel.id;
    const updated = await gql(
      `mutation($id: ID!) { updateNotificationChannel(id: $id, input: { enabled: false }) {
         ... on NotificationChannel { enabled hasSecret } } }`,
      { id },
      adminAuth,
    );
    expect(updated.body.data.updateNotificationChannel).toEqual({ enabled: false, hasSecret: true });
    const listed = await gql('{ notificationChannels { name hasSecret } }', {}, readAuth);
    expect(listed.body.data.notificationChannels).toEqual([{ name: 'ops hook', hasSecret: true }]);
    // The admin token also reads (an admin sees what it changes).
    const byAdmin = await gql('{ notificationChannels { name } }', {}, adminAuth);
    expect(byAdmin.body.data.notificationChannels).toEqual([{ name: 'ops hook' }]);
    const test = await gql(
      `mutation($id: ID!) { sendTestNotification(channelId: $id) {
         ... on NotificationDelivery { event status idempotencyKey } } }`,
      { id },
      adminAuth,
    );
    expect(test.body.data.sendTestNotification).toMatchObject({ event: 'TEST', status: 'PENDING' });
    expect(test.body.data.sendTestNotification.idempotencyKey).toMatch(
      new RegExp(`^test:[0-9a-f-]{36}:channel:${id}$`),
    );
    const log = await gql(
      '{ notificationDeliveries(first: 5) { ... on NotificationDeliveryLog { deliveries { event channelId } } } }',
      {},
      readAuth,
    );
    expect(log.body.data.notificationDeliveries.deliveries).toEqual([{ event: 'TEST', channelId: id }]);
    // The schema has no field that could return it.
    const asked = await gql('{ notificationChannels { secret } }', {}, readAuth);
    expect(asked.body.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);
    expect((await server.sql('SELECT secret FROM notification_channels'))[0].secret).toBe(SECRET);
  });
});

describe('channel inputs are validated into typed errors', () => {
  const refused: [string, Record<string, unknown>, string][] = [
    ['a file: URL', { target: 'file:///etc/passwd' }, 'target'],
    ['a javascript: URL', { target: 'javascript:alert(1)' }, 'target'],
    ['credentials in the URL', { target: 'https://user:pw@example.com/' }, 'target'],
    ['a target past 2048 characters', { target: `https://example.com/${'a'.repeat(2100)}` }, 'target'],
    ['a loopback target', { target: 'http://127.0.0.1:8000/graphql' }, 'target'],
    ['localhost', { target: 'http://localhost/x' }, 'target'],
    ['cloud metadata', { target: 'http://169.254.169.254/latest/meta-data' }, 'target'],
    ['a private IPv6 target', { target: 'http://[::1]/' }, 'target'],
    ['a bad email', { kind: 'EMAIL', target: 'ops@example.com, not-an-address' }, 'target'],
    ['a name past 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['a 100 kB name', { name: 'n'.repeat(100_000) }, 'name'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a short secret', { secret: 'short' }, 'secret'],
    ['a secret on a Slack channel', { kind: 'SLACK', secret: SECRET }, 'secret'],
    ['a zero repeat interval', { repeatIntervalMinutes: 0 }, 'repeatIntervalMinutes'],
  ];
  it.each(refused)('refuses %s', async (_label, overrides, argument) => {
    const { body } = await gql(CREATE, { input: webhook(overrides) }, adminAuth);
    expect(body.data.createNotificationChannel).toMatchObject({ __typename: 'InvalidArgumentError', argument });
  });

  it('refuses a duplicate name', async () => {
    await gql(CREATE, { input: webhook({ name: 'twice' }) }, adminAuth);
    const { body } = await gql(CREATE, { input: webhook({ name: 'twice' }) }, adminAuth);
    expect(body.data.createNotificationChannel).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'name' });
  });

  it('answers NotFoundError for unknown or malformed channel ids', async () => {
    for (const id of ['999999', 'abc', '-1', '1'.repeat(40)]) {
      const { body } = await gql(
        `mutation($id: ID!) {
           u: updateNotificationChannel(id: $id, input: { enabled: true }) { __typename }
           t: sendTestNotification(channelId: $id) { __typename }
           d: deleteNotificationChannel(id: $id) { __typename } }`,
        { id },
        adminAuth,
      );
      expect(body.data, id).toEqual({
        u: { __typename: 'NotFoundError' },
        t: { __typename: 'NotFoundError' },
        d: { __typename: 'NotFoundError' },
      });
    }
  });

  it('bounds the delivery log page', async () => {
    for (const first of [0, 101, -5]) {
      const { body } = await gql(
        `query($first: Int) { notificationDeliveries(first: $first) {
           __typename ... on InvalidArgumentError { argument } } }`,
        { first },
        readAuth,
      );
      expect(body.data.notificationDeliveries, String(first)).toEqual({
        __typename: 'InvalidArgumentError',
        argument: 'first',
      });
    }
  });
});
