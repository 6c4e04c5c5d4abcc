import {
  createDatabaseClients,
  MAX_ALERT_NOTE_LENGTH,
  MAX_ID_LENGTH,
  MAX_SNOOZE_DAYS,
  type DatabaseClients,
} from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, useTestServer } from './testkit/server.ts';

const SILENCE = `id rule { id name } campaignId channel startsAt endsAt createdBy comment active`;
const RESULT = `__typename ... on AlertSilence { ${SILENCE} }
  ... on InvalidArgumentError { argument message } ... on NotFoundError { resource missing: id }`;
const HOUR = 3_600_000;

describe('alert silences over GraphQL', () => {
  const server = useTestServer();
  let clients: DatabaseClients;

  const call = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await graphql(server.current.baseUrl, query, variables);
    expect(result.errors).toBeUndefined();
    return Object.values(result.data as Record<string, any>)[0];
  };
  const silence = (input: Record<string, unknown>) =>
    call(`mutation ($input: AlertSilenceInput!) { createAlertSilence(input: $input) { ${RESULT} } }`, { input });
  const expire = (id: string) =>
    call(
      `mutation ($id: ID!) { expireAlertSilence(id: $id) {
        __typename ... on AlertSilence { ${SILENCE} } ... on NotFoundError { resource missing: id } } }`,
      { id },
    );
  const list = async (includeExpired?: boolean) =>
    (
      await call(`query ($all: Boolean) { alertSilences(includeExpired: $all) { id active } }`, {
        all: includeExpired,
      })
    ).map((s: { id: string }) => s.id);
  const later = (ms: number) => new Date(Date.now() + ms).toISOString();

  /** Fires an alert of the seeded CTR rule the way the worker does; returns the events delivered for it. */
  async function fireAndDeliveries(campaignId: string, channel: string): Promise<string[]> {
    const { rows } = await clients.pool.query(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message, rule_id)
       SELECT $1, $2, 'ctr_drop', 0.01, 0.04, 0.028, 'CTR dropped', id FROM alert_rules WHERE name = 'CTR drop'
       RETURNING alert_id`,
      [campaignId, channel],
    );
    const deliveries = await clients.pool.query('SELECT event FROM notification_deliveries WHERE alert_id = $1', [
      rows[0].alert_id,
    ]);
    return deliveries.rows.map((row) => row.event);
  }

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await clients.pool.query(
      `INSERT INTO notification_channels (name, kind, target) VALUES ('ops', 'webhook', 'https://hooks.example.com/ops')`,
    );
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('mutes the notifications of matching alerts while it lasts, and is listed until it is expired', async () => {
    const ruleId = String(
      (await clients.pool.query(`SELECT id FROM alert_rules WHERE name = 'CTR drop'`)).rows[0].id as number,
    );
    const endsAt = later(4 * HOUR);
    const created = await silence({
      ruleId,
      campaignId: '  camp_planned ',
      channel: '',
      endsAt,
      by: ' Ana ',
      comment: 'landing page redeploy',
    });
    expect(created).toMatchObject({
      __typename: 'AlertSilence',
      rule: { id: ruleId, name: 'CTR drop' },
      campaignId: 'camp_planned',
      channel: null,
      endsAt,
      createdBy: 'Ana',
      comment: 'landing page redeploy',
      active: true,
    });
    expect(await fireAndDeliveries('camp_planned', 'meta')).toEqual([]);
    expect(await fireAndDeliveries('camp_other', 'meta')).toEqual(['fired']);
    expect(await list()).toContain(created.id);

    const expired = await expire(created.id);
    expect(expired).toMatchObject({ __typename: 'AlertSilence', active: false });
    expect(new Date(expired.endsAt).getTime()).toBeLessThanOrEqual(Date.now());
    // Expiring again changes nothing.
    expect((await expire(created.id)).endsAt).toBe(expired.endsAt);
    expect(await list()).not.toContain(created.id);
    expect(await list(true)).toContain(created.id);
    expect(await fireAndDeliveries('camp_planned', 'google')).toEqual(['fired']);
  });

  it('takes a silence that starts later, which mutes nothing until then and can be expired before it starts', async () => {
    const scheduled = await silence({ channel: 'meta', startsAt: later(2 * HOUR), endsAt: later(3 * HOUR) });
    expect(scheduled).toMatchObject({ __typename: 'AlertSilence', channel: 'meta', active: false });
    expect(await fireAndDeliveries('camp_soon', 'meta')).toEqual(['fired']);
    const expired = await expire(scheduled.id);
    expect(expired.active).toBe(false);
    // It "started" a microsecond before it ended (a period must be positive); JSON's milliseconds cannot show that.
    const stored = await clients.pool.query('SELECT starts_at < ends_at AS ordered FROM alert_silences WHERE id = $1', [
      Number(scheduled.id),
    ]);
    expect(stored.rows[0].ordered).toBe(true);
    expect(new Date(expired.startsAt).getTime()).toBeLessThan(Date.now() + 1);
    expect(await list()).not.toContain(scheduled.id);
  });

  it('refuses ends in the past, too far ahead or before the start, long matchers and unknown rules', async () => {
    const refused = async (input: Record<string, unknown>) => {
      const result = await silence(input);
      return [result.__typename, result.argument ?? result.resource];
    };
    expect(await refused({ endsAt: later(-60_000) })).toEqual(['InvalidArgumentError', 'endsAt']);
    expect(await refused({ endsAt: later((MAX_SNOOZE_DAYS + 1) * 24 * HOUR) })).toEqual([
      'InvalidArgumentError',
      'endsAt',
    ]);
    expect(await refused({ startsAt: later(2 * HOUR), endsAt: later(HOUR) })).toEqual([
      'InvalidArgumentError',
      'endsAt',
    ]);
    expect(await refused({ campaignId: 'c'.repeat(MAX_ID_LENGTH + 1), endsAt: later(HOUR) })).toEqual([
      'InvalidArgumentError',
      'campaignId',
    ]);
    expect(await refused({ comment: 'x'.repeat(MAX_ALERT_NOTE_LENGTH + 1), endsAt: later(HOUR) })).toEqual([
      'InvalidArgumentError',
      'comment',
    ]);
    expect(await refused({ ruleId: '424242', endsAt: later(HOUR) })).toEqual(['NotFoundError', 'AlertRule']);
    expect(await expire('424242')).toMatchObject({ __typename: 'NotFoundError', resource: 'AlertSilence' });
  });
});
