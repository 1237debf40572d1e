import type { Pool, PoolClient } from 'pg';
import { runQuery } from 'src/database/database';
import { isDatabaseUnavailable, isRetryableTransactionError } from 'src/database/db-errors';
import { createBatchFunction, writeBatch, WriteItem, Written } from 'src/ingestion/batch-writer';
import type { IngestPlan, Queryable } from 'src/ingestion/ingestion.types';

/** The delivery's event is already on the timeline: nothing was written, the caller counts a duplicate. */
export class DuplicateEvent extends Error {}

/** The unique constraint a copy of a stored event runs into. */
const EVENT_KEY_CONSTRAINT = 'uq_events_provider_idempotency_key';

export interface CommitItem extends WriteItem {
  /**
   * Every state row the delivery may write or lock (e.g. `session:wms:abc`): deliveries whose rows overlap
   * never run in concurrent batches.
   */
  rows: readonly string[];
  /** The delivery's own further writes, in the same transaction after the batch's (e.g. a thumbnail). */
  after?: (db: Queryable, written: Written) => Promise<void>;
}

/**
 * The state rows a plan writes, for the group commit: batches in flight at the same time never share one,
 * so they never wait on each other's row locks.
 */
export function stateRowsOf(provider: string, plan: IngestPlan): string[] {
  const rows = new Set<string>();
  const session = (id: string | undefined) => {
    if (id !== undefined) rows.add(`session:${provider}:${id}`);
  };
  for (const s of plan.sessions ?? []) {
    session(s.externalId);
    session(s.parentExternalId);
  }
  for (const r of plan.recordings ?? []) {
    rows.add(`recording:${provider}:${r.externalId}`);
    session(r.sessionExternalId);
  }
  for (const m of plan.measurements ?? []) {
    rows.add(`measurement:${provider}:${m.externalId}`);
    session(m.sessionExternalId);
  }
  session(plan.event.sessionExternalId);
  return [...rows];
}

/** Counters since start, for tests and operations. */
export interface GroupCommitStats {
  batches: number;
  deliveries: number;
  /** Batches rolled back and redone one delivery at a time. */
  fallbacks: number;
}

export interface GroupCommitOptions {
  /** Most deliveries in one batch. */
  maxBatch: number;
  /** A batch stops growing once its bodies add up to this many bytes (it always takes one delivery). */
  maxBatchBytes: number;
  /** Batches in flight at once; concurrent batches never write the same state row. */
  maxConcurrent: number;
  /**
   * While a batch runs, another starts only when at least this many deliveries wait. Fewer wait for the
   * running batch to commit and go in one batch after it: one commit instead of several small ones, which
   * costs Postgres much less per delivery at moderate load; under heavy load batches overlap.
   */
  overlapAt: number;
}

interface Queued {
  item: CommitItem;
  resolve: (written: Written) => void;
  reject: (err: unknown) => void;
}

/**
 * Opens a write transaction. The batch statements take JSON parameters that tell the planner nothing: the
 * plan made once (generic) is as good as one made for every execution (custom), and planning is not free.
 */
const BEGIN = ['BEGIN', 'SET LOCAL plan_cache_mode = force_generic_plan'];

