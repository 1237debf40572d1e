import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Answer, LoadStats } from './bench-load';
import { freePort, spawnNode, waitReady } from './bench-processes';
import type { FloodClientOptions, FloodClientResult } from './flood-client';

/**
 * The flood scenario of `npm run bench`: refusing must be cheap. Two measurements:
 * - refusal throughput against `GET /health` throughput, one after the other in the same run, each a
 *   closed loop from a client process of its own: a forged WMS delivery (well-formed MAC header, wrong MAC:
 *   the body is read and one HMAC computed per secret) and one with no signature header (refused from its
 *   headers, before the body is read);
 * - genuine deliveries at a fixed rate (the caller's open loop) while a second client process floods the
 *   WMS route with forged deliveries as fast as it can.
 */

/** A forged WMS delivery: the shape and size of a real one, a MAC that matches nothing. */
const FORGED_BODY = JSON.stringify({
  timestamp: 1_700_000_000,
  sessionId: 'flood-0000-0000-0000-000000000000',
  sequence: 7,
  event: 'INTERMEDIATE_RESULTS',
  severity: 'INFO',
  payload: { measurementId: 'flood-measurement', snr: 4, sequence: 1 },
});
const FORGED: Pick<FloodClientOptions, 'method' | 'path' | 'headers' | 'body'> = {
  method: 'POST',
  path: '/webhooks/wms',
  headers: { 'Content-Type': 'application/json', 'X-WMS-Content-MAC': `hmac-sha256=${'0'.repeat(64)}` },
  body: FORGED_BODY,
};
const UNSIGNED: typeof FORGED = { ...FORGED, headers: { 'Content-Type': 'application/json' } };
const HEALTH: typeof FORGED = { method: 'GET', path: '/health' };

function client(
  url: string,
  request: typeof FORGED,
  connections: number,
  durationS: number,
): Promise<FloodClientResult> {
  const options: FloodClientOptions = { url, ...request, connections, durationS };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(__dirname, 'flood-client.js'), JSON.stringify(options)],
      { timeout: (durationS + 30) * 1000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`flood client: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as FloodClientResult);
      },
    );
  });
}

export interface RefusalThroughput {
  health: FloodClientResult;
  forged: FloodClientResult;
  unsigned: FloodClientResult;
}

/**
 * Closed loops of `connections` each: GET /health, forged, unsigned, in three rounds of a third of
 * `durationS` each, the order turned every round, rates averaged (on a shared machine the load of others
 * changes within seconds; interleaving keeps it out of the ratio).
 */
export async function refusalThroughput(
  url: string,
  connections: number,
  durationS: number,
): Promise<RefusalThroughput> {
  const kinds = { health: HEALTH, forged: FORGED, unsigned: UNSIGNED };
  const runs: Record<keyof RefusalThroughput, FloodClientResult[]> = { health: [], forged: [], unsigned: [] };
  const order = Object.keys(kinds) as Array<keyof RefusalThroughput>;
  const slice = Math.max(2, Math.round(durationS / 3));
  for (let round = 0; round < 3; round++) {
    for (const kind of round % 2 === 0 ? order : [...order].reverse())
      runs[kind].push(await client(url, kinds[kind], connections, slice));
  }
  const mean = (rs: FloodClientResult[]): FloodClientResult => ({
    rate: rs.reduce((s, r) => s + r.rate, 0) / rs.length,
    total: rs.reduce((s, r) => s + r.total, 0),
    non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
    errors: rs.reduce((s, r) => s + r.errors, 0),
    p99: Math.max(...rs.map((r) => r.p99)),
  });
  return { health: mean(runs.health), forged: mean(runs.forged), unsigned: mean(runs.unsigned) };
}

/**
 * Runs `genuine` (which measures the genuine deliveries) while a flood client sends forged WMS deliveries
 * on `connections` connections for the whole of it; the flood starts first and stops after.
 */
export async function underFlood<T>(
  url: string,
  connections: number,
  durationS: number,
  genuine: () => Promise<T>,
): Promise<{ result: T; flood: FloodClientResult }> {
  const flood = client(url, FORGED, connections, durationS + 2);
  await new Promise((r) => setTimeout(r, 1_000)); // the flood is at full speed before the clock starts
  const result = await genuine();
  return { result, flood: await flood };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mark = (okay: boolean) => (okay ? 'met' : 'MISSED');

export interface FloodContext<R> {
  /** The service under test, with its default settings (refusal delay on). */
  url: string;
  /** Its environment, to start a second instance on the same database with the refusal delay off. */
  serviceEnv: Record<string, string>;
  serviceScript: string;
  workDir: string;
  durationS: number;
  /** Genuine deliveries per second (half the service's peak). */
  rate: number;
  log: (line: string) => void;
  /** Measures a run on the service as every run is measured (usage, and every 2xx checked stored). */
  genuineRun: (go: (answers: Answer[]) => Promise<LoadStats>) => Promise<R>;
  /** The open loop of genuine deliveries at `rate`, for `durationS` unless given. */
  openLoopAt: (url: string, answers: Answer[], durationS?: number) => Promise<LoadStats>;
  /** Checks that every 2xx is stored exactly once; returns how many were lost. */
  verify: (answers: Answer[]) => Promise<number>;
}

/**
 * Refusal cost against GET /health, then genuine deliveries under a flood, on a second instance with the
 * refusal delay off (what refusing costs, and what a flood does without the delay), then under a flood on
 * the service with its defaults: the targets are judged there. Returns the latter's row.
 */
export async function floodScenario<R extends { stats: LoadStats; lost: number }>(
  c: FloodContext<R>,
): Promise<R> {
  const { durationS, rate, log } = c;
  const port = await freePort();
  const raw = spawnNode(
    'service-no-refusal-delay',
    c.serviceScript,
    { ...c.serviceEnv, PORT: String(port), REFUSAL_DELAY_MS: '0' },
    c.workDir,
  );
  const rawUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${rawUrl}/health/ready`, raw);
    log(`flood: a second instance with REFUSAL_DELAY_MS=0 (pid ${raw.pid}), same database`);
    log(
      `  GET /health and refused WMS deliveries, interleaved, ${durationS} s each at 64 connections (closed loop)`,
    );
    const t = await refusalThroughput(rawUrl, 64, durationS);
    const ratio = (r: FloodClientResult) => r.rate / t.health.rate;
    log(
      `  GET /health ${fmt(t.health.rate)}/s (p99 ${fmt(t.health.p99, 1)} ms); forged MAC, refused 401 after the body: ` +
        `${fmt(t.forged.rate)}/s (${fmt(ratio(t.forged), 2)} × health, p99 ${fmt(t.forged.p99, 1)} ms); no signature ` +
        `header, refused before the body: ${fmt(t.unsigned.rate)}/s (${fmt(ratio(t.unsigned), 2)} × health)`,
    );
    log(`  refusal throughput ≥ 0.6 × GET /health (forged MAC): ${mark(ratio(t.forged) >= 0.6)}`);
    const answers: Answer[] = [];
    await warmUp(c, rawUrl);
    const off = await underFlood(rawUrl, 32, durationS, () => c.openLoopAt(rawUrl, answers));
    const lostOff = await c.verify(answers);
    report(log, 'without the refusal delay', rate, off.result, lostOff, off.flood);
  } finally {
    await raw.stop();
  }
  let flood: FloodClientResult | undefined;
  await warmUp(c, c.url);
  const row = await c.genuineRun(async (answers) => {
    const run = await underFlood(c.url, 32, durationS, () => c.openLoopAt(c.url, answers));
    flood = run.flood;
    return run.result;
  });
  report(log, 'with the default settings', rate, row.stats, row.lost, flood);
  return row;
}

