import { configOrExit, createLogger, migrate, openDatabase } from '@pmd/db';
import { buildAll } from './build/build-all.ts';
import { startConfig, type ServiceName } from './config.ts';
import { createRestartPolicy } from './restart-policy.ts';
import { serviceNodeArgs } from './service-command.ts';
import { superviseService, type ServiceDefinition, type SupervisedService } from './supervised-service.ts';

/**
 * The supervisor behind `pnpm start` (see start.ts): the whole system on one machine. Builds what changed since the
 * last start (`pnpm build`) while it opens the database (DATABASE_URL, or an embedded PostgreSQL in .data/), migrates
 * it, then runs each service from its build, as its package's `start` script says: server (API on :8000, the
 * dashboard there and on :8501), worker and generator (demo traffic, once the API is healthy). A service that crashes
 * is restarted (supervised-service.ts), and so is an embedded PostgreSQL; only Ctrl-C / SIGTERM stops everything,
 * the database last. START_GENERATOR=0 runs without demo traffic; START_SERVICES=server,worker runs only those.
 */
const config = configOrExit('start', startConfig);
const log = createLogger('start', config.log);
const { apiPort, apiUrl, dashboardPort } = config;

const definitions: (ServiceDefinition & { name: ServiceName })[] = [
  { name: 'server' as const, dir: 'server' },
  { name: 'worker' as const, dir: 'worker' },
  { name: 'generator' as const, dir: 'generator', afterApi: true },
]
  .filter((service) => config.services.includes(service.name))
  .map((service) => ({ ...service, nodeArgs: serviceNodeArgs(service.dir) }));

const started = Date.now();
// Ctrl-C while building, opening or migrating the database stops the start once those are done: a PostgreSQL still
// starting would outlive this process, and an interrupted build would only be redone next time.
let interrupted = false;
const interruptStart = () => {
  if (!interrupted) log.info('stopping once the start-up steps are done');
  interrupted = true;
};
process.on('SIGINT', interruptStart);
process.on('SIGTERM', interruptStart);
// start.ts's IPC channel closes when the launcher dies, even by SIGKILL: nobody would be left to pass Ctrl-C on.
let whenLauncherGone = interruptStart;
process.once('disconnect', () => {
  log.warn('the launcher (pnpm start) is gone; stopping everything');
  whenLauncherGone();
});
process.channel?.unref();

const opening = openDatabase(log, config.database);
opening.catch(() => {}); // awaited after the build, which must not make an early failure an unhandled rejection
// Each failed target is logged; the services are never started from an old build.
const built = await buildAll(log, config.inherited).then(
  () => true,
  () => false,
);
let database = await opening;
if (!built) {
  await database.stop();
  process.exit(1);
}
await migrate(database.url, log);

const running: SupervisedService[] = [];
let stopping = false;

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

/**
 * An embedded PostgreSQL that dies (a crash, a kill, the OOM killer) is started again on the same data folder and
 * port; it replays its WAL, and the services, which only see connections drop, reconnect by themselves. Only when it
 * cannot be kept up (a crash loop) does everything stop: no service can work without it.
 */
async function keepDatabaseUp(): Promise<void> {
  const policy = createRestartPolicy();
  let startedAt = Date.now();
  while (database.exited) {
    await database.exited;
    if (stopping) return;
    log.error('embedded PostgreSQL exited; restarting it on the same data folder and port');
    for (;;) {
      const decision = policy.crashed(startedAt, Date.now());
      if (!decision.restart) {
        log.fatal({ crashes: decision.crashesInWindow }, 'embedded PostgreSQL keeps crashing; stopping everything');
        return shutdown(1);
      }
      await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      if (stopping) return;
      startedAt = Date.now();
      try {
        database = await database.restart!();
        log.info({ ms: Date.now() - startedAt }, 'embedded PostgreSQL restarted');
        break;
      } catch (error) {
        // Typically backends of the killed postmaster still holding its shared memory for a moment.
        log.warn({ err: error }, 'embedded PostgreSQL did not start; retrying');
      }
    }
  }
}

async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  log.info('stopping services');
  // Services that started after the API stop before it (the generator flushes its buffer to a live API); the database
  // goes last: services finish their work and close their connections first.
  const stopAll = (afterApi: boolean) =>
    Promise.all(running.filter((s) => Boolean(s.definition.afterApi) === afterApi).map((s) => s.stop()));
  await stopAll(true);
  await stopAll(false);
  await database.stop();
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.off('SIGINT', interruptStart);
process.off('SIGTERM', interruptStart);
whenLauncherGone = () => void shutdown(0);
if (interrupted) await shutdown(0);
void keepDatabaseUp();

const env = {
  ...config.inherited,
  DATABASE_URL: database.url,
  PORT: String(apiPort),
  API_URL: apiUrl,
  DASHBOARD_PORT: String(dashboardPort),
};
const start = (definition: ServiceDefinition) => running.push(superviseService(definition, env, log));
definitions.filter((s) => !s.afterApi).forEach(start);

if (await waitForApi()) {
  log.info(
    {
      api: apiUrl,
      graphiql: `${apiUrl}/graphql`,
      dashboard: definitions.some((s) => s.name === 'server') ? `http://localhost:${dashboardPort}` : undefined,
      database: database.embedded ? 'embedded PostgreSQL (.data/postgres)' : 'DATABASE_URL',
      ms: Date.now() - started,
    },
    'perf-mktg-dash is up — Ctrl-C stops everything',
  );
  if (!stopping) definitions.filter((s) => s.afterApi).forEach(start);
} else if (!stopping) {
  log.error({ apiUrl }, 'the API did not become healthy in time');
  await shutdown(1);
}
