import { describe, expect, it } from 'vitest';
import { postJson } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, readAuth, useSecurityServer } from './testkit/server.ts';

// acknowledgeAlert and snoozeAlert take free text (who, a note) and a time: bounded, checked before any write, and
// refused by argument; the note never comes back whole in an error.
const server = useSecurityServer();

const ACK = `mutation ($by: String, $note: String) { acknowledgeAlert(id: "1", by: $by, note: $note) {
  __typename ... on InvalidArgumentError { argument message } } }`;
const SNOOZE = `mutation ($until: DateTime) { snoozeAlert(id: "1", until: $until) {
  __typename ... on InvalidArgumentError { argument } } }`;

describe('alert actions as attack input', () => {
  it('refuses a 1 MB note and a 10 kB name by argument, quoting neither', async () => {
    for (const [variables, argument] of [
      [{ note: 'n'.repeat(1_000_000) }, 'note'],
      [{ by: 'b'.repeat(10_000) }, 'by'],
    ] as const) {
      const response = await postJson(server.baseUrl, '/graphql', { query: ACK, variables }, readAuth);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).data.acknowledgeAlert).toMatchObject({
        __typename: 'InvalidArgumentError',
        argument,
      });
      expect(response.body.length).toBeLessThan(1_000);
      expectNoInternals(response.body);
    }
    await expectServerFine(server, 'after oversized alert notes');
  });

  it('refuses a NUL in a note (422) and snoozes only into the near future', async () => {
    const nul = await postJson(server.baseUrl, '/graphql', { query: ACK, variables: { note: 'a\u0000b' } }, readAuth);
    expect(nul.status).toBe(422);
    expectNoInternals(nul.body);
    for (const until of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const response = await postJson(server.baseUrl, '/graphql', { query: SNOOZE, variables: { until } }, readAuth);
      expect(JSON.parse(response.body).data.snoozeAlert).toMatchObject({
        __typename: 'InvalidArgumentError',
        argument: 'until',
      });
    }
    await expectServerFine(server, 'after refused snoozes');
  });

  it('needs the read token like acknowledging does', async () => {
    const response = await postJson(server.baseUrl, '/graphql', { query: SNOOZE, variables: { until: null } });
    expect(response.status).toBe(401);
  });
});
