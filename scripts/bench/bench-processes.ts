import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from 'src/config/app-config';
import { scratchDataDir, startEmbeddedPostgres } from 'src/database/embedded-postgres';
import { buildDataSourceOptions } from 'src/database/typeorm-options';
import 'src/providers/providers';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface BenchPostgres {
  /** Where logs and scratch files of this run go. */
  workDir: string;
  /** The postmaster's pid when the bench started the server itself (to measure its CPU), else null. */
  postmasterPid: number | null;
  describe: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** 1 GB: what max_wal_size (default) lets a checkpoint keep for reuse. */
const WAL_SEGMENTS = 64;

/**
 * Gives a fresh cluster the recycled WAL segment files a server that has been running has. A fresh cluster
 * creates and zero-fills a new 16 MB file each time it fills one, and no commit completes meanwhile: on a
 * small VM that is a 50-100 ms stall of every writer every few seconds at the bench's rates, which a
 * long-running server (which renames old segments for reuse at each checkpoint) does not have. Fills and
 * switches `segments` segments, then checkpoints: the checkpoint keeps them for reuse (up to max_wal_size,
 * 1 GB by default). Settings stay at their defaults. Returns the time it took.
 */
async function preallocateWal(url: string, segments: number): Promise<number> {
  const started = Date.now();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_wal_warmup (n int)');
    for (let i = 0; i < segments; i++) {
      // pg_switch_wal is a no-op unless something was written since the last switch.
      await client.query('INSERT INTO bench_wal_warmup VALUES ($1)', [i]);
      await client.query('SELECT pg_switch_wal()');
    }
    await client.query('DROP TABLE bench_wal_warmup');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  return Date.now() - started;
}

/**
 * DATABASE_URL when set (fresh databases are created on that server and dropped afterwards), otherwise a
 * throwaway embedded Postgres with its default, durable settings (fsync on, synchronous_commit on).
 */
export async function startBenchPostgres(extraSettings: Record<string, string> = {}): Promise<BenchPostgres> {
  const created: string[] = [];
  let adminUrl: string;
  let stopServer: () => Promise<void> = async () => undefined;
  let postmasterPid: number | null = null;
  let describe: string;
  let walNote = '';
  const dataDir = scratchDataDir('hooktrail-bench-');
  const workDir = dirname(dataDir);
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
    describe = `DATABASE_URL (${new URL(adminUrl).host})`;
  } else {
    const port = await freePort();
    const pg = await startEmbeddedPostgres({
      dataDir,
      port,
      database: 'postgres',
      ephemeral: true,
      // Only room for the bench's connections; durability settings stay at their defaults.
      settings: { max_connections: '200', ...extraSettings },
    });
    adminUrl = pg.url;
    stopServer = () => pg.stop();
    if (process.env.BENCH_COLD_WAL !== '1') {
      const ms = await preallocateWal(adminUrl, WAL_SEGMENTS);
      walNote = `, ${WAL_SEGMENTS} WAL segments ready for reuse (${(ms / 1000).toFixed(1)} s; BENCH_COLD_WAL=1: none)`;
    }
    postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    describe = `embedded Postgres (default durability: fsync=on, synchronous_commit=on${walNote}), data in ${dataDir}`;
  }
  const admin = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    workDir,
    postmasterPid,
    describe,
    async createDatabase(prefix: string) {
      const name = `${prefix}_${randomBytes(4).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      return withDatabase(adminUrl, name);
    },
    async stop() {
      if (process.env.DATABASE_URL) {
        await admin(async (c) => {
          for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      }
      await stopServer();
    },
  };
}

/** Applies the real migrations to `url` (the same set the service runs at boot). */
export async function migrate(url: string): Promise<void> {
  const config = loadConfig({});
  const dataSource = new DataSource(buildDataSourceOptions(config.database, url));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node <script>` with `env`, its output in `<workDir>/<name>.log`. */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  workDir: string,
  nodeArgs: string[] = [],
): Child {
  const logFile = join(workDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid!,
    logFile,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200 or `child` exits. */
export async function waitReady(url: string, child: Child, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited (code ${child.process.exitCode}); see ${child.logFile}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${child.name} did not become ready at ${url} within ${timeoutMs} ms; see ${child.logFile}`,
  );
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process in seconds, or 0 when it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Nanoseconds the thread `pid` has waited on a run queue (`/proc/<pid>/schedstat`), or null. */
function runQueueWaitNs(pid: number): number | null {
  try {
    const wait = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : null;
  } catch {
    return null;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** CPU seconds of the postmaster and each of its children (backends, background workers), by pid. */
function postgresCpuByPid(postmasterPid: number): Map<number, number> {
  const byPid = new Map([[postmasterPid, cpuSecondsOf(postmasterPid)]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentOf(pid) === postmasterPid) byPid.set(pid, cpuSecondsOf(pid));
  }
  return byPid;
}

function machineBusy(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + values[4];
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status);
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Usage {
  /** Highest resident set size of the server process seen during the window (sampled every 100 ms). */
  peakRssMb: number;
  /** CPU seconds used in the window. */
  serverCpu: number;
  postgresCpu: number | null;
  loadCpu: number;
  /** Share of the whole machine's CPU that was busy (1 = every core busy all the time). */
  machineBusy: number;
  /**
   * Share of the window the server's main thread was ready to run but waited for a core (Linux scheduler
   * statistics; null where they cannot be read): what queueing on a busy machine adds to its latency.
   */
  serverWaiting: number | null;
}

/**
 * Measures a server process, Postgres and this (load generator) process over one run. Postgres processes
 * are sampled by pid during the run, so a backend that exits mid-run still counts what it used until its
 * last sample (and one that starts counts from zero).
 */
export class UsageMeter {
  private readonly timer: NodeJS.Timeout;
  private peak = 0;
  private samples = 0;
  private readonly pgStart = new Map<number, number>();
  private readonly pgLast = new Map<number, number>();
  private readonly start: {
    server: number;
    load: NodeJS.CpuUsage;
    machine: { busy: number; total: number };
    serverWaitNs: number | null;
    at: number;
  };

  constructor(
    private readonly serverPid: number,
    private readonly postmasterPid: number | null,
  ) {
    if (postmasterPid !== null) {
      for (const [pid, cpu] of postgresCpuByPid(postmasterPid)) {
        this.pgStart.set(pid, cpu);
        this.pgLast.set(pid, cpu);
      }
    }
    this.start = {
      server: cpuSecondsOf(serverPid),
      load: process.cpuUsage(),
      machine: machineBusy(),
      serverWaitNs: runQueueWaitNs(serverPid),
      at: performance.now(),
    };
    this.peak = rssMb(serverPid);
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, rssMb(this.serverPid));
    // Walking /proc costs a little; every 5th sample (0.5 s) is enough to catch backends before they exit.
    if (this.postmasterPid !== null && this.samples++ % 5 === 0) {
      for (const [pid, cpu] of postgresCpuByPid(this.postmasterPid)) this.pgLast.set(pid, cpu);
    }
  }

  stop(): Usage {
    clearInterval(this.timer);
    this.sample();
    if (this.postmasterPid !== null) {
      for (const [pid, cpu] of postgresCpuByPid(this.postmasterPid)) this.pgLast.set(pid, cpu);
    }
    const load = process.cpuUsage(this.start.load);
    const machine = machineBusy();
    const waitNs = runQueueWaitNs(this.serverPid);
    const elapsedNs = (performance.now() - this.start.at) * 1e6;
    let postgresCpu = 0;
    for (const [pid, last] of this.pgLast) postgresCpu += last - (this.pgStart.get(pid) ?? 0);
    return {
      peakRssMb: this.peak,
      serverCpu: cpuSecondsOf(this.serverPid) - this.start.server,
      postgresCpu: this.postmasterPid === null ? null : postgresCpu,
      loadCpu: (load.user + load.system) / 1e6,
      machineBusy:
        (machine.busy - this.start.machine.busy) / Math.max(1, machine.total - this.start.machine.total),
      serverWaiting:
        waitNs === null || this.start.serverWaitNs === null
          ? null
          : (waitNs - this.start.serverWaitNs) / elapsedNs,
    };
  }
}
