import { createHash, randomBytes } from 'node:crypto';
import { eyesonEvents, eyesonPath, eyesonToken } from '../../test/support/eyeson-sender';
import {
  millicastJsonRequest,
  millicastThumbnailRequest,
  tinyJpeg,
} from '../../test/support/millicast-sender';
import { perculusEvents, perculusRequest } from '../../test/support/perculus-sender';
import { wmsMeasurementFlow, wmsSignature } from '../../test/support/wms-sender';

/**
 * Signed, unique deliveries for the benchmark, built with the same sender helpers the e2e tests use (so they
 * are signed exactly as each provider signs). Every delivery has its own idempotency key: nothing the bench
 * sends is a duplicate, so every 2xx answer must be its own new event.
 */
export type BenchProvider = 'wms' | 'millicast' | 'perculus' | 'eyeson';
export const BENCH_PROVIDERS: readonly BenchProvider[] = ['wms', 'millicast', 'perculus', 'eyeson'];

/** Share of each provider in the mixed load (WMS is the chattiest sender: 13 events per measurement). */
export const PROVIDER_WEIGHTS: Readonly<Record<BenchProvider, number>> = {
  wms: 4,
  millicast: 3,
  perculus: 1.5,
  eyeson: 1.5,
};

export interface BenchDelivery {
  provider: BenchProvider;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The secrets the service and the reference server are configured with for a bench run. */
export const BENCH_SECRETS = {
  wms: 'bench-wms-mac-secret-0123456789',
  millicast: Buffer.from('bench-millicast-secret-0123456789').toString('base64'),
  perculus: 'bench-perculus-secret-0123456789',
  eyeson: 'bench-eyeson-callback-secret-0123456789',
} as const;

/**
 * Perculus signs only a timestamp and the service binds each token to one message, so every Perculus
 * delivery needs a timestamp of its own; the bench widens the service's window to a day (plus an hour of
 * future skew) to have ~89,000 of them.
 */
export const PERCULUS_WINDOW = { maxAgeSeconds: 86_400, maxFutureSkewSeconds: 3_600 } as const;

export function benchServiceEnv(): Record<string, string> {
  return {
    WMS_MAC_SECRETS: BENCH_SECRETS.wms,
    MILLICAST_WEBHOOK_SECRETS: BENCH_SECRETS.millicast,
    PERCULUS_WEBHOOK_SECRETS: BENCH_SECRETS.perculus,
    PERCULUS_TOKEN_MAX_AGE_SECONDS: String(PERCULUS_WINDOW.maxAgeSeconds),
    PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS: String(PERCULUS_WINDOW.maxFutureSkewSeconds),
    EYESON_CALLBACK_SECRETS: BENCH_SECRETS.eyeson,
    // Every bench call sends two deliveries to its URL: no per-reference limit in the way.
    EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE: '0',
  };
}

const toBuffer = (body: string | Buffer): Buffer => (typeof body === 'string' ? Buffer.from(body) : body);

/** One provider's stream of scenarios (a measurement, a feed, a lesson, a call), each a few deliveries. */
type Scenario = () => BenchDelivery[] | null;

function wmsScenarios(tag: string): Scenario {
  let n = 0;
  return () => {
    n++;
    const sessionId = `bench-${tag}-wms-${n}`;
    const start = 1_700_000_000 + n;
    return wmsMeasurementFlow(sessionId, `${sessionId}-m`, start).map((event) => {
      const body = JSON.stringify(event);
      return {
        provider: 'wms' as const,
        path: '/webhooks/wms',
        headers: {
          'Content-Type': 'application/json',
          'X-WMS-Content-MAC': wmsSignature(body, BENCH_SECRETS.wms),
        },
        body: Buffer.from(body),
      };
    });
  };
}

function millicastScenarios(tag: string): Scenario {
  let n = 0;
  return () => {
    n++;
    const t0 = 1_725_000_000_000 + n * 1_000;
    const account = 'BnchAc';
    const streamName = `bench-${tag}-stream-${n}`;
    const streamId = `${account}/${streamName}`;
    const feedId = createHash('md5').update(`${tag}:${n}`).digest('hex');
    const mediaAssetId = `${feedId.slice(0, 16)}${n.toString(16).padStart(16, '0')}`;
    const feed = { feedId, accountId: account, name: streamName, streamId };
    const media = (event: string, at: number) => ({
      type: 'media',
      event,
      timestamp: at,
      data: {
        mediaAssetId,
        tokenId: 1187282,
        streamName,
        streamId,
        startTime: t0 + 10,
        type: 'recording',
        metadata:
          event === 'completed' ? { format: 'MPEG-4', sizes: { concat: 4410213 }, duration: 60.04 } : {},
        expiration: t0 + 86_400_000,
      },
    });
    const hooks = [
      { type: 'feeds', event: 'started', timestamp: t0, data: { ...feed, started: t0 - 100, active: true } },
      {
        type: 'viewerConnection',
        event: 'firstViewerConnection',
        timestamp: t0 + 5,
        data: { name: streamName, accountId: account, streamId },
      },
      media('processing', t0 + 10),
      media('completed', t0 + 60_000),
      {
        type: 'feeds',
        event: 'ended',
        timestamp: t0 + 60_500,
        data: { ...feed, ended: t0 + 60_400, active: false },
      },
      {
        type: 'viewerConnection',
        event: 'NoActiveViewers',
        timestamp: t0 + 60_600,
        data: { name: streamName, accountId: account, streamId },
      },
    ];
    const deliveries: BenchDelivery[] = hooks.map((hook) => ({
      provider: 'millicast' as const,
      ...millicastJsonRequest(hook, BENCH_SECRETS.millicast),
    }));
    // Thumbnails every 30 s while the feed publishes (two here), each a distinct JPEG.
    for (const offset of [30_000, 60_000]) {
      const image = tinyJpeg(`bench ${tag} ${n} ${offset}`);
      deliveries.splice(deliveries.length - 2, 0, {
        provider: 'millicast',
        ...millicastThumbnailRequest(
          image,
          { streamId, feedId, timestamp: t0 + offset },
          BENCH_SECRETS.millicast,
        ),
      });
    }
    return deliveries;
  };
}

// Distinct token timestamps for the whole process (every stream draws from them), newest first, kept
// inside the service's window with some margin.
const NOW_SECONDS = Math.floor(Date.now() / 1000);
let nextTimestamp = NOW_SECONDS + PERCULUS_WINDOW.maxFutureSkewSeconds - 60;
const oldestTimestamp = NOW_SECONDS - PERCULUS_WINDOW.maxAgeSeconds + 600;

function perculusScenarios(tag: string): Scenario {
  let n = 0;
  return () => {
    if (nextTimestamp - 4 < oldestTimestamp) return null;
    n++;
    const sessionId = `bench-${tag}-lesson-${n}`;
    const start = 1_714_000_000 + n * 60;
    const messages = [
      perculusEvents.sessionStatus(sessionId, 'started', new Date(start * 1000).toISOString()),
      perculusEvents.sessionStatus(sessionId, 'finished', new Date((start + 3600) * 1000).toISOString()),
      perculusEvents.sessionReport(sessionId, 'ready'),
      perculusEvents.singleVideo(sessionId, 'ready', {
        video_url: `https://cdn.example.com/${sessionId}.mp4`,
      }),
    ];
    return messages.map((message) => {
      const request = perculusRequest(message, BENCH_SECRETS.perculus, { timestamp: nextTimestamp-- });
      return { provider: 'perculus' as const, ...request, body: toBuffer(request.body) };
    });
  };
}

function eyesonScenarios(tag: string): Scenario {
  let n = 0;
  return () => {
    n++;
    const reference = `bench-${tag}-call-${n}`;
    const path = eyesonPath(eyesonToken(reference, BENCH_SECRETS.eyeson));
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'streamrec' };
    return [
      eyesonEvents.uploadReady(`${reference}-rec`),
      eyesonEvents.sessionFinished(`${reference}-rec`),
    ].map((event) => ({
      provider: 'eyeson' as const,
      path,
      headers,
      body: Buffer.from(JSON.stringify(event)),
    }));
  };
}

