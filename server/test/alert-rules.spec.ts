import { AlertChangedPayloadSchema, createDatabaseClients, NOTIFY_CHANNELS, type DatabaseClients } from '@pmd/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleInput } from './testkit/rules.ts';
import { graphql, useTestServer } from './testkit/server.ts';

const RULE_FIELDS = `id name metric scope scopeValue method windowMinutes baseline baselineHours minRelativeChange
  recoveryChange significance recoverySignificance minVolume minBaselineVolume expectedValue pendingMinutes severity
  enabled channels { id name } openAlerts`;
const WRITE_RESULT = `__typename ... on AlertRule { ${RULE_FIELDS} }
  ... on AlertRuleValidationError { message issues { field message } } ... on NotFoundError { resource missing: id }`;

describe('alert rules over GraphQL', () => {
  const server = useTestServer();
  let clients: DatabaseClients;

  const call = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await graphql(server.current.baseUrl, query, variables);
    expect(result.errors).toBeUndefined();
    return Object.values(result.data as Record<string, any>)[0];
  };
  const create = (input: Record<string, unknown>) =>
    call(`mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { ${WRITE_RESULT} } }`, { input });
  const update = (id: string, input: Record<string, unknown>) =>
    call(
      `mutation ($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${WRITE_RESULT} } }`,
      {
        id,
        input,
      },
    );
  const setEnabled = (id: string, enabled: boolean) =>
    call(
      `mutation ($id: ID!, $enabled: Boolean!) { setAlertRuleEnabled(id: $id, enabled: $enabled) {
        __typename ... on AlertRule { enabled openAlerts } ... on NotFoundError { missing: id } } }`,
      { id, enabled },
    );
  const remove = (id: string) =>
    call(
      `mutation ($id: ID!) { deleteAlertRule(id: $id) {
        __typename ... on DeletedAlertRule { id } ... on NotFoundError { resource missing: id } } }`,
      { id },
    );
  const channel = async (name: string) =>
    (
      await call(
        `mutation ($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) {
          ... on NotificationChannel { id } } }`,
        { input: { name, kind: 'WEBHOOK', target: `https://hooks.example.com/${name}` } },
      )
    ).id as string;

  /** An alert of a rule as the worker writes it (a firing insert is what the notification trigger announces). */
  async function alertOf(ruleId: string, campaignId: string, status: 'firing' | 'pending'): Promise<number> {
    const { rows } = await clients.pool.query(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message,
                           rule_id, status, pending_since)
       SELECT $2, 'google', r.metric, 0.01, 0.04, 0.028, 'CTR dropped', r.id, $3,
              CASE WHEN $3 = 'pending' THEN now() END
       FROM alert_rules r WHERE r.id = $1
       RETURNING alert_id`,
      [Number(ruleId), campaignId, status],
    );
    return rows[0].alert_id;
  }
  const alertRow = async (alertId: number) =>
    (await clients.pool.query('SELECT status, resolved_at, rule_id FROM alerts WHERE alert_id = $1', [alertId]))
      .rows[0];
  const deliveries = async (alertId: number) =>
    (
      await clients.pool.query(
        'SELECT channel_id::text, event FROM notification_deliveries WHERE alert_id = $1 ORDER BY id',
        [alertId],
      )
    ).rows;

  beforeAll(() => {
    clients = createDatabaseClients(server.current.databaseUrl);
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('lists the seeded rules by id: the four that carry the former defaults, then the three target rules', async () => {
    const rules = await call(`{ alertRules { ${RULE_FIELDS} } }`);
    expect(rules.map((r: any) => [r.name, r.metric, r.method, r.windowMinutes, r.significance])).toEqual([
      ['CTR drop', 'CTR_DROP', 'CUSUM', 60, 10],
      ['Click→signup drop', 'CLICK_TO_SIGNUP_DROP', 'CUSUM', 60, 10],
      ['Signup→activation drop', 'SIGNUP_TO_ACTIVATION_DROP', 'WINDOW', 15, 3],
      ['CPC spike', 'CPC_SPIKE', 'WINDOW', 15, 3],
      ['Projected overspend', 'PROJECTED_OVERSPEND', 'TARGET', 60, 1],
      ['CPA above target', 'CPA_ABOVE_TARGET', 'TARGET', 1440, 1],
      ['ROAS below target', 'ROAS_BELOW_TARGET', 'TARGET', 1440, 1],
    ]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ scope: 'ALL', scopeValue: null, enabled: true, channels: [], openAlerts: 0 });
    }
  });

  it('creates, reads back, updates (settings and routing), disables and deletes a rule', async () => {
    const [meta, mail] = [await channel('ops-meta'), await channel('ops-mail')];
    const input = ruleInput('impressions_drop', {
      name: '  Meta delivery stopped ',
      scope: 'CHANNEL',
      scopeValue: ' meta ',
      pendingMinutes: 5,
      expectedValue: 40,
      severity: 'CRITICAL',
      channelIds: [meta, meta],
    });
    const created = await create(input);
    expect(created).toMatchObject({
      __typename: 'AlertRule',
      name: 'Meta delivery stopped',
      metric: 'IMPRESSIONS_DROP',
      scope: 'CHANNEL',
      scopeValue: 'meta',
      method: 'WINDOW',
      baseline: 'LAST_WEEK',
      baselineHours: 1,
      minRelativeChange: 0.5,
      recoveryChange: 0.25,
      expectedValue: 40,
      pendingMinutes: 5,
      severity: 'CRITICAL',
      channels: [{ id: meta, name: 'ops-meta' }],
      openAlerts: 0,
    });
    const read = await call(`query ($id: ID!) { alertRule(id: $id) { ${RULE_FIELDS} } }`, { id: created.id });
    expect(read).toEqual(Object.fromEntries(Object.entries(created).filter(([key]) => key !== '__typename')));

    const updated = await update(created.id, { ...input, severity: 'INFO', channelIds: [mail, meta] });
    expect(updated).toMatchObject({
      severity: 'INFO',
      channels: [
        { id: meta, name: 'ops-meta' },
        { id: mail, name: 'ops-mail' },
      ],
    });
    const channels = await call(`{ notificationChannels { name rules { name } } }`);
    expect(channels).toEqual([
      { name: 'ops-meta', rules: [{ name: 'Meta delivery stopped' }] },
      { name: 'ops-mail', rules: [{ name: 'Meta delivery stopped' }] },
    ]);
    // No channels again: the default route (every enabled channel).
    expect((await update(created.id, { ...input, channelIds: [] })).channels).toEqual([]);
    const stored = await clients.pool.query('SELECT channel_id FROM alert_rule_channels WHERE rule_id = $1', [
      Number(created.id),
    ]);
    expect(stored.rows).toEqual([]);

    expect(await setEnabled(created.id, false)).toEqual({ __typename: 'AlertRule', enabled: false, openAlerts: 0 });
    expect(await remove(created.id)).toEqual({ __typename: 'DeletedAlertRule', id: created.id });
    expect(await call(`query ($id: ID!) { alertRule(id: $id) { id } }`, { id: created.id })).toBeNull();
    expect(await remove(created.id)).toEqual({
      __typename: 'NotFoundError',
      resource: 'AlertRule',
      missing: created.id,
    });
    expect(await update('999999', input)).toMatchObject({ __typename: 'NotFoundError', missing: '999999' });
    expect(await setEnabled('x', true)).toEqual({ __typename: 'NotFoundError', missing: 'x' });
  });

  it('refuses bad settings with every issue on its field, and stores nothing', async () => {
    const before = (await clients.pool.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n;
    const issues = async (input: Record<string, unknown>) => {
      const result = await create(input);
      expect(result.__typename).toBe('AlertRuleValidationError');
      return result.issues.map((issue: { field: string }) => issue.field);
    };
    expect(await issues(ruleInput('cpc_spike', { name: 'cusum cpc', method: 'CUSUM' }))).toEqual(['method']);
    expect(await issues(ruleInput('ctr_drop', { name: 'no gap', recoveryChange: 0.3 }))).toEqual(['recoveryChange']);
    expect(await issues(ruleInput('ctr_drop', { name: 'no campaign', scope: 'CAMPAIGN', scopeValue: '  ' }))).toEqual([
      'scopeValue',
    ]);
    expect(await issues(ruleInput('ctr_drop', { name: 'all of x', scopeValue: 'camp_x' }))).toEqual(['scopeValue']);
    expect(await issues(ruleInput('ctr_drop', { name: 'lost route', channelIds: ['424242', 'nope'] }))).toEqual([
      'channelIds',
    ]);
    expect(await issues(ruleInput('ctr_drop', { name: 'CTR drop' }))).toEqual(['name']);
    // Several problems come back together.
    expect(
      await issues(ruleInput('ctr_drop', { name: ' ', windowMinutes: 0, pendingMinutes: 2000, channelIds: ['0'] })),
    ).toEqual(['name', 'windowMinutes', 'pendingMinutes', 'channelIds']);
    const result = await create(ruleInput('ctr_drop', { name: 'CTR drop', recoveryChange: 0.5 }));
    expect(result.message).toContain('recoveryChange');
    expect(result.issues).toContainEqual({ field: 'name', message: 'a rule named "CTR drop" exists already' });
    expect((await clients.pool.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n).toBe(before);
    // A rename onto another rule's name is refused the same way; keeping its own name is not a clash.
    const own = await create(ruleInput('clicks_drop', { name: 'Clicks gone' }));
    expect((await update(own.id, ruleInput('clicks_drop', { name: 'CPC spike' }))).issues).toEqual([
      { field: 'name', message: 'a rule named "CPC spike" exists already' },
    ]);
    expect((await update(own.id, ruleInput('clicks_drop', { name: 'Clicks gone', severity: 'INFO' }))).severity).toBe(
      'INFO',
    );
    await remove(own.id);
  });

  it('deleting a rule resolves its open alert (the channel told it fired hears it resolved) and cancels its pending one', async () => {
    const hook = await channel('ops-delete');
    const rule = await create(ruleInput('ctr_drop', { name: 'Doomed', channelIds: [hook] }));
    const firing = await alertOf(rule.id, 'camp_fire', 'firing');
    const pending = await alertOf(rule.id, 'camp_wait', 'pending');
    expect(await deliveries(firing)).toEqual([{ channel_id: hook, event: 'fired' }]);
    expect(await call(`query ($id: ID!) { alertRule(id: $id) { openAlerts } }`, { id: rule.id })).toEqual({
      openAlerts: 2,
    });

    const listener = new pg.Client({ connectionString: server.current.databaseUrl });
    await listener.connect();
    const payloads: unknown[] = [];
    listener.on('notification', (message) =>
      payloads.push(AlertChangedPayloadSchema.parse(JSON.parse(message.payload!))),
    );
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.alertChanged}`);
    try {
      expect(await remove(rule.id)).toEqual({ __typename: 'DeletedAlertRule', id: rule.id });
      await expect.poll(() => payloads.length).toBe(2);
    } finally {
      await listener.end();
    }
    expect(payloads).toEqual(
      expect.arrayContaining([
        { alertId: firing, status: 'resolved' },
        { alertId: pending, status: 'cancelled' },
      ]),
    );
    expect(await alertRow(firing)).toMatchObject({ status: 'resolved', resolved_at: expect.any(Date), rule_id: null });
    expect(await alertRow(pending)).toMatchObject({
      status: 'cancelled',
      resolved_at: expect.any(Date),
      rule_id: null,
    });
    expect(await deliveries(firing)).toEqual([
      { channel_id: hook, event: 'fired' },
      { channel_id: hook, event: 'resolved' },
    ]);
    expect(await deliveries(pending)).toEqual([]);
    const history = await clients.pool.query(
      `SELECT to_status, note FROM alert_state_changes WHERE alert_id = $1 ORDER BY id DESC LIMIT 1`,
      [firing],
    );
    expect(history.rows[0]).toEqual({ to_status: 'resolved', note: 'rule "Doomed" deleted' });
  });

  it('disabling a rule cancels its pending alert without notifying anyone; enabling it again leaves alerts alone', async () => {
    await channel('ops-disable');
    const rule = await create(ruleInput('ctr_drop', { name: 'Patient', pendingMinutes: 10 }));
    const pending = await alertOf(rule.id, 'camp_slow', 'pending');
    const listed = await call(
      `{ alerts(status: [PENDING]) { edges { node { alertId status severity pendingSince rule { name pendingMinutes } } } } }`,
    );
    expect(listed.edges.map((e: any) => e.node)).toEqual([
      {
        alertId: pending,
        status: 'PENDING',
        severity: 'WARNING',
        pendingSince: expect.any(String),
        rule: { name: 'Patient', pendingMinutes: 10 },
      },
    ]);
    expect(await setEnabled(rule.id, false)).toEqual({ __typename: 'AlertRule', enabled: false, openAlerts: 0 });
    expect(await alertRow(pending)).toMatchObject({ status: 'cancelled', resolved_at: expect.any(Date) });
    expect(await deliveries(pending)).toEqual([]);
    expect(await setEnabled(rule.id, true)).toEqual({ __typename: 'AlertRule', enabled: true, openAlerts: 0 });
    expect((await alertRow(pending)).status).toBe('cancelled');
    await remove(rule.id);
  });

  it('disabling a rule waits for a worker run in flight and closes the alert that run raised', async () => {
    const rule = await create(ruleInput('ctr_drop', { name: 'Raced' }));
    // A worker run: it holds its enabled rules FOR SHARE (worker ENABLED_RULES_SQL) and writes an alert, uncommitted.
    const run = new pg.Client({ connectionString: server.current.databaseUrl });
    await run.connect();
    try {
      await run.query('BEGIN');
      await run.query('SELECT id FROM alert_rules WHERE enabled ORDER BY id FOR SHARE');
      const { rows } = await run.query(
        `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message,
                             rule_id, status)
         VALUES ('camp_raced', 'google', 'ctr_drop', 0.01, 0.04, 0.028, 'CTR dropped', $1, 'firing')
         RETURNING alert_id`,
        [Number(rule.id)],
      );
      let settled = false;
      const disabled = setEnabled(rule.id, false).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // waits for the run's lock
      await run.query('COMMIT');
      expect(await disabled).toEqual({ __typename: 'AlertRule', enabled: false, openAlerts: 0 });
      expect(await alertRow(rows[0].alert_id)).toMatchObject({ status: 'resolved', resolved_at: expect.any(Date) });
    } finally {
      await run.end();
    }
    await remove(rule.id);
  });

  it('an update that changes what the rule watches closes its alerts; one that only tunes it keeps them', async () => {
    const input = ruleInput('ctr_drop', { name: 'Tuned' });
    const rule = await create(input);
    const firing = await alertOf(rule.id, 'camp_tune', 'firing');
    await update(rule.id, { ...input, significance: 12, severity: 'CRITICAL' });
    expect((await alertRow(firing)).status).toBe('firing');
    await update(rule.id, { ...input, scope: 'CAMPAIGN', scopeValue: 'camp_other' });
    expect(await alertRow(firing)).toMatchObject({ status: 'resolved', rule_id: Number(rule.id) });
    await remove(rule.id);
  });

  it('keeps pending and cancelled alerts out of REST /alerts/active (fired and unresolved only)', async () => {
    const rule = await create(ruleInput('ctr_drop', { name: 'Rest rule', pendingMinutes: 3 }));
    const firing = await alertOf(rule.id, 'camp_rest_fire', 'firing');
    const pending = await alertOf(rule.id, 'camp_rest_wait', 'pending');
    const cancelled = await alertOf(rule.id, 'camp_rest_gone', 'pending');
    await clients.pool.query(`UPDATE alerts SET status = 'cancelled', resolved_at = now() WHERE alert_id = $1`, [
      cancelled,
    ]);
    const response = await fetch(`${server.current.baseUrl}/alerts/active?limit=200`);
    const ids = ((await response.json()) as { alerts: { alert_id: number }[] }).alerts.map((a) => a.alert_id);
    expect(ids).toContain(firing);
    expect(ids).not.toContain(pending);
    expect(ids).not.toContain(cancelled);
    // GraphQL without a status filter still lists every alert.
    const all = await call(`{ alerts(first: 100) { edges { node { alertId status } } } }`);
    expect(all.edges.map((e: any) => e.node)).toEqual(
      expect.arrayContaining([
        { alertId: pending, status: 'PENDING' },
        { alertId: cancelled, status: 'CANCELLED' },
      ]),
    );
    await remove(rule.id);
  });
});
