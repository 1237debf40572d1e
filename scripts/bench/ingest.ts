import 'reflect-metadata';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  BENCH_PROVIDERS,
  BenchDelivery,
  BenchProvider,
  benchServiceEnv,
  DeliveryList,
  DeliveryStream,
} from './bench-deliveries';
import { Answer, closedLoop, LoadStats, openLoop } from './bench-load';
import {
  BenchPostgres,
  Child,
  freePort,
  spawnNode,
  startBenchPostgres,
  Usage,
  UsageMeter,
  waitReady,
} from './bench-processes';
import { Expected, projectionLag, verifyAnswers, waitForBacklog } from './bench-verify';
import { floodScenario } from './flood';

/**
 * `npm run bench`: how fast the service acknowledges and projects deliveries, against a reference server on
 * the same box, in one run.
 *
 * Starts a fresh Postgres (embedded, default durability; or a fresh database on DATABASE_URL), the service
 * (`dist/src/main.js`, a child process like production) and the reference server (reference-server.ts: the
 * same signature checks and a group-committed insert of the raw delivery, nothing else), then:
 *  - drives signed, unique, mixed deliveries of every provider at several concurrencies (closed loop,
 *    autocannon): the acknowledgement rate; for the service also the sustained projected rate (accepted
 *    deliveries ÷ time from the run's start until its backlog is empty);
 *  - re-sends everything the service's best run sent (all duplicates), same concurrency, against that run;
 *  - runs both at half the service's peak (open loop): ack latency, and the service's projection lag
 *    (receipt to projected) of those deliveries;
 *  - starts a second service instance on the same database and sends every delivery to both at once.
 * After each run it checks that every 2xx delivery is stored exactly once (and projected, for the service).
 * Exits non-zero on any lost delivery, non-2xx answer or connection error.
 *
 * Env: BENCH_CONNECTIONS (8,32,64), BENCH_DURATION_S (8), BENCH_WARMUP_S (3); BENCH_RATE=<n> runs only the
 * open loop at n/s (to compare builds at equal load); BENCH_SERVICE_NODE_ARGS (e.g. `--cpu-prof`) for the
 * service's node; BENCH_PG_STATS=1 prints the service's statements by time (pg_stat_statements, embedded
 * Postgres only); BENCH_PG_SETTINGS='{"name":"value",…}' adds server settings to the embedded Postgres (e.g.
 * auto_explain's, to see the plans behind a slow statement); BENCH_COLD_WAL=1 leaves out the WAL preparation
 * (see preallocateWal); DB_POOL_SIZE and LOG_LEVEL and PROJECTOR_* are passed to the service when set. After
 * the open loop, the flood scenario (flood.ts; BENCH_FLOOD=0 leaves it out): refusal throughput against GET
 * /health, and the open loop again under a flood of forged deliveries. With BENCH_RATE=<n>, BENCH_ONLY=pair runs
 * just the two instances (n deliveries a second, each sent to both) and BENCH_ONLY=flood just the flood scenario
 * (genuine at n/s).
 */

const env = process.env;
const FIXED_RATE = env.BENCH_RATE ? Number(env.BENCH_RATE) : null;
const LEVELS = FIXED_RATE !== null ? [] : (env.BENCH_CONNECTIONS ?? '8,32,64').split(',').map(Number);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 8);
const WARMUP_S = Number(env.BENCH_WARMUP_S ?? 3);
const API_KEY = 'bench-api-key-0123456789abcdef';

type Server = 'service' | 'reference';

