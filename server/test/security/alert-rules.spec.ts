import { MAX_ALERT_RULES, MAX_BACKTEST_DAYS } from '@pmd/db';
import { describe, expect, it } from 'vitest';
import { ruleInput } from '../testkit/rules.ts';
import { MAX_BACKTEST_KEYS } from '../../src/services/alert-backtest.ts';
import { postJson, send } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, readAuth, useSecurityServer } from './testkit/server.ts';

// Alert rules are a new door: changing them needs the admin scope (like notification channels), silencing and
// backtesting the reader scope; every input is bounded, and a backtest (heavy) stays within the server's memory cap.
const ADMIN_TOKEN = 'security-admin-token';
const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const server = useSecurityServer({ ADMIN_TOKEN });

const CREATE = /* GraphQL */ `
  mutation Create($input: AlertRuleInput!) {
    createAlertRule(input: $input) {
      __typename
      ... on AlertRule {
        id
        name
      }
      ... on AlertRuleValidationError {
        message
        issues {
          field
          message
        }
      }
    }
  }
`;
const BACKTEST = /* GraphQL */ `
  query Backtest($rule: AlertRuleInput!, $days: Int!) {
    backtestAlertRule(rule: $rule, days: $days) {
      __typename
      ... on AlertRuleBacktest {
        keys
        ticks
        fired
        firedPerDay {
          fired
        }
      }
      ... on InvalidArgumentError {
        argument
      }
      ... on AlertRuleValidationError {
        issues {
          field
        }
      }
    }
  }
`;

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await postJson(server.baseUrl, '/graphql', { query, variables }, headers);
  expectNoInternals(response.body);
  return { status: response.status, body: JSON.parse(response.body) };
}

const ruleCount = async () => (await server.sql('SELECT count(*)::int AS n FROM alert_rules'))[0].n as number;

describe('who may change alert rules', () => {
  it('refuses every rule mutation with only the read token, and changes nothing', async () => {
    const mutations = {
      create: [CREATE, { input: ruleInput('ctr_drop', { name: 'sneaky' }) }],
      update: [
        'mutation($input: AlertRuleInput!) { updateAlertRule(id: "1", input: $input) { __typename } }',
        { input: ruleInput('ctr_drop', { name: 'renamed' }) },
      ],
      disable: ['mutation { setAlertRuleEnabled(id: "1", enabled: false) { __typename } }', {}],
      delete: ['mutation { deleteAlertRule(id: "1") { __typename } }', {}],
    } as const;
    const seeded = await ruleCount();
    for (const [name, [query, variables]] of Object.entries(mutations)) {
      const { body } = await gql(query, variables, readAuth);
      expect(body.data ?? null, name).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
      expect(body.errors?.[0]?.message, name).toContain('ADMIN_TOKEN');
    }
    expect(await server.sql('SELECT id, name, enabled FROM alert_rules WHERE id = 1')).toEqual([
      { id: 1, name: 'CTR drop', enabled: true },
    ]);
    expect(await ruleCount()).toBe(seeded);
  });

  it('refuses reads, silences and backtests without a token, at the door', async () => {
    for (const query of ['{ alertRules { id } }', '{ alertSilences { id } }']) {
      const response = await postJson(server.baseUrl, '/graphql', { query });
      expect(response.status, query).toBe(401);
      expectNoInternals(response.body);
    }
  });

  it('lets the admin token create and the read token list, silence and backtest', async () => {
    const created = await gql(CREATE, { input: ruleInput('signups_drop', { name: 'Signups gone' }) }, adminAuth);
    expect(created.body.data.createAlertRule).toMatchObject({ __typename: 'AlertRule', name: 'Signups gone' });
    const listed = await gql('{ alertRules { name } }', {}, readAuth);
    expect(listed.body.data.alertRules.map((r: { name: string }) => r.name)).toContain('Signups gone');

    const silenced = await gql(
      `mutation($input: AlertSilenceInput!) { createAlertSilence(input: $input) {
         __typename ... on AlertSilence { id active } } }`,
      { input: { campaignId: 'camp_x', endsAt: new Date(Date.now() + 3_600_000).toISOString() } },
      readAuth,
    );
    expect(silenced.body.data.createAlertSilence).toMatchObject({ __typename: 'AlertSilence', active: true });
    const expired = await gql(
      `mutation($id: ID!) { expireAlertSilence(id: $id) { __typename ... on AlertSilence { active } } }`,
      { id: silenced.body.data.createAlertSilence.id },
      readAuth,
    );
    expect(expired.body.data.expireAlertSilence).toEqual({ __typename: 'AlertSilence', active: false });

    const backtest = await gql(BACKTEST, { rule: ruleInput('ctr_drop'), days: 1 }, readAuth);
    expect(backtest.body.data.backtestAlertRule).toMatchObject({ __typename: 'AlertRuleBacktest', keys: 0, fired: 0 });
  });
});