/**
 * Group commit for the ingestion hot path. Concurrent deliveries are written together: one transaction (and
 * one WAL flush) for all of them, in one round trip whatever their number (batch-writer.ts: BEGIN, the batch
 * function's call and COMMIT in one multi-statement query; more only for deliveries with extra writes). Every
 * delivery is still answered only after the COMMIT that contains it, and its rows are exactly what writing
 * it alone writes.
 *
 * - A batch starts as soon as a slot is free (no fixed delay); up to `maxConcurrent` run at once, so the
 *   next batch is built and sent while one waits for Postgres, but only once `overlapAt` deliveries wait
 *   (below that they wait for the running batch and go together after it). Batches in flight never share a state row
 *   (`rows`): a delivery whose rows a running batch holds waits for a later batch, so two batches of this
 *   process never wait on each other's row locks (no deadlock, no lock wait).
 * - Two deliveries with the same idempotency key never share a batch: the later waits for the earlier.
 * - If anything in a batch fails (a copy of a stored event, bad data, a deadlock with another instance),
 *   the batch is rolled back and each delivery runs alone in its own transaction (a copy of a stored event
 *   fails there too, writing nothing: DuplicateEvent, the caller counts a duplicate): the exact
 *   single-delivery behaviour, errors included. A database outage fails the batch at once.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private running = 0;
  /** Running batches that failed and are being redone delivery by delivery (slow: others may overlap them). */
  private redoing = 0;
  private kicked = false;
  /** Rows held by running batches (a row may be in one batch only). */
  private readonly busyRows = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly options: GroupCommitOptions;
  readonly stats: GroupCommitStats = { batches: 0, deliveries: 0, fallbacks: 0 };

  constructor(
    private readonly pool: Pool,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = {
      maxBatch: 256,
      maxBatchBytes: 4 * 1024 * 1024,
      maxConcurrent: 2,
      overlapAt: 32,
      ...options,
    };
  }

  /** Writes the item in a transaction shared with concurrent deliveries; resolves after its COMMIT. */
  async run(item: CommitItem): Promise<Written> {
    const key = `${item.raw.provider}\u0000${item.plan.idempotencyKey}`;
    for (let earlier = this.inFlight.get(key); earlier !== undefined; earlier = this.inFlight.get(key)) {
      await earlier;
    }
    let settle = () => undefined as void;
    this.inFlight.set(key, new Promise<void>((resolve) => (settle = resolve)));
    try {
      return await new Promise<Written>((resolve, reject) => {
        this.queue.push({ item, resolve, reject });
        this.kick();
      });
    } finally {
      this.inFlight.delete(key);
      settle();
    }
  }

  /**
   * Writes the item in a transaction of its own (a replay, or a batch being redone). A copy of a stored
   * event fails at its unique key, so nothing is written, and is a DuplicateEvent; deadlocks are retried.
   */
  async runAlone(item: CommitItem): Promise<Written> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [written] = await this.writeInTransaction([item]);
        return written;
      } catch (err) {
        if ((err as { constraint?: unknown }).constraint === EVENT_KEY_CONSTRAINT) throw new DuplicateEvent();
        if (attempt < 3 && isRetryableTransactionError(err)) continue;
        throw err;
      }
    }
  }

  private kick(): void {
    if (this.kicked || this.running >= this.options.maxConcurrent || this.queue.length === 0) return;
    // Let the deliveries decoded in this turn of the event loop join the batch.
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
        // A batch about to commit is worth waiting for; its end kicks again.
        if (this.running > this.redoing && this.queue.length < this.options.overlapAt) return;
        const batch = this.take();
        if (batch.length === 0) return; // every waiting delivery needs rows a running batch holds
        this.running++;
        for (const q of batch) for (const row of q.item.rows) this.busyRows.add(row);
        void this.execute(batch).finally(() => {
          for (const q of batch) for (const row of q.item.rows) this.busyRows.delete(row);
          this.running--;
          this.kick();
        });
      }
    });
  }

  /** The next batch: queued deliveries in arrival order, skipping those whose rows a running batch holds. */
  private take(): Queued[] {
    const batch: Queued[] = [];
    const rest: Queued[] = [];
    let bytes = 0;
    for (const q of this.queue) {
      const fits =
        batch.length === 0 ||
        (batch.length < this.options.maxBatch &&
          bytes + q.item.raw.body.length <= this.options.maxBatchBytes);
      if (fits && !q.item.rows.some((row) => this.busyRows.has(row))) {
        batch.push(q);
        bytes += q.item.raw.body.length;
      } else rest.push(q);
    }
    this.queue = rest;
    return batch;
  }

  /**
   * One batch. Stored events are not looked up first: a copy of one fails the batch at its unique key, and
   * the batch is redone delivery by delivery.
   */
  private async execute(batch: Queued[]): Promise<void> {
    this.stats.batches++;
    this.stats.deliveries += batch.length;
    let written: Written[];
    try {
      written = await this.writeInTransaction(batch.map((q) => q.item));
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const q of batch) q.reject(err);
        return;
      }
      // Each delivery alone, as if there were no batching (its rows stay held until it is done), one after
      // another: run side by side, two of them could lock shared rows in opposite orders and deadlock, and a
      // large batch would take as many pool connections at once.
      this.stats.fallbacks++;
      this.redoing++;
      this.kick();
      try {
        for (const q of batch) await this.runAlone(q.item).then(q.resolve, q.reject);
      } finally {
        this.redoing--;
      }
      return;
    }
    batch.forEach((q, i) => q.resolve(written[i]));
  }

  /**
   * The items' writes in one transaction, in one round trip with BEGIN and COMMIT, unless some item has
   * writes of its own to do before COMMIT.
   */
  private writeInTransaction(items: readonly CommitItem[]): Promise<Written[]> {
    return this.withClient(async (client) => {
      const hooks = items.some((i) => i.after !== undefined);
      const written = await writeBatch(client, items, { before: BEGIN, after: hooks ? [] : ['COMMIT'] });
      if (hooks) {
        const db: Queryable = { query: (statement, values) => runQuery(client, statement, values) };
        for (const [i, item] of items.entries()) if (item.after) await item.after(db, written[i]);
        await client.query('COMMIT');
      }
      return written;
    });
  }

  /**
   * `work` on a pool connection with the batch function created; on failure a transaction left open is
   * rolled back (a connection that cannot even do that is discarded).
   */
  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // While checked out a client has no pool listener: a server-side disconnect must not crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await createBatchFunction(client);
      return await work(client);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
