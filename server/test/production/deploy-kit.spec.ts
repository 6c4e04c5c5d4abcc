import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { restEvent, withClient } from '@pmd/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { STANDBY_ONLY_METRICS } from '../../src/observability/metrics.ts';
import { useTestServer } from '../testkit/server.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const DASHBOARD = path.join(DEPLOY, 'grafana/perf-mktg-dash.json');
const PROMETHEUS = path.join(DEPLOY, 'prometheus');

/** promtool from PATH (Debian's `prometheus` package has it), else undefined and the promtool tests are skipped. */
const promtool = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'promtool'))
  .find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const NO_PROMTOOL = 'promtool is not on PATH (install Debian/Ubuntu package `prometheus`)';

/** Runs promtool; resolves its exit code and output whatever the code (a failed check is an answer, not an error). */
function runPromtool(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(promtool!, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** Every `pmd_…` series name a text mentions (PromQL expressions, rules). */
function pmdNamesIn(text: string): Set<string> {
  return new Set(text.match(/\bpmd_[a-z0-9_]+/g) ?? []);
}

/** The names an exposition defines: each family (`# TYPE`) and each sample name (`_bucket`, `_count`, `_sum`…). */
function exposedNames(metrics: string): Set<string> {
  const names = new Set<string>();
  for (const line of metrics.split('\n')) {
    const name = line.startsWith('# TYPE ') ? line.split(' ')[2] : /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line)?.[1];
    if (name) names.add(name);
  }
  return names;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

describe('the operations kit in deploy/', () => {
  const server = useTestServer();
  let metrics = '';

  // A real /metrics after real traffic, so every family has samples: ingest of every result, a REST read, a 404,
  // worker runs, a rollup backlog and notification deliveries (the gauges read on scrape).
  beforeAll(async () => {
    const { baseUrl, databaseUrl } = server.current;
    const events = Array.from({ length: 20 }, (_, i) => restEvent(i, 'deploy'));
    const batch = (body: unknown[]) => fetch(`${baseUrl}/events/batch`, { method: 'POST', body: JSON.stringify(body) });
    expect((await batch([...events, { event_id: 'bad' }])).status).toBe(200);
    expect((await batch(events.slice(0, 5))).status).toBe(200);
    expect((await fetch(`${baseUrl}/campaigns/deploy-0/kpis`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/nothing-here`)).status).toBe(404);
    await withClient(databaseUrl, async (client) => {
      await client.query(`INSERT INTO task_runs (task_name, started_at, finished_at, duration_ms, rows_changed, error)
        VALUES ('metrics_hourly', now(), now(), 20, 3, NULL), ('anomaly_alerts', now(), now(), 5, 0, 'boom')`);
      const channel = await client.query<{ id: number }>(
        `INSERT INTO notification_channels (name, kind, target) VALUES ('ops', 'webhook', 'https://example.com/h')
         RETURNING id`,
      );
      await client.query(
        `INSERT INTO notification_deliveries (channel_id, event, idempotency_key, status)
         VALUES ($1, 'test', 'k1', 'failed'), ($1, 'test', 'k2', 'pending')`,
        [channel.rows[0]!.id],
      );
    });
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(200);
    metrics = await response.text();
  });

  it('has a Grafana dashboard that parses, with a templated datasource and an expression in every panel', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      __inputs: { name: string; pluginId: string }[];
      templating: { list: { name: string; type: string }[] };
      panels: Panel[];
    };
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }),
    );
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource' }),
    );
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(15);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.expr.trim(), panel.title).not.toBe('');
    }
  });

  it('reads only metrics a real /metrics has, in the dashboard and in the alert rules', async () => {
    const exposed = exposedNames(metrics);
    const dashboard = await readFile(DASHBOARD, 'utf8');
    const rules = await readFile(path.join(PROMETHEUS, 'alerts.yml'), 'utf8');
    const read = new Set([...pmdNamesIn(dashboard), ...pmdNamesIn(rules)]);
    // What an operator needs must be there: ingest, latency, rollup lag, notifications, subscriptions, process.
    expect(read.size).toBeGreaterThanOrEqual(15);
    // This server has no standby: the standby's own metrics are the only ones it may lack (read-replica*.spec.ts
    // read them from a server with one).
    const standbyOnly = new Set<string>(Object.values(STANDBY_ONLY_METRICS));
    expect([...standbyOnly].filter((name) => exposed.has(name))).toEqual([]);
    expect([...read].filter((name) => !exposed.has(name) && !standbyOnly.has(name))).toEqual([]);
    expect([...standbyOnly].filter((name) => !read.has(name))).toEqual([]);
  });

  it('has alert rules that each wait (`for:`), carry a severity and explain themselves', async () => {
    const rules = (await readFile(path.join(PROMETHEUS, 'alerts.yml'), 'utf8')).split(/\n(?=\s+- alert: )/).slice(1);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      const name = /- alert: (\w+)/.exec(rule)![1];
      expect(rule, name).toMatch(/\n\s+for: \d+m\n/);
      expect(rule, name).toMatch(/\n\s+severity: (critical|warning)\n/);
      expect(rule, name).toMatch(/\n\s+summary: /);
      expect(rule, name).toMatch(/\n\s+description: /);
    }
  });

  it.skipIf(!promtool)('passes `promtool check metrics` on a real /metrics: exit 0, no lint output', async () => {
    const result = await runPromtool(['check', 'metrics'], metrics);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: '' });
  });

  it.skipIf(!promtool)('passes `promtool check rules` and the rules unit tests (`promtool test rules`)', async () => {
    const check = await runPromtool(['check', 'rules', path.join(PROMETHEUS, 'alerts.yml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const test = await runPromtool(['test', 'rules', path.join(PROMETHEUS, 'alerts.test.yml')]);
    expect(test.code, test.stdout + test.stderr).toBe(0);
  });

  it.skipIf(!promtool)('passes `promtool check config` with a token file where prometheus.yml expects it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pmd-prometheus-'));
    try {
      for (const file of ['prometheus.yml', 'alerts.yml'])
        await copyFile(path.join(PROMETHEUS, file), path.join(dir, file));
      await writeFile(path.join(dir, 'metrics_token'), 'a-metrics-token\n', { mode: 0o600 });
      const check = await runPromtool(['check', 'config', path.join(dir, 'prometheus.yml')]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toMatch(/SUCCESS: 1 rule files found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(!promtool)(`skips the promtool checks: ${NO_PROMTOOL}`, () => {});
});
