import type { PoolClient } from 'pg';
import type { Database } from 'src/database/database';
import { isDatabaseUnavailable, isRetryableTransactionError } from 'src/database/db-errors';
import { prepareBatchStatements, writeBatch, WriteItem, Written } from 'src/ingestion/batch-writer';
import type { Queryable } from 'src/ingestion/ingestion.types';

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
}

interface Queued {
  key: string;
  item: CommitItem;
  resolve: (written: Written) => void;
  reject: (err: unknown) => void;
}

/**
 * Opens the transaction and finds which of the deliveries are on the timeline already, in one round trip:
 * a simple-protocol query (three statements), so the keys are inlined as escaped literals. Written as
 * `provider = p AND idempotency_key = ANY (ARRAY[...])` per provider, which is a lookup in the unique index
 * whatever the planner estimates. Returns the stored `provider\0key`s.
 */
async function beginAndFindStored(client: PoolClient, items: readonly CommitItem[]): Promise<Set<string>> {
  const byProvider = new Map<string, string[]>();
  for (const { raw, plan } of items) {
    const keys = byProvider.get(raw.provider) ?? [];
    keys.push(client.escapeLiteral(plan.idempotencyKey));
    byProvider.set(raw.provider, keys);
  }
  const arms = [...byProvider].map(
    ([provider, keys]) =>
      `(provider = ${client.escapeLiteral(provider)} AND idempotency_key = ANY (ARRAY[${keys.join(', ')}]::varchar[]))`,
  );
  // The batch statements take one JSON parameter that tells the planner nothing: the plan made once
  // (generic) is as good as one made for every execution (custom), and planning is not free.
  const results = (await client.query(
    `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan;
     SELECT provider, idempotency_key FROM events WHERE ${arms.join(' OR ')}`,
  )) as unknown as Array<{ rows: Array<{ provider: string; idempotency_key: string }> }>;
  return new Set(results[2].rows.map((r) => `${r.provider}\u0000${r.idempotency_key}`));
}

/**
 * Group commit for the ingestion hot path. Concurrent deliveries are written together: one transaction (and
 * one WAL flush) for all of them, and three round trips whatever their number: BEGIN with the check for
 * stored events, the writes (batch-writer.ts: one multi-statement query), COMMIT. Every delivery is still
 * answered only after the COMMIT that contains it, and its rows are exactly what writing it alone writes.
 *
 * - A batch starts as soon as a slot is free (no fixed delay); up to `maxConcurrent` run at once, so the
 *   next batch is built and sent while one waits for Postgres. Batches in flight never share a state row
 *   (`rows`): a delivery whose rows a running batch holds waits for a later batch, so two batches of this
 *   process never wait on each other's row locks (no deadlock, no lock wait).
 * - Two deliveries with the same idempotency key never share a batch: the later waits for the earlier.
 * - Deliveries whose event is already committed are left out of the batch (DuplicateEvent: the caller
 *   counts a duplicate), so nothing is ever written for a duplicate.
 * - If anything in a batch fails (bad data, a copy that raced in from another instance, a deadlock with
 *   another instance), the batch is rolled back and each delivery runs alone in its own transaction: the
 *   exact single-delivery behaviour, errors included. A database outage fails the batch at once.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private running = 0;
  private kicked = false;
  /** Rows held by running batches (a row may be in one batch only). */
  private readonly busyRows = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly options: GroupCommitOptions;
  readonly stats: GroupCommitStats = { batches: 0, deliveries: 0, fallbacks: 0 };

  constructor(
    private readonly db: Database,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { maxBatch: 256, maxBatchBytes: 4 * 1024 * 1024, maxConcurrent: 2, ...options };
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
        this.queue.push({ key, item, resolve, reject });
        this.kick();
      });
    } finally {
      this.inFlight.delete(key);
      settle();
    }
  }

  /**
   * Writes the item in a transaction of its own (a replay, or a batch being redone). A copy of a stored
   * event, found up front or raced in meanwhile, is a DuplicateEvent; deadlocks are retried.
   */
  async runAlone(item: CommitItem): Promise<Written> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction([item], async (client, stored) => {
          if (stored.size > 0) throw new DuplicateEvent();
          const [written] = await writeBatch(client, [item]);
          if (item.after) await item.after(client, written);
          return written;
        });
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

  private async execute(batch: Queued[]): Promise<void> {
    this.stats.batches++;
    this.stats.deliveries += batch.length;
    let outcomes: Array<Written | DuplicateEvent>;
    try {
      outcomes = await this.transaction(
        batch.map((q) => q.item),
        async (client, stored) => {
          const live = batch.filter((q) => !stored.has(q.key));
          const written =
            live.length > 0
              ? await writeBatch(
                  client,
                  live.map((q) => q.item),
                )
              : [];
          const byItem = new Map(live.map((q, i) => [q, written[i]]));
          for (const q of live) if (q.item.after) await q.item.after(client, byItem.get(q)!);
          return batch.map((q) => byItem.get(q) ?? new DuplicateEvent());
        },
      );
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const q of batch) q.reject(err);
        return;
      }
      // Each delivery alone, as if there were no batching (its rows stay held until it is done), one after
      // another: run side by side, two of them could lock shared rows in opposite orders and deadlock, and a
      // large batch would take as many pool connections at once.
      this.stats.fallbacks++;
      for (const q of batch) await this.runAlone(q.item).then(q.resolve, q.reject);
      return;
    }
    batch.forEach((q, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof DuplicateEvent) q.reject(outcome);
      else q.resolve(outcome);
    });
  }

  /** Prepare (once per connection), BEGIN with the stored-keys check, `work`, COMMIT; ROLLBACK on failure. */
  private async transaction<T>(
    items: readonly CommitItem[],
    work: (client: PoolClient, stored: ReadonlySet<string>) => Promise<T>,
  ): Promise<T> {
    const client = await this.db.pool.connect();
    let broken = false;
    // While checked out a client has no pool listener: a server-side disconnect must not crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await prepareBatchStatements(client);
      const result = await work(client, await beginAndFindStored(client, items));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
