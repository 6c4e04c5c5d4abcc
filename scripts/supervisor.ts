import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, migrate, openDatabase, REPO_ROOT } from '@pmd/db';

/**
 * The supervisor behind `pnpm start` (see start.ts): the whole system on one machine. Opens the database (DATABASE_URL, or an embedded PostgreSQL in
 * .data/), migrates it, then runs each package's own `start` script as a child process: server (API on :8000),
 * worker, client (dashboard on :8501) and generator (demo traffic, once the API is healthy). Ctrl-C stops them all,
 * then the database. START_GENERATOR=0 runs without demo traffic; START_SERVICES=server,worker runs only those.
 */
const log = createLogger('start');
const apiPort = Number(process.env.PORT ?? 8000);
const apiUrl = process.env.API_URL ?? `http://localhost:${apiPort}`;

interface Service {
  name: string;
  dir: string;
  /** Starts only after the API answers /health. */
  afterApi?: boolean;
}

const services: Service[] = [
  { name: 'server', dir: 'server' },
  { name: 'worker', dir: 'worker' },
  { name: 'client', dir: 'client' },
  { name: 'generator', dir: 'generator', afterApi: true },
].filter((service) => hasStartScript(service.dir) && wanted(service.name));

function wanted(name: string): boolean {
  const only = process.env.START_SERVICES?.split(',').map((item) => item.trim());
  if (only) return only.includes(name);
  return !(name === 'generator' && process.env.START_GENERATOR === '0');
}

function hasStartScript(dir: string): boolean {
  const manifest = path.join(REPO_ROOT, dir, 'package.json');
  return existsSync(manifest) && Boolean(JSON.parse(readFileSync(manifest, 'utf8')).scripts?.start);
}

const started = Date.now();
const database = await openDatabase(log);
await migrate(database.url, log);

const children = new Map<string, ChildProcess>();
/**
 * Process groups of the started services (each child leads one), kept after the child exits: its own children may
 * not have. Services that started after the API stop before it (the generator flushes its buffer to a live API).
 */
const serviceGroups = { afterApi: new Set<number>(), others: new Set<number>() };
let stopping = false;

function startService(service: Service, env: NodeJS.ProcessEnv) {
  // Each child leads its own process group, so stopping it stops whatever it spawned (tsx, vite, …).
  const child = spawn('pnpm', ['run', '--silent', 'start'], {
    cwd: path.join(REPO_ROOT, service.dir),
    env,
    stdio: 'inherit',
    detached: true,
  });
  children.set(service.name, child);
  serviceGroups[service.afterApi ? 'afterApi' : 'others'].add(child.pid!);
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) return;
    log.error({ service: service.name, code, signal }, 'service exited; stopping everything');
    void shutdown(1);
  });
}

async function waitForApi(timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`${apiUrl}/health`);
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** True while any process of the group led by `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to a service's whole process group, then waits until every process in it is gone (SIGKILL after 10 s). */
async function stopGroup(pgid: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  process.kill(-pgid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) process.kill(-pgid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  log.info('stopping services');
  // The database goes last: services finish their work and close their connections first.
  await Promise.all([...serviceGroups.afterApi].map(stopGroup));
  await Promise.all([...serviceGroups.others].map(stopGroup));
  await database.stop();
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const env = { ...process.env, DATABASE_URL: database.url, PORT: String(apiPort), API_URL: apiUrl };
for (const service of services.filter((s) => !s.afterApi)) startService(service, env);

if (await waitForApi()) {
  log.info(
    {
      api: apiUrl,
      graphiql: `${apiUrl}/graphql`,
      dashboard: children.has('client') ? 'http://localhost:8501' : undefined,
      database: database.embedded ? 'embedded PostgreSQL (.data/postgres)' : 'DATABASE_URL',
      ms: Date.now() - started,
    },
    'perf-mktg-dash is up — Ctrl-C stops everything',
  );
  for (const service of services.filter((s) => s.afterApi)) startService(service, env);
} else if (!stopping) {
  log.error({ apiUrl }, 'the API did not become healthy in time');
  await shutdown(1);
}