/** Genuine deliveries alone before a measured run, as before every run of the bench (not reported). */
const WARM_UP_S = 3;

/**
 * The instance idled (or had just started) while the refusal cost was measured: a first burst after a pause
 * pays for new database connections and cold code, which is not what a flood costs. Its deliveries are
 * checked like the others, and projected before the measured run starts.
 */
async function warmUp<R>(c: FloodContext<R>, url: string): Promise<void> {
  const answers: Answer[] = [];
  await c.openLoopAt(url, answers, WARM_UP_S);
  const lost = await c.verify(answers);
  if (lost > 0) throw new Error(`${lost} deliveries of the warm-up before the flood were lost`);
}

function report(
  log: (line: string) => void,
  variant: string,
  offered: number,
  stats: LoadStats,
  lost: number,
  flood: FloodClientResult | undefined,
): void {
  log(
    `flood ${variant}: genuine deliveries at ${offered}/s (open loop), 32 connections flooding /webhooks/wms`,
  );
  log(
    `  genuine: ${fmt(stats.rate)}/s of ${offered}/s offered, p99 ${fmt(stats.p99, 1)} ms, lost ${lost}, ` +
      `non-2xx ${stats.non2xx}, errors ${stats.errors}; flood: ${fmt(flood?.rate ?? NaN)}/s refused ` +
      `(p99 ${fmt(flood?.p99 ?? NaN)} ms, ${flood?.errors ?? '-'} connection errors)`,
  );
  log(
    `  none lost: ${mark(lost === 0 && stats.non2xx === 0)}; p99 ≤ 100 ms: ${mark(stats.p99 <= 100)}; ` +
      `rate ≥ 0.9 × offered: ${mark(stats.rate >= 0.9 * offered)}`,
  );
}
