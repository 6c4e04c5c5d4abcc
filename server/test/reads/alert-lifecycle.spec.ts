import { createDatabaseClients, MAX_ALERT_NOTE_LENGTH, MAX_SNOOZE_DAYS, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, useTestServer } from '../testkit/server.ts';

const HISTORY = 'history { fromStatus toStatus snoozedUntil actor note currentValue }';
const RESULT = `__typename ... on Alert { status acknowledgedBy acknowledgeNote snoozedUntil ${HISTORY} }
  ... on InvalidArgumentError { argument message } ... on NotFoundError { message }`;

/** Acknowledging with who and why, snoozing and waking, and the history the trigger keeps of every change. */
describe('alert lifecycle: acknowledge with a note, snooze, history', () => {
  const server = useTestServer();
  let clients: DatabaseClients;

  /** An alert as the worker writes it: a plain insert, no actor named. */
  async function fire(currentValue = 0.01): Promise<number> {
    const { rows } = await clients.pool.query(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
       VALUES ('camp_life', 'google', 'ctr_drop', $1, 0.04, 0.028, 'CTR dropped') RETURNING alert_id`,
      [currentValue],
    );
    return rows[0].alert_id;
  }

  const call = async (mutation: string, variables: Record<string, unknown>) => {
    const result = await graphql(server.current.baseUrl, mutation, variables);
    expect(result.errors).toBeUndefined();
    return Object.values(result.data as Record<string, any>)[0];
  };
  const acknowledge = (id: number, by?: string, note?: string) =>
    call(
      `mutation ($id: ID!, $by: String, $note: String) { acknowledgeAlert(id: $id, by: $by, note: $note) { ${RESULT} } }`,
      {
        id: String(id),
        by,
        note,
      },
    );
  const snooze = (id: number, until: string | null, by?: string, note?: string) =>
    call(
      `mutation ($id: ID!, $until: DateTime, $by: String, $note: String) {
        snoozeAlert(id: $id, until: $until, by: $by, note: $note) { ${RESULT} } }`,
      { id: String(id), until, by, note },
    );

  beforeAll(() => {
    clients = createDatabaseClients(server.current.databaseUrl);
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('keeps who acknowledged, why, every snooze and the resolution, in order, with the system as actor of its own', async () => {
    const id = await fire(0.012);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await snooze(id, until, 'Ana', 'looking at the landing page');
    expect(snoozed).toMatchObject({ __typename: 'Alert', status: 'FIRING', snoozedUntil: until });

    const acknowledged = await acknowledge(id, '  Ana  ', 'paused the creative');
    expect(acknowledged).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledgedBy: 'Ana',
      acknowledgeNote: 'paused the creative',
    });
    // A second acknowledgement changes nothing: the first is kept.
    expect(await acknowledge(id, 'Bo', 'me too')).toMatchObject({ acknowledgedBy: 'Ana' });

    const woken = await snooze(id, null, 'Bo');
    expect(woken.snoozedUntil).toBeNull();
    // The worker resolves it in its own transaction: no actor.
    await clients.pool.query(
      `UPDATE alerts SET status = 'resolved', resolved_at = now(), current_value = 0.03 WHERE alert_id = $1`,
      [id],
    );

    const { data } = await graphql(server.current.baseUrl, `query ($id: ID!) { alert(id: $id) { ${HISTORY} } }`, {
      id: String(id),
    });
    expect(data.alert.history).toEqual([
      { fromStatus: null, toStatus: 'FIRING', snoozedUntil: null, actor: null, note: null, currentValue: 0.012 },
      {
        fromStatus: 'FIRING',
        toStatus: 'FIRING',
        snoozedUntil: until,
        actor: 'Ana',
        note: 'looking at the landing page',
        currentValue: 0.012,
      },
      {
        fromStatus: 'FIRING',
        toStatus: 'ACKNOWLEDGED',
        snoozedUntil: until,
        actor: 'Ana',
        note: 'paused the creative',
        currentValue: 0.012,
      },
      {
        fromStatus: 'ACKNOWLEDGED',
        toStatus: 'ACKNOWLEDGED',
        snoozedUntil: null,
        actor: 'Bo',
        note: null,
        currentValue: 0.012,
      },
      {
        fromStatus: 'ACKNOWLEDGED',
        toStatus: 'RESOLVED',
        snoozedUntil: null,
        actor: null,
        note: null,
        currentValue: 0.03,
      },
    ]);
  });

  it('refuses a past or too distant snooze, a too long note, and snoozing a resolved alert', async () => {
    const id = await fire();
    expect(await snooze(id, new Date(Date.now() - 60_000).toISOString())).toMatchObject({
      __typename: 'InvalidArgumentError',
      argument: 'until',
    });
    expect(await snooze(id, new Date(Date.now() + (MAX_SNOOZE_DAYS + 1) * 86_400_000).toISOString())).toMatchObject({
      __typename: 'InvalidArgumentError',
      argument: 'until',
    });
    expect(await acknowledge(id, 'Ana', 'x'.repeat(MAX_ALERT_NOTE_LENGTH + 1))).toMatchObject({
      __typename: 'InvalidArgumentError',
      argument: 'note',
    });
    // Nothing of the refused calls reached the alert or its history.
    const { rows } = await clients.pool.query(
      'SELECT count(*)::int AS n FROM alert_state_changes WHERE alert_id = $1',
      [id],
    );
    expect(rows[0].n).toBe(1);

    await clients.pool.query(`UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE alert_id = $1`, [id]);
    expect(await snooze(id, new Date(Date.now() + 60_000).toISOString())).toMatchObject({
      __typename: 'NotFoundError',
    });
  });
});
