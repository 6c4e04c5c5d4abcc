import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  commonConfig,
  createLogger,
  ensureDatabase,
  migrate,
  startEmbeddedCluster,
  type EmbeddedCluster,
} from '@pmd/db';
import { buildApp } from '@pmd/server';
import { startWorker } from '@pmd/worker';
import { buildDashboard } from '../e2e/support/build-dashboard.ts';
import { ingestThroughApi } from '../e2e/support/seed.ts';
import { realisticTraffic, runRollups } from '../e2e/support/traffic.ts';

/**
 * `pnpm bench:lighthouse [--runs 3] [--path /]`: Lighthouse (mobile, its default throttling) on the overview page of a
 * production build served by the API as in production, against a real server and worker holding six hours of seeded
 * traffic. Prints each category's score (the median run's) and the numbers behind performance; the median run's full
 * report goes to test-results/lighthouse.json. Lighthouse runs through `pnpm dlx` so that `pnpm install` never
 * downloads it; CHROME_PATH picks the browser (default Debian's chromium).
 */
const LIGHTHOUSE = 'lighthouse@13.5.0';
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
  'bootup-time',
] as const;
const INGEST_TOKEN = 'bench-lighthouse-ingest';
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

interface Report {
  categories: Record<(typeof CATEGORIES)[number], { score: number | null }>;
  audits: Record<string, { score: number | null; displayValue?: string; title: string }>;
}

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, path: { type: 'string', default: '/' } },
});
// The server's request log would bury the scores: warnings and errors only.
const log = createLogger('bench-lighthouse', { ...commonConfig().log, level: 'warn' });

function lighthouse(url: string, outputPath: string): Promise<Report> {
  const args = [
    'dlx',
    LIGHTHOUSE,
    url,
    '--quiet',
    '--output=json',
    `--output-path=${outputPath}`,
    `--only-categories=${CATEGORIES.join(',')}`,
    `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' },
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lighthouse exited with ${code}`));
      else readFile(outputPath, 'utf8').then((text) => resolve(JSON.parse(text) as Report), reject);
    });
  });
}

const scratch = await mkdtemp(path.join(tmpdir(), 'pmd-lighthouse-'));
// The embedded PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
await chmod(scratch, 0o755);
let cluster: EmbeddedCluster | undefined;
try {
  if (!process.env.DATABASE_URL)
    cluster = await startEmbeddedCluster({ dataDir: path.join(scratch, 'pg'), persistent: false, log });
  const databaseUrl = await ensureDatabase(
    process.env.DATABASE_URL ?? cluster!.adminUrl,
    `pmd_lighthouse_${Date.now()}`,
  );
  await migrate(databaseUrl, log);
  const app = buildApp({
    databaseUrl,
    log,
    config: { ingestToken: INGEST_TOKEN, dashboardDir: await buildDashboard() },
  });
  const apiUrl = `http://127.0.0.1:${await app.start(0)}`;
  const worker = await startWorker({ databaseUrl, log, crontab: '' });
  try {
    await ingestThroughApi(apiUrl, INGEST_TOKEN, realisticTraffic(new Date()));
    await runRollups(databaseUrl, 60_000);
    await mkdir(RESULTS_DIR, { recursive: true });
    const reports: Report[] = [];
    for (let run = 0; run < Number(values.runs); run++) {
      reports.push(await lighthouse(`${apiUrl}${values.path}`, path.join(scratch, `run-${run}.json`)));
    }
    const performance = (report: Report) => report.categories.performance.score ?? 0;
    const median = [...reports].sort((a, b) => performance(a) - performance(b))[Math.floor(reports.length / 2)]!;
    await writeFile(path.join(RESULTS_DIR, 'lighthouse.json'), JSON.stringify(median, null, 2));
    console.log(`\nLighthouse ${LIGHTHOUSE.split('@')[1]} (mobile) on ${values.path}, ${reports.length} run(s):`);
    for (const category of CATEGORIES) {
      const scores = reports.map((report) => Math.round((report.categories[category].score ?? 0) * 100));
      console.log(
        `  ${category.padEnd(15)} ${Math.round((median.categories[category].score ?? 0) * 100)}  (runs: ${scores.join(', ')})`,
      );
    }
    for (const metric of METRICS)
      console.log(`  ${median.audits[metric]!.title.padEnd(28)} ${median.audits[metric]!.displayValue ?? ''}`);
    const failing = Object.entries(median.audits).filter(([, audit]) => audit.score !== null && audit.score < 0.9);
    if (failing.length)
      console.log(`  below 0.9: ${failing.map(([id, audit]) => `${id} (${audit.score})`).join(', ')}`);
  } finally {
    await worker.stop();
    await app.stop();
  }
} finally {
  await cluster?.stop();
  await rm(scratch, { recursive: true, force: true });
}