const SCENARIOS: Record<BenchProvider, (tag: string) => Scenario> = {
  wms: wmsScenarios,
  millicast: millicastScenarios,
  perculus: perculusScenarios,
  eyeson: eyesonScenarios,
};

/** Where a load run takes its deliveries: a fresh stream, or a fixed list (e.g. everything again). */
export interface DeliverySource {
  /** The next delivery; null when there is none left. */
  take(): BenchDelivery | null;
  /** `count` deliveries built ahead (fewer when the source runs out). */
  batch(count: number): BenchDelivery[];
}

/** A fixed list of deliveries, each taken once, in order: a sender re-sending what it sent before. */
export class DeliveryList implements DeliverySource {
  private position = 0;

  constructor(readonly items: readonly BenchDelivery[]) {}

  take(): BenchDelivery | null {
    return this.position < this.items.length ? this.items[this.position++] : null;
  }

  batch(count: number): BenchDelivery[] {
    const out = this.items.slice(this.position, this.position + count);
    this.position += out.length;
    return out;
  }
}

/**
 * An endless, mixed stream of unique deliveries. Each provider keeps `activePerProvider` scenarios open and
 * takes its next delivery from them in turn, so the events of one session arrive spread out (and partly out of
 * order under concurrency) as they do from real senders, instead of hammering one row.
 */
