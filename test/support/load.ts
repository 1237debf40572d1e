import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { send, WebhookRequest, WebhookResponse, WEBHOOK_ROUTES } from './webhook-routes';

export interface Outcome {
  request: WebhookRequest;
  /** The HTTP status, or null when no answer came (connection refused or reset, timeout). */
  status: number | null;
  body: Record<string, unknown> | null;
  /** How long the answer (or the failure) took. */
  ms: number;
  error?: string;
}

/** Deliveries spread over every webhook route, each distinct (its own idempotency key). */
export function mixedDelivery(tag: string, i: number): WebhookRequest {
  const route = WEBHOOK_ROUTES[i % WEBHOOK_ROUTES.length];
  return route.signEvent(route.event(tag, Math.floor(i / WEBHOOK_ROUTES.length)));
}

export async function sendOnce(baseUrl: string, request: WebhookRequest): Promise<Outcome> {
  const started = Date.now();
  try {
    const res: WebhookResponse = await send(baseUrl, request, 10_000);
    return { request, status: res.status, body: res.body, ms: Date.now() - started };
  } catch (err) {
    return { request, status: null, body: null, ms: Date.now() - started, error: (err as Error).message };
  }
}

/**
 * Keeps `concurrency` requests in flight over loopback, each a new delivery from `next(i)`, until stop() or
 * `max` deliveries. The test drives the fault while it runs and waits for progress with sentAtLeast().
 */
export class LoadGenerator {
  readonly outcomes: Outcome[] = [];
  private issued = 0;
  private stopped = false;
  private readonly workers: Promise<void>[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly target: (i: number) => string,
    private readonly next: (i: number) => WebhookRequest,
    private readonly options: {
      concurrency: number;
      max: number;
      /** Pause after each answer. */
      pauseMs?: number;
      /** Back off after a request that got no answer (the service is down), as senders do. */
      backoffMs?: number;
    },
  ) {}

  start(): this {
    for (let w = 0; w < this.options.concurrency; w++) this.workers.push(this.work());
    return this;
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.issued < this.options.max) {
      const i = this.issued++;
      const outcome = await sendOnce(this.target(i), this.next(i));
      this.outcomes.push(outcome);
      for (const waiter of this.waiters.filter((x) => this.outcomes.length >= x.count)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const pause = outcome.status === null ? (this.options.backoffMs ?? 0) : (this.options.pauseMs ?? 0);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Resolves once `count` more answers (or failures) came in than when called. */
  answered(count: number): Promise<void> {
    const target = this.outcomes.length + count;
    return new Promise((resolve) => {
      if (this.outcomes.length >= target || this.issued >= this.options.max) resolve();
      else this.waiters.push({ count: target, resolve });
    });
  }

  async stop(): Promise<Outcome[]> {
    this.stopped = true;
    await Promise.all(this.workers);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    return this.outcomes;
  }
}

export const is2xx = (o: Outcome): boolean => o.status !== null && o.status >= 200 && o.status < 300;

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/**
 * The invariant: a 2xx answer means the delivery is committed, and projected once the backlog is empty (wait
 * for that first). For each delivery answered 2xx there is exactly one accepted inbox row with its exact
 * bytes, the one the answer named, projected, and its event exists once. Returns the problems found (empty
 * when the invariant holds).
 */
export async function unstored2xx(db: Pool, outcomes: Outcome[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string; hash: string; status: string; events: number }>(
    `SELECT d.id, encode(sha256(d.body), 'hex') AS hash, d.status,
            (SELECT count(*)::int FROM events e WHERE e.id = d.event_id) AS events
     FROM deliveries d WHERE d.idempotency_key IS NOT NULL`,
  );
  const byHash = new Map<string, Array<{ id: string; status: string; events: number }>>();
  for (const r of rows) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
  const problems: string[] = [];
  for (const o of outcomes.filter(is2xx)) {
    const stored = byHash.get(sha256(o.request.body)) ?? [];
    const what = `${o.request.path} answered ${o.status} ${JSON.stringify(o.body)}`;
    if (stored.length !== 1) problems.push(`${what}: ${stored.length} accepted inbox rows`);
    else if (String(o.body?.deliveryId) !== stored[0].id) problems.push(`${what}: stored as ${stored[0].id}`);
    else if (stored[0].status !== 'projected') problems.push(`${what}: ${stored[0].status}`);
    else if (stored[0].events !== 1) problems.push(`${what}: its event is missing`);
  }
  return problems;
}

/** How many answers of each kind: `{ "200": 120, "503": 14, "no answer": 3 }`. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status === null ? 'no answer' : String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