interface Row {
  server: Server;
  load: string;
  connections: number;
  stats: LoadStats;
  usage: Usage;
  lost: number;
  /** Service: accepted deliveries ÷ (time until its backlog was empty), per second. */
  projected?: number;
  /** Service: projection lag (receipt to projected) of this run's deliveries, ms. */
  lag?: { p50: number; p99: number };
  answers: Answer[];
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function probe(
  url: string,
  stream: DeliveryStream,
  provider: BenchProvider,
  answers: Answer[],
): Promise<number> {
  const delivery = stream.one(provider);
  if (delivery === null) throw new Error(`no ${provider} delivery could be built`);
  const res = await fetch(url + delivery.path, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const text = await res.text();
  if (res.status !== 404) {
    const parsed = res.status < 300 ? (JSON.parse(text) as { status?: string; deliveryId?: string }) : {};
    answers.push({
      delivery,
      status: res.status,
      outcome: parsed.status,
      deliveryId: parsed.deliveryId === undefined ? undefined : String(parsed.deliveryId),
      detail: res.status < 300 ? undefined : text.slice(0, 300),
    });
  }
  if (res.status >= 300 && res.status !== 404)
    throw new Error(`${provider} probe answered ${res.status}: ${text.slice(0, 500)}`);
  return res.status;
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * BENCH_PG_STATS=1: where the service's database time went (pg_stat_statements, planning included; planning
 * per call, so that a plan kept across calls shows as ~0).
 */
async function printStatementStats(url: string): Promise<void> {
  const { rows } = await withClient(url, (c) =>
    c.query<{ calls: string; total_ms: number; mean_ms: number; plan_ms: number; query: string }>(
      `SELECT calls, total_exec_time + total_plan_time AS total_ms, mean_exec_time AS mean_ms,
              total_plan_time / NULLIF(calls, 0) AS plan_ms, regexp_replace(query, '\\s+', ' ', 'g') AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time + total_plan_time DESC LIMIT 20`,
    ),
  );
  log('service statements by total time (pg_stat_statements):');
  for (const r of rows) {
    log(
      `  ${fmt(r.total_ms).padStart(7)} ms  ${String(r.calls).padStart(7)} calls  exec ${fmt(r.mean_ms, 3)} ms  plan ${fmt(r.plan_ms, 3)} ms/call  ${r.query.slice(0, 110)}`,
    );
  }
}

function printTable(rows: Row[]): void {
  log('');
  log(
    '| server | load | acks/s | ack p50 ms | ack p99 ms | projected/s | lag p50 / p99 ms | non-2xx | errors | lost | peak RSS MB | CPU µs/ack: server / postgres / load gen | machine busy | server waits for a core |',
  );
  log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const per = (cpu: number | null) =>
      cpu === null || r.stats.ok === 0 ? '-' : fmt((cpu * 1e6) / r.stats.ok);
    const lag = r.lag === undefined ? '-' : `${fmt(r.lag.p50, 1)} / ${fmt(r.lag.p99, 1)}`;
    log(
      `| ${r.server} | ${r.load} | ${fmt(r.stats.rate)} | ${fmt(r.stats.p50, 1)} | ${fmt(r.stats.p99, 1)} | ${r.projected === undefined ? '-' : fmt(r.projected)} | ${lag} | ${r.stats.non2xx} | ${r.stats.errors} | ${r.lost} | ` +
        `${fmt(r.usage.peakRssMb)} | ${per(r.usage.serverCpu)} / ${per(r.usage.postgresCpu)} / ${per(r.usage.loadCpu)} | ${fmt(r.usage.machineBusy * 100)}% | ${r.usage.serverWaiting === null ? '-' : `${fmt(r.usage.serverWaiting * 100)}%`} |`,
    );
  }
  log('');
}

async function main(): Promise<number> {
  const started = Date.now();
  log(`hooktrail ingest bench — ${new Date().toISOString()}`);
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  const pgStats = env.BENCH_PG_STATS === '1' && !env.DATABASE_URL;
  const pg: BenchPostgres = await startBenchPostgres({
    ...(pgStats
      ? {
          shared_preload_libraries: 'pg_stat_statements',
          'pg_stat_statements.track_planning': 'on',
          // The statements inside the projection function too.
          'pg_stat_statements.track': 'all',
        }
      : {}),
    ...(JSON.parse(env.BENCH_PG_SETTINGS ?? '{}') as Record<string, string>),
  });
  const children: Child[] = [];
  let exitCode = 0;
  try {
    log(`postgres: ${pg.describe}`);
    const serviceDb = await pg.createDatabase('hooktrail_bench');
    if (pgStats) await withClient(serviceDb, (c) => c.query('CREATE EXTENSION pg_stat_statements'));
    const referenceDb = await pg.createDatabase('hooktrail_bench_ref');

    const secrets = benchServiceEnv();
    const passThrough = Object.fromEntries(
      Object.entries(env).filter(
        ([k, v]) =>
          v !== undefined && (k === 'DB_POOL_SIZE' || k === 'LOG_LEVEL' || k.startsWith('PROJECTOR_')),
      ),
    ) as Record<string, string>;
    const servicePort = await freePort();
    const serviceScript = join(__dirname, '../../src/main.js');
    const serviceEnv: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(servicePort),
      DATABASE_URL: serviceDb,
      API_KEYS: API_KEY,
      LOG_LEVEL: 'info',
      ...secrets,
      ...passThrough,
    };
    const service = spawnNode(
      'service',
      serviceScript,
      serviceEnv,
      pg.workDir,
      (env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0),
    );
    children.push(service);
    const referencePort = await freePort();
    const reference = spawnNode(
      'reference',
      join(__dirname, 'reference-server.js'),
      { REFERENCE_DATABASE_URL: referenceDb, REFERENCE_PORT: String(referencePort), ...secrets },
      pg.workDir,
    );
    children.push(reference);
    const urls: Record<Server, string> = {
      service: `http://127.0.0.1:${servicePort}`,
      reference: `http://127.0.0.1:${referencePort}`,
    };
    await waitReady(`${urls.service}/health/ready`, service);
    await waitReady(`${urls.reference}/health`, reference);
    const pids: Record<Server, number> = { service: service.pid, reference: reference.pid };
    const databases: Record<Server, string> = { service: serviceDb, reference: referenceDb };
    log(`service: pid ${service.pid} (log ${service.logFile}); reference: pid ${reference.pid}`);
    if (Object.keys(passThrough).length > 0) log(`service settings: ${JSON.stringify(passThrough)}`);

    // Which providers does this build serve? A 404 means the provider is not there (yet).
    const probeStream = new DeliveryStream(BENCH_PROVIDERS);
    const probeAnswers: Record<Server, Answer[]> = { service: [], reference: [] };
    const providers: BenchProvider[] = [];
    for (const p of BENCH_PROVIDERS) {
      const status = await probe(urls.service, probeStream, p, probeAnswers.service);
      if (status === 404) {
        log(`provider ${p}: not served by this build, left out`);
        continue;
      }
      await probe(urls.reference, probeStream, p, probeAnswers.reference);
      providers.push(p);
    }
    if (providers.length === 0) throw new Error('the service serves none of the providers');
    log(`providers: ${providers.join(', ')} (mixed, every delivery unique and signed)`);

    const stream = new DeliveryStream(providers);
    const rows: Row[] = [];
    const failures: string[] = [];
    // Deliveries are built ahead for the rate each server is expected to reach (more on demand): building
    // too many would waste Perculus's limited supply of distinct tokens.
    const expectedRate: Record<Server, number> = { service: 3_000, reference: 6_000 };

    const verify = async (server: Server, answers: Answer[], expected: Expected = 'new'): Promise<number> => {
      if (server === 'service') await waitForBacklog(databases.service);
      const result = await verifyAnswers(server, databases[server], answers, expected);
      for (const p of result.problems) failures.push(`${server}: ${p}`);
      for (const a of answers) {
        if (a.status < 200 || a.status >= 300) {
          if (failures.length < 40)
            failures.push(`${server}: ${a.delivery.provider} answered ${a.status}: ${a.detail ?? ''}`);
        }
      }
      return result.lost;
    };
    for (const server of ['service', 'reference'] as const) {
      const lost = await verify(server, probeAnswers[server]);
      if (lost > 0) exitCode = 1;
    }

    const run = async (
      server: Server,
      load: string,
      connections: number,
      go: (answers: Answer[]) => Promise<LoadStats>,
      options: { expected?: Expected; lag?: boolean; projectedRate?: boolean } = {},
    ): Promise<Row> => {
      const answers: Answer[] = [];
      const meter = new UsageMeter(pids[server], pg.postmasterPid);
      const started = performance.now();
      const stats = await go(answers);
      const usage = meter.stop();
      const row: Row = { server, load, connections, stats, usage, lost: 0, answers };
      if (server === 'service') {
        // Projected: everything it accepted, from the run's start until the backlog was empty.
        const drained = await waitForBacklog(databases.service);
        const accepted = answers.filter((a) => a.outcome === 'accepted').length;
        if (accepted > 0 && options.projectedRate !== false)
          row.projected = accepted / ((drained - started) / 1000);
        if (options.lag) {
          const ids = answers.filter((a) => a.outcome === 'accepted').map((a) => a.deliveryId!);
          row.lag = await projectionLag(databases.service, ids);
        }
      }
      row.lost = await verify(server, answers, options.expected);
      log(
        `  ${server.padEnd(9)} ${load.padEnd(22)} ${fmt(stats.rate).padStart(6)}/s  p50 ${fmt(stats.p50, 1)} ms  p99 ${fmt(stats.p99, 1)} ms  ` +
          `${row.projected === undefined ? '' : `projected ${fmt(row.projected)}/s  `}${row.lag === undefined ? '' : `lag p50 ${fmt(row.lag.p50, 1)} p99 ${fmt(row.lag.p99, 1)} ms  `}` +
          `non-2xx ${stats.non2xx}  errors ${stats.errors}  lost ${row.lost}  rss ${fmt(usage.peakRssMb)} MB`,
      );
      return row;
    };

    log(`warm-up: ${WARMUP_S} s each at 32 connections (not reported)`);
    for (const server of ['service', 'reference'] as const) {
      const warm = await run(server, 'warm-up', 32, (a) =>
        closedLoop(urls[server], stream, 32, WARMUP_S, expectedRate[server], a),
      );
      expectedRate[server] = warm.stats.rate * 1.3;
      if (warm.lost > 0 || warm.stats.non2xx > 0 || warm.stats.errors > 0) exitCode = 1;
    }

    log(`closed loop: ${DURATION_S} s per run`);
    for (const [i, connections] of LEVELS.entries()) {
      // Alternate which server goes first, so that neither always runs on a warmer (or fuller) database.
      const order: Server[] = i % 2 === 0 ? ['service', 'reference'] : ['reference', 'service'];
      for (const server of order) {
        const row = await run(server, `${connections} conns`, connections, (a) =>
          closedLoop(urls[server], stream, connections, DURATION_S, expectedRate[server], a),
        );
        expectedRate[server] = Math.max(expectedRate[server], row.stats.rate * 1.3);
        rows.push(row);
      }
    }

    const best = (server: Server) =>
      rows
        .filter((r) => r.server === server)
        .reduce((a, b) => (b.stats.rate > a.stats.rate ? b : a), rows[0]);
    const maxConnections = Math.max(64, ...LEVELS);
    // A second instance on the same database; every delivery goes to both at the same moment.
    const twoInstances = async (pairRate: number): Promise<Row> => {
      const secondPort = await freePort();
      const second = spawnNode(
        'service-2',
        serviceScript,
        { ...serviceEnv, PORT: String(secondPort) },
        pg.workDir,
      );
      children.push(second);
      const secondUrl = `http://127.0.0.1:${secondPort}`;
      await waitReady(`${secondUrl}/health/ready`, second);
      log(
        `two instances: ${pairRate} deliveries/s, each sent to both (${pairRate * 2} requests/s; RSS and server CPU of the first)`,
      );
      return run('service', `two instances, ${pairRate}/s × 2`, maxConnections, (a) =>
        openLoop([urls.service, secondUrl], stream, pairRate, DURATION_S, maxConnections, a),
      );
    };
    // Genuine deliveries at `rate` under a flood of forged ones (flood.ts).
    const floodRun = (rate: number): Promise<Row> =>
      floodScenario({
        url: urls.service,
        serviceEnv,
        serviceScript,
        workDir: pg.workDir,
        durationS: DURATION_S,
        rate,
        log,
        // The flood runs alone for a second before the genuine deliveries and a second after them: a
        // projected rate over the whole run would count that time too. The lag says whether projection kept up.
        genuineRun: (go) =>
          run('service', `${rate}/s + flood`, maxConnections, go, { lag: true, projectedRate: false }),
        openLoopAt: (url, a, s = DURATION_S) => openLoop(url, stream, rate, s, maxConnections, a),
        verify: (a) => verify('service', a),
      });
    if (FIXED_RATE !== null) {
      // BENCH_RATE: one scenario at that rate (to compare builds at equal load): the open loop of both servers,
      // or with BENCH_ONLY=pair the two instances (that many deliveries a second to each), with
      // BENCH_ONLY=flood the flood scenario.
      if (env.BENCH_ONLY === 'pair') rows.push(await twoInstances(FIXED_RATE));
      else if (env.BENCH_ONLY === 'flood') rows.push(await floodRun(FIXED_RATE));
      else {
        for (const server of ['service', 'reference'] as const) {
          const row = await run(
            server,
            `${FIXED_RATE}/s`,
            maxConnections,
            (a) => openLoop(urls[server], stream, FIXED_RATE, DURATION_S, maxConnections, a),
            { lag: true },
          );
          rows.push(row);
        }
      }
      printTable(rows);
      const bad = rows.reduce((n, r) => n + r.lost + r.stats.non2xx + r.stats.errors, 0);
      if (bad > 0 || failures.length > 0) exitCode = 1;
      for (const f of failures.slice(0, 40)) log(`  ${f}`);
      if (pgStats) await printStatementStats(serviceDb);
      return exitCode;
    }
    const serviceBest = best('service');
    const referenceBest = best('reference');

    // Everything the best run sent, again, in the same order: what senders retrying after an outage do.
    const sent: BenchDelivery[] = serviceBest.answers
      .filter((a) => a.outcome === 'accepted')
      .map((a) => a.delivery);
    log(`re-send: the ${sent.length} deliveries of the service's ${serviceBest.load} run, again`);
    const resend = await run(
      'service',
      `re-send, ${serviceBest.load}`,
      serviceBest.connections,
      (a) =>
        closedLoop(
          urls.service,
          new DeliveryList(sent),
          serviceBest.connections,
          DURATION_S,
          0,
          a,
          sent.length,
        ),
      { expected: 'copies' },
    );
    rows.push(resend);

    const half = Math.round(serviceBest.stats.rate / 2);
    log(
      `open loop at half the service's peak: ${half}/s for ${DURATION_S} s (up to ${maxConnections} connections)`,
    );
    for (const server of ['service', 'reference'] as const) {
      rows.push(
        await run(
          server,
          `${half}/s`,
          maxConnections,
          (a) => openLoop(urls[server], stream, half, DURATION_S, maxConnections, a),
          { lag: server === 'service' },
        ),
      );
    }

    const pair = await twoInstances(Math.round(half / 2));
    rows.push(pair);

    if (env.BENCH_FLOOD !== '0') rows.push(await floodRun(half));

    printTable(rows);
    const atServiceBest = rows.find((r) => r.server === 'reference' && r.load === serviceBest.load)!;
    const ratio = serviceBest.stats.rate / referenceBest.stats.rate;
    const halfRow = rows.find((r) => r.server === 'service' && r.load === `${half}/s`)!;
    const peakRss = Math.max(...rows.filter((r) => r.server === 'service').map((r) => r.usage.peakRssMb));
    const totalLost = rows.reduce((s, r) => s + r.lost, 0);
    const totalBad = rows.reduce((s, r) => s + r.stats.non2xx + r.stats.errors, 0);
    const projectedPeak = Math.max(...rows.map((r) => r.projected ?? 0));
    const resendRatio = resend.stats.rate / serviceBest.stats.rate;
    const mark = (okay: boolean) => (okay ? 'met' : 'MISSED');
    log(
      `service peak ${fmt(serviceBest.stats.rate)} acks/s at ${serviceBest.load}; reference peak ${fmt(referenceBest.stats.rate)}/s at ${referenceBest.load} ` +
        `(${fmt(atServiceBest.stats.rate)}/s at ${serviceBest.load})`,
    );
    log(`ack rate service/reference (best vs best): ${fmt(ratio, 2)} — target ≥ 0.50: ${mark(ratio >= 0.5)}`);
    log(
      `ack rate service/reference (both at ${serviceBest.load}): ${fmt(serviceBest.stats.rate / atServiceBest.stats.rate, 2)}`,
    );
    log(
      `ack p99 at half the peak (${half}/s, open loop): ${fmt(halfRow.stats.p99, 1)} ms — target ≤ 25 ms: ${mark(halfRow.stats.p99 <= 25)}`,
    );
    log(
      `sustained projected rate (best run): ${fmt(projectedPeak)}/s — target ≥ 1.5 × 1.7k = 2550/s: ${mark(projectedPeak >= 2550)}`,
    );
    log(
      `projection lag at half the peak: p50 ${fmt(halfRow.lag?.p50 ?? NaN, 1)} ms, p99 ${fmt(halfRow.lag?.p99 ?? NaN, 1)} ms — target p99 ≤ 250 ms: ${mark((halfRow.lag?.p99 ?? Infinity) <= 250)}`,
    );
    log(
      `re-send pass/fresh pass (${serviceBest.load}): ${fmt(resend.stats.rate)} / ${fmt(serviceBest.stats.rate)} = ${fmt(resendRatio, 2)} — target ≥ 0.8: ${mark(resendRatio >= 0.8)}`,
    );
    log(
      `two instances racing: p50 ${fmt(pair.stats.p50, 1)} ms, p99 ${fmt(pair.stats.p99, 1)} ms — target p99 ≤ 50 ms: ${mark(pair.stats.p99 <= 50)}`,
    );
    log(`service peak RSS: ${fmt(peakRss)} MB — target < 300 MB: ${mark(peakRss < 300)}`);
    log(
      `lost deliveries: ${totalLost}; non-2xx answers and connection errors: ${totalBad} — target 0: ${mark(totalLost === 0 && totalBad === 0)}`,
    );
    const served = rows.reduce<Partial<Record<BenchProvider, number>>>((acc, r) => {
      for (const [p, n] of Object.entries(r.stats.byProvider))
        acc[p as BenchProvider] = (acc[p as BenchProvider] ?? 0) + n;
      return acc;
    }, {});
    log(`2xx answers per provider (all runs): ${JSON.stringify(served)}`);
    if (stream.exhausted.size > 0)
      log(`providers that ran out of unique deliveries: ${[...stream.exhausted].join(', ')}`);
    if (totalLost > 0 || totalBad > 0) exitCode = 1;
    if (failures.length > 0) {
      log('problems:');
      for (const f of failures.slice(0, 40)) log(`  ${f}`);
      exitCode = 1;
    }
    if (pgStats) await printStatementStats(serviceDb);
    log(`bench took ${fmt((Date.now() - started) / 1000)} s`);
  } finally {
    for (const child of children) await child.stop();
    await pg.stop();
  }
  return exitCode;
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