describe('rule inputs are bounded', () => {
  it('refuses a 100 kB name, scope value and channel list with issues that do not echo them', async () => {
    const before = await ruleCount();
    const huge = 'n'.repeat(100_000);
    const { body } = await gql(
      CREATE,
      {
        input: ruleInput('ctr_drop', {
          name: huge,
          scope: 'CAMPAIGN',
          scopeValue: huge,
          channelIds: Array.from({ length: 10_000 }, (_, i) => String(i + 1)),
        }),
      },
      adminAuth,
    );
    const result = body.data.createAlertRule;
    expect(result.__typename).toBe('AlertRuleValidationError');
    expect(result.issues.map((i: { field: string }) => i.field)).toEqual(['name', 'scopeValue', 'channelIds']);
    expect(JSON.stringify(body).length).toBeLessThan(2_000);
    expect(await ruleCount()).toBe(before);
  });

  it('refuses non-finite numbers: a variable at the GraphQL layer, a literal past the double range as an issue', async () => {
    const before = await ruleCount();
    // JSON's 1e999 parses as Infinity: the variable is refused before any resolver runs.
    const input = JSON.stringify(ruleInput('ctr_drop', { name: 'infinite' })).replace(
      '"significance":10',
      '"significance":1e999',
    );
    const raw = await send(server.baseUrl, {
      path: '/graphql',
      headers: { 'content-type': 'application/json', ...adminAuth },
      body: `{"query":${JSON.stringify(CREATE)},"variables":{"input":${input}}}`,
    });
    expectNoInternals(raw.body);
    const parsed = JSON.parse(raw.body);
    expect(parsed.data ?? null).toBeNull();
    expect(parsed.errors[0].message).toMatch(/Float cannot represent/);
    // An inline literal past the double range reaches the resolver as Infinity; the rule's checks refuse it.
    const literal = await gql(
      `mutation { createAlertRule(input: { name: "x", metric: CTR_DROP, scope: ALL, method: WINDOW, windowMinutes: 15,
         baseline: TRAILING, baselineHours: 24, minRelativeChange: 1e999, recoveryChange: 0.1, significance: 3,
         recoverySignificance: 3, minVolume: 200, minBaselineVolume: 200, pendingMinutes: 0, severity: INFO,
         enabled: true }) { __typename ... on AlertRuleValidationError { issues { field message } } } }`,
      {},
      adminAuth,
    );
    expect(literal.body.data.createAlertRule.__typename).toBe('AlertRuleValidationError');
    expect(literal.body.data.createAlertRule.issues).toContainEqual({
      field: 'minRelativeChange',
      message: 'minRelativeChange must be a finite number',
    });
    expect(await ruleCount()).toBe(before);
  });

  it('bounds backtest days, and refuses an invalid rule', async () => {
    for (const days of [0, MAX_BACKTEST_DAYS + 1, -1, 2_147_483_647]) {
      const { body } = await gql(BACKTEST, { rule: ruleInput('ctr_drop'), days }, readAuth);
      expect(body.data.backtestAlertRule, String(days)).toEqual({
        __typename: 'InvalidArgumentError',
        argument: 'days',
      });
    }
    const { body } = await gql(BACKTEST, { rule: ruleInput('ctr_drop'), days: 1e10 }, readAuth);
    expect(body.errors[0].message).toMatch(/Int cannot represent/);
    const invalid = await gql(BACKTEST, { rule: ruleInput('ctr_drop', { windowMinutes: 100_000 }), days: 1 }, readAuth);
    expect(invalid.body.data.backtestAlertRule).toEqual({
      __typename: 'AlertRuleValidationError',
      issues: [{ field: 'windowMinutes' }],
    });
  });

  it(`refuses a target rule's backtest over more than ${MAX_BACKTEST_KEYS} campaigns, and one scoped to a channel`, async () => {
    await server.sql(
      `INSERT INTO campaigns (campaign_id, name, target_roas)
       SELECT 'camp_target_' || i, 'camp_target_' || i, 3 FROM generate_series(1, $1::int) i`,
      [MAX_BACKTEST_KEYS + 1],
    );
    try {
      const many = await gql(BACKTEST, { rule: ruleInput('roas_below_target'), days: MAX_BACKTEST_DAYS }, readAuth);
      expect(many.body.data.backtestAlertRule).toEqual({ __typename: 'InvalidArgumentError', argument: 'rule' });
      const one = ruleInput('roas_below_target', { scope: 'CAMPAIGN', scopeValue: 'camp_target_1' });
      expect((await gql(BACKTEST, { rule: one, days: 1 }, readAuth)).body.data.backtestAlertRule).toMatchObject({
        __typename: 'AlertRuleBacktest',
        keys: 1,
      });
      const channel = ruleInput('roas_below_target', { scope: 'CHANNEL', scopeValue: 'meta' });
      expect((await gql(BACKTEST, { rule: channel, days: 1 }, readAuth)).body.data.backtestAlertRule).toEqual({
        __typename: 'AlertRuleValidationError',
        issues: [{ field: 'scope' }],
      });
    } finally {
      await server.sql(`DELETE FROM campaigns WHERE campaign_id LIKE 'camp_target_%'`);
    }
  });

  it(`stops at ${MAX_ALERT_RULES} rules`, async () => {
    const existing = await ruleCount();
    await server.sql(
      `INSERT INTO alert_rules (name, metric, method, window_minutes, baseline_hours, min_relative_change,
         recovery_change, significance, recovery_significance, min_volume, min_baseline_volume, enabled)
       SELECT 'filler ' || i, 'ctr_drop', 'window', 15, 24, 0.3, 0.15, 3, 3, 200, 200, false
       FROM generate_series(1, $1::int) i`,
      [MAX_ALERT_RULES - existing],
    );
    const { body } = await gql(CREATE, { input: ruleInput('ctr_drop', { name: 'one too many' }) }, adminAuth);
    expect(body.data.createAlertRule.__typename).toBe('AlertRuleValidationError');
    expect(body.data.createAlertRule.issues).toEqual([
      { field: 'name', message: `there are ${MAX_ALERT_RULES} rules already, the most allowed: delete one` },
    ]);
    expect(await ruleCount()).toBe(MAX_ALERT_RULES);
    await server.sql(`DELETE FROM alert_rules WHERE name LIKE 'filler %'`);
  });
});

