import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { Database } from 'src/database/database';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { Projector } from 'src/ingestion/projector';

/** What became of a webhook request, as counted in `hooktrail_webhook_deliveries_total`. */
export const DELIVERY_OUTCOMES = [
  'accepted',
  'duplicate',
  'unauthorized',
  'invalid',
  'unavailable',
  'failed',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Delivery statuses that wait for a replay (rejected: the data was refused; failed: processing broke). */
const AWAITING_REPLAY = ['rejected', 'failed'] as const;

const INBOX_SQL = `SELECT provider, status, count(*)::int AS n FROM deliveries
 WHERE status IN ('rejected', 'failed') GROUP BY provider, status`;

/** Seconds; from a duplicate answered from memory (ms) to a slow transaction (s). */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface ProviderSeries {
  provider: string;
  /** `/webhooks/<provider>`, to recognise requests refused before a controller named the provider. */
  prefix: string;
  deliveries: Record<DeliveryOutcome, { inc(value?: number): void }>;
  latency: { observe(seconds: number): void };
}

/**
 * The service's Prometheus metrics, in a registry of its own (so that several apps in one process, as in
 * the tests, do not share counters). The per-request work is `observeResponse`, called once from the
 * access log's `finish` handler: a prefix match and pre-bound counter children, no label objects.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private readonly providers: ProviderSeries[];
  private readonly byName = new Map<string, ProviderSeries>();
  private readonly signatureFailures: Counter<'provider' | 'reason'>;
  private readonly refusals: Counter<'source' | 'reason'>;
  private readonly refusalChildren = new Map<string, { inc(): void }>();
  private readonly delayedRefusals: Counter;
  private readonly collectFailures: Counter<'collector'>;
  private readonly inbox: Gauge<'provider' | 'status'>;
  private readonly pending: Gauge;
  private readonly oldestPending: Gauge;
  private inboxQuery: Promise<string> | null = null;

  constructor(
    private readonly db: Database,
    private readonly projector: Projector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const deliveries = new Counter({
      name: 'hooktrail_webhook_deliveries_total',
      help: 'Webhook requests by provider and outcome (accepted, duplicate, unauthorized, invalid, unavailable, failed).',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    });
    const latency = new Histogram({
      name: 'hooktrail_webhook_ingest_duration_seconds',
      help: 'Time from request start to response for webhook requests that reached ingestion (signature passed).',
      labelNames: ['provider'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.signatureFailures = new Counter({
      name: 'hooktrail_webhook_signature_failures_total',
      help: 'Webhook requests refused with 401, by provider and reason (the problem code).',
      labelNames: ['provider', 'reason'] as const,
      registers,
    });
    this.refusals = new Counter({
      name: 'hooktrail_http_refusals_total',
      help:
        'Requests answered 4xx without storing anything (forged, malformed, oversized, unauthenticated, unknown ' +
        'route, cut by a timeout), by source (provider, api, metrics, http, other) and reason (the problem code).',
      labelNames: ['source', 'reason'] as const,
      registers,
    });
    this.delayedRefusals = new Counter({
      name: 'hooktrail_http_refusals_delayed_total',
      help:
        'Refusals answered only after REFUSAL_DELAY_MS, the prompt budget (REFUSALS_PROMPT_PER_SECOND) being ' +
        'spent: rising means a flood is being held back.',
      registers,
    });
    this.collectFailures = new Counter({
      name: 'hooktrail_metrics_collect_failures_total',
      help: 'Scrape-time collections that failed or timed out (their gauges keep the last value).',
      labelNames: ['collector'] as const,
      registers,
    });

    this.providers = PROVIDER_NAMES.map((provider) => {
      const series: ProviderSeries = {
        provider,
        prefix: `/webhooks/${provider}`,
        deliveries: Object.fromEntries(
          DELIVERY_OUTCOMES.map((outcome) => [outcome, deliveries.labels(provider, outcome)]),
        ) as ProviderSeries['deliveries'],
        latency: latency.labels(provider),
      };
      // Every series exists from the start (at 0), so rates and alerts work before the first delivery.
      for (const outcome of DELIVERY_OUTCOMES) series.deliveries[outcome].inc(0);
      latency.zero({ provider });
      this.byName.set(provider, series);
      return series;
    });

    const pool = () => this.db.pool;
    new Gauge({
      name: 'hooktrail_db_pool_total_connections',
      help: 'Connections the database pool holds (idle and in use).',
      registers,
      collect() {
        this.set(pool().totalCount);
      },
    });
    new Gauge({
      name: 'hooktrail_db_pool_idle_connections',
      help: 'Connections in the database pool that are idle.',
      registers,
      collect() {
        this.set(pool().idleCount);
      },
    });
    new Gauge({
      name: 'hooktrail_db_pool_waiting_requests',
      help: 'Queries waiting for a connection because the pool is exhausted.',
      registers,
      collect() {
        this.set(pool().waitingCount);
      },
    });
    new Gauge({
      name: 'hooktrail_db_pool_max_connections',
      help: 'Configured size of the database pool (DB_POOL_SIZE).',
      registers,
    }).set(config.database.poolSize);

    this.inbox = new Gauge({
      name: 'hooktrail_inbox_awaiting_replay',
      help: 'Stored deliveries that wait for a replay, by provider and status (rejected or failed).',
      labelNames: ['provider', 'status'] as const,
      registers,
    });
    for (const provider of PROVIDER_NAMES)
      for (const status of AWAITING_REPLAY) this.inbox.set({ provider, status }, 0);
    this.pending = new Gauge({
      name: 'hooktrail_inbox_pending',
      help: 'Deliveries acknowledged and not yet projected (the projection backlog).',
      registers,
    });
    this.oldestPending = new Gauge({
      name: 'hooktrail_inbox_oldest_pending_seconds',
      help: 'Age of the oldest delivery not yet projected (0 when none): how far state is behind.',
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The scrape: refreshes the inbox count (bounded in time), then renders every metric. */
  async render(): Promise<string> {
    await this.refreshInbox();
    return this.registry.metrics();
  }

  /**
   * Counts one finished request if it was a webhook: the provider comes from the controller
   * (`req.provider`) or, for requests refused before it ran, from the `/webhooks/<provider>` path.
   */
  observeResponse(req: Request, res: Response, seconds: number): void {
    const series =
      req.provider !== undefined ? this.byName.get(req.provider) : this.seriesOfPath(req.originalUrl);
    if (series === undefined) return;
    const status = res.statusCode;
    let outcome: DeliveryOutcome;
    if (status < 300) {
      if (req.outcome === 'accepted' || req.outcome === 'duplicate') outcome = req.outcome;
      else return; // not a delivery (e.g. a provider's verification request)
    } else if (status === 401) {
      outcome = 'unauthorized';
      const reason = typeof res.locals.problemCode === 'string' ? res.locals.problemCode : 'unauthorized';
      this.signatureFailures.labels(series.provider, reason).inc();
    } else if (status === 503) outcome = 'unavailable';
    else if (status === 404 || status === 405)
      return; // no such webhook route: not a delivery
    else if (status < 500) outcome = 'invalid';
    else outcome = 'failed';
    series.deliveries[outcome].inc();
    if (req.provider !== undefined) series.latency.observe(seconds);
  }

  /** Counts one refusal answered only after the refusal delay. */
  countDelayedRefusal(): void {
    this.delayedRefusals.inc();
  }

  /** Counts one refusal; the counter children are bound once per (source, reason). */
  countRefusal(source: string, reason: string): void {
    const key = `${source} ${reason}`;
    let child = this.refusalChildren.get(key);
    if (child === undefined) {
      child = this.refusals.labels(source, reason);
      this.refusalChildren.set(key, child);
    }
    child.inc();
  }

  /** Who a request was for, as a refusal's source: the provider of a webhook, `api`, `metrics` or `other`. */
  sourceOf(req: Request): string {
    if (req.provider !== undefined) return req.provider;
    const url = req.originalUrl;
    const series = this.seriesOfPath(url);
    if (series !== undefined) return series.provider;
    if (url.startsWith('/api/') || url === '/api') return 'api';
    if (url.startsWith('/metrics')) return 'metrics';
    return 'other';
  }

  private seriesOfPath(url: string): ProviderSeries | undefined {
    if (!url.startsWith('/webhooks/')) return undefined;
    for (const series of this.providers) {
      if (!url.startsWith(series.prefix)) continue;
      const next = url.charCodeAt(series.prefix.length);
      // end of path, '/' or '?': /webhooks/wms, /webhooks/eyeson/<token>, /webhooks/wms?x
      if (Number.isNaN(next) || next === 47 || next === 63) return series;
    }
    return undefined;
  }

  /**
   * One cheap indexed count per scrape, bounded in time (the gauge keeps its last value when the count fails
   * or is late); a scrape never starts a second count while one is still running.
   */
  private async refreshInbox(): Promise<void> {
    this.inboxQuery ??= this.queryInbox().finally(() => {
      this.inboxQuery = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      const ms = this.config.metrics.inboxQueryTimeoutMs;
      timer = setTimeout(() => resolve(`timed out after ${ms} ms`), ms);
    });
    try {
      const result = await Promise.race([this.inboxQuery, timeout]);
      if (result !== 'ok') {
        this.collectFailures.labels('inbox').inc();
        this.logger.warn(`inbox count for /metrics: ${result}; reporting the last value`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async queryInbox(): Promise<string> {
    try {
      const { rows } = await this.db.query<{ provider: string; status: string; n: number }>(INBOX_SQL);
      for (const provider of PROVIDER_NAMES)
        for (const status of AWAITING_REPLAY) this.inbox.set({ provider, status }, 0);
      for (const row of rows) this.inbox.set({ provider: row.provider, status: row.status }, row.n);
      const backlog = await this.projector.backlog();
      this.pending.set(backlog.pending);
      this.oldestPending.set(backlog.oldestPendingSeconds);
      return 'ok';
    } catch (err) {
      return `failed (${(err as Error).message})`;
    }
  }
}