export class DeliveryStream implements DeliverySource {
  private readonly tag = randomBytes(4).toString('hex');
  private readonly next: Record<BenchProvider, Scenario>;
  private readonly open = new Map<BenchProvider, BenchDelivery[][]>();
  private readonly cursor = new Map<BenchProvider, number>();
  private readonly schedule: BenchProvider[] = [];
  private position = 0;
  readonly exhausted = new Set<BenchProvider>();

  constructor(
    readonly providers: readonly BenchProvider[],
    private readonly activePerProvider = 64,
  ) {
    this.next = Object.fromEntries(BENCH_PROVIDERS.map((p) => [p, SCENARIOS[p](this.tag)])) as Record<
      BenchProvider,
      Scenario
    >;
    // A fixed interleaving that gives each provider its weight, e.g. w m w p m w e ...
    const credit = new Map(providers.map((p) => [p, 0]));
    const total = providers.reduce((sum, p) => sum + PROVIDER_WEIGHTS[p], 0);
    for (let slot = 0; slot < Math.round(total * 2); slot++) {
      for (const p of providers) credit.set(p, credit.get(p)! + PROVIDER_WEIGHTS[p]);
      const pick = providers.reduce((a, b) => (credit.get(b)! > credit.get(a)! ? b : a));
      credit.set(pick, credit.get(pick)! - total);
      this.schedule.push(pick);
    }
  }

  /** One delivery of `provider` (built on the spot), or null when that provider cannot make more. */
  one(provider: BenchProvider): BenchDelivery | null {
    if (this.exhausted.has(provider)) return null;
    let open = this.open.get(provider);
    if (open === undefined) {
      open = [];
      this.open.set(provider, open);
    }
    while (open.length < this.activePerProvider) {
      const scenario = this.next[provider]();
      if (scenario === null) break;
      open.push(scenario);
    }
    if (open.length === 0) {
      this.exhausted.add(provider);
      return null;
    }
    const i = (this.cursor.get(provider) ?? 0) % open.length;
    const delivery = open[i].shift()!;
    if (open[i].length === 0) open.splice(i, 1);
    else this.cursor.set(provider, i + 1);
    return delivery;
  }

  /** The next delivery of the mix; null only when every provider is exhausted. */
  take(): BenchDelivery | null {
    for (let tries = 0; tries < this.schedule.length; tries++) {
      const provider = this.schedule[this.position++ % this.schedule.length];
      const delivery = this.one(provider);
      if (delivery !== null) return delivery;
    }
    return null;
  }

  /** `count` deliveries built ahead, so that signing does not run inside the measured window. */
  batch(count: number): BenchDelivery[] {
    const out: BenchDelivery[] = [];
    for (let i = 0; i < count; i++) {
      const d = this.take();
      if (d === null) break;
      out.push(d);
    }
    return out;
  }
}