describe('a backtest is heavy but bounded', () => {
  it(`replays ${MAX_BACKTEST_DAYS} days of 16 campaign·channels' minutes within the memory cap`, async () => {
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    await server.sql(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks, signups, activations,
                                            cost, total_cost)
       SELECT 'camp_' || c, ch, m, 100 + (c * 7 + extract(minute FROM m)::int) % 40, 5 + (c + extract(hour FROM m)::int) % 3,
              1, 0, 2.5, 3
       FROM generate_series(1, 8) c, unnest(ARRAY['google', 'meta']) ch,
            generate_series($1::timestamptz, $2::timestamptz, interval '1 minute') m`,
      [new Date(to - (MAX_BACKTEST_DAYS + 2) * 86_400_000), new Date(to)],
    );
    server.resetPeak();
    const started = performance.now();
    const { body } = await gql(BACKTEST, { rule: ruleInput('ctr_drop'), days: MAX_BACKTEST_DAYS }, readAuth);
    const elapsed = performance.now() - started;
    const result = body.data.backtestAlertRule;
    expect(result).toMatchObject({ __typename: 'AlertRuleBacktest', keys: 16, ticks: MAX_BACKTEST_DAYS * 1440 });
    expect(result.firedPerDay.reduce((sum: number, d: { fired: number }) => sum + d.fired, 0)).toBe(result.fired);
    // Timing is reported, not judged (it depends on the machine and its load).
    console.log(`[backtest] CUSUM rule, ${MAX_BACKTEST_DAYS} days × 16 keys: ${(elapsed / 1000).toFixed(2)} s`);
    await expectServerFine(server, `${MAX_BACKTEST_DAYS}-day backtests`);
  }, 120_000);
});
