import type { Pool, PoolClient } from 'pg';
import { runQuery } from 'src/database/database';
import { isDatabaseUnavailable, isRetryableTransactionError } from 'src/database/db-errors';
import type { ExtraWrites, Queryable, RawDelivery } from 'src/ingestion/ingestion.types';
import { FIND_ORIGINALS, INSERT_PENDING, NOTIFY_INBOX } from 'src/ingestion/projection.sql';
import { storableJson } from 'src/ingestion/storable-json';

/** A delivery that passed its checks, to store as a pending inbox row. */
export interface InboxItem {
  raw: RawDelivery;
  idempotencyKey: string;
  /** The provider's own writes for a new delivery (e.g. a thumbnail), in the same transaction. */
  extra?: ExtraWrites;
}

export type InboxResult =
  | { outcome: 'accepted'; deliveryId: string }
  /** `deliveryId` is the stored original. */
  | { outcome: 'duplicate'; deliveryId: string }
  /** Stored as failed (its provider writes failed); answered 500, kept for a replay. */
  | { outcome: 'failed'; deliveryId: string; error: unknown };

/** Counters since start, for tests and operations. */
export interface GroupCommitStats {
  batches: number;
  deliveries: number;
}

export interface GroupCommitOptions {
  /** Most deliveries in one batch. */
  maxBatch: number;
  /** A batch stops growing once its bodies add up to this many bytes (it always takes one delivery). */
  maxBatchBytes: number;
  /** Batches in flight at once. */
  maxConcurrent: number;
}

const NOTIFY_EVERY_MS = 50;

/** A provider's writes failed in a batch run without savepoints: it is run again with them. */
class ExtraWritesFailed extends Error {}

interface Queued {
  item: InboxItem;
  resolve: (result: InboxResult) => void;
  reject: (err: unknown) => void;
}

interface KeyedRow {
  id: string;
  provider: string;
  idempotency_key: string;
}

/** What the batch did for one delivery: its answer, or the error it is answered with. */
type Settled = { result: InboxResult } | { error: unknown };

const keyOf = (provider: string, idempotencyKey: string) => `${provider}\u0000${idempotencyKey}`;

/**
 * Group commit of the request path. Concurrent deliveries are stored together: one statement (INSERT_PENDING),
 * hence one commit and one WAL flush, for all of them, in one round trip; every delivery is answered only after
 * that commit. A copy of a stored delivery is simply not inserted (ON CONFLICT DO NOTHING): it never fails or
 * slows the batch it is in; a second statement (FIND_ORIGINALS) names the originals of a batch's copies, after
 * the new rows are committed. A batch holding provider writes (thumbnails) runs in an explicit transaction.
 *
 * A batch starts as soon as a slot is free (no fixed delay): the deliveries decoded while one batch runs
 * make the next. Two deliveries with the same idempotency key never share a batch (the later waits for the
 * earlier, then finds it stored).
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private running = 0;
  private kicked = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private lastNotify = 0;
  private readonly options: GroupCommitOptions;
  readonly stats: GroupCommitStats = { batches: 0, deliveries: 0 };

  constructor(
    private readonly pool: Pool,
    /** Called after a batch that stored new rows committed (wakes this instance's projector). */
    private readonly onStored: () => void = () => undefined,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { maxBatch: 256, maxBatchBytes: 4 * 1024 * 1024, maxConcurrent: 2, ...options };
  }

  /** Stores the item in a transaction shared with concurrent deliveries; resolves after its COMMIT. */
  async run(item: InboxItem): Promise<InboxResult> {
    const key = keyOf(item.raw.provider, item.idempotencyKey);
    for (let earlier = this.inFlight.get(key); earlier !== undefined; earlier = this.inFlight.get(key)) {
      await earlier;
    }
    let settle = () => undefined as void;
    this.inFlight.set(key, new Promise<void>((resolve) => (settle = resolve)));
    try {
      return await new Promise<InboxResult>((resolve, reject) => {
        this.queue.push({ item, resolve, reject });
        this.kick();
      });
    } finally {
      this.inFlight.delete(key);
      settle();
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
        this.running++;
        void this.execute(batch).finally(() => {
          this.running--;
          this.kick();
        });
      }
    });
  }

  /** The next batch: queued deliveries in arrival order, up to the batch limits. */
  private take(): Queued[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.options.maxBatch) {
      bytes += this.queue[n].item.raw.body.length;
      if (n > 0 && bytes > this.options.maxBatchBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async execute(batch: Queued[]): Promise<void> {
    this.stats.batches++;
    this.stats.deliveries += batch.length;
    let settled: Settled[];
    let careful = false;
    for (let attempt = 1; ; attempt++) {
      try {
        settled = await this.withClient((client) => this.store(client, batch, careful));
        break;
      } catch (err) {
        // Nothing of the batch is stored (store only throws before its commit). A deadlock (with a
        // transaction of another kind) rolled it back: run it again; provider writes that failed: again, each
        // under a savepoint, to keep the others of the batch.
        const again = attempt < 3 && (err instanceof ExtraWritesFailed || isRetryableTransactionError(err));
        if (!again) {
          for (const q of batch) q.reject(err);
          return;
        }
        if (err instanceof ExtraWritesFailed) careful = true;
      }
    }
    batch.forEach((q, i) => {
      const s = settled[i];
      if ('error' in s) q.reject(s.error);
      else q.resolve(s.result);
    });
    if (settled.some((s) => 'result' in s && s.result.outcome === 'accepted')) {
      this.onStored();
      if (this.notifyNow()) this.pool.query(NOTIFY_INBOX).catch(() => undefined); // they also poll
    }
  }

  /**
   * The batch's insert, in autocommit (the statement is the transaction) unless provider writes need a
   * transaction around it; then the originals of its copies. Throws only while nothing is committed: in
   * autocommit, once the insert returned, its rows are stored and answered whatever the lookup of the copies'
   * originals does (a copy whose original cannot be named is answered with the error).
   */
  private async store(client: PoolClient, batch: Queued[], careful: boolean): Promise<Settled[]> {
    const db: Queryable = { query: (statement, values) => runQuery(client, statement, values) };
    const items = batch.map((q) => q.item);
    const explicit = items.some((i) => i.extra !== undefined);
    if (explicit) await client.query('BEGIN');
    const { rows } = await db.query<KeyedRow>(INSERT_PENDING, [
      items.map((i) => i.raw.provider),
      items.map((i) => i.idempotencyKey),
      items.map((i) => i.raw.receivedAt),
      items.map((i) => i.raw.requestId),
      items.map((i) => i.raw.contentType),
      items.map((i) => JSON.stringify(i.raw.headers)),
      items.map((i) => JSON.stringify(i.raw.context)),
      items.map((i) => i.raw.body),
    ]);
    const inserted = new Map(rows.map((r) => [keyOf(r.provider, r.idempotency_key), r.id]));
    const copies = items.filter((i) => !inserted.has(keyOf(i.raw.provider, i.idempotencyKey)));
    // In a transaction a failed lookup rolls everything back (and the batch is run again); in autocommit the
    // new rows are committed already, so the lookup is retried on its own and only the copies can fail.
    const originals =
      copies.length === 0 ? new Map<string, string>() : await this.originalsOf(db, copies, !explicit);
    const settled: Settled[] = items.map((item) => {
      const key = keyOf(item.raw.provider, item.idempotencyKey);
      const id = inserted.get(key);
      if (id !== undefined) return { result: { outcome: 'accepted', deliveryId: id } };
      if (originals instanceof Error) return { error: originals };
      const original = originals.get(key);
      if (original === undefined)
        return { error: new Error(`delivery ${item.idempotencyKey} was neither stored nor found`) };
      return { result: { outcome: 'duplicate', deliveryId: original } };
    });
    if (explicit) {
      for (const [i, item] of items.entries()) {
        const s = settled[i];
        if (item.extra === undefined || !('result' in s) || s.result.outcome !== 'accepted') continue;
        if (careful) settled[i] = { result: await this.extraWrites(db, item.extra, s.result.deliveryId) };
        else {
          try {
            await item.extra(db, { deliveryId: s.result.deliveryId });
          } catch (err) {
            if (isDatabaseUnavailable(err) || isRetryableTransactionError(err)) throw err;
            throw new ExtraWritesFailed();
          }
        }
      }
      await client.query('COMMIT');
    }
    return settled;
  }

  /**
   * The stored originals of the copies, each counted as a duplicate (FIND_ORIGINALS). `committed`: the batch's
   * insert is committed already, so a failure is retried here (a deadlock with another instance counting the
   * same copies) and finally returned rather than thrown.
   */
  private async originalsOf(
    db: Queryable,
    copies: InboxItem[],
    committed: boolean,
  ): Promise<Map<string, string> | Error> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await db.query<KeyedRow>(FIND_ORIGINALS, [
          copies.map((i) => i.raw.provider),
          copies.map((i) => i.idempotencyKey),
        ]);
        return new Map(rows.map((r) => [keyOf(r.provider, r.idempotency_key), r.id]));
      } catch (err) {
        if (!committed) throw err;
        if (attempt < 3 && isRetryableTransactionError(err)) continue;
        return err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  /**
   * Whether this batch notifies the other instances' projectors: at most every NOTIFY_EVERY_MS (they also
   * poll, and their own inserts wake them), since a committing NOTIFY serializes with every other one.
   */
  private notifyNow(): boolean {
    const now = performance.now();
    if (now - this.lastNotify < NOTIFY_EVERY_MS) return false;
    this.lastNotify = now;
    return true;
  }

  /**
   * A provider's writes for one new delivery, under a savepoint: when they fail, the delivery stays stored as
   * failed (kept for a replay) and the rest of the batch is not affected.
   */
  private async extraWrites(db: Queryable, extra: ExtraWrites, deliveryId: string): Promise<InboxResult> {
    await db.query('SAVEPOINT extra_writes');
    try {
      await extra(db, { deliveryId });
      await db.query('RELEASE SAVEPOINT extra_writes');
      return { outcome: 'accepted', deliveryId };
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT extra_writes');
      const detail = { code: 'processing-failed', detail: (error as Error)?.message ?? String(error) };
      await db.query(
        `UPDATE deliveries SET status = 'failed', error = $2, processed_at = now() WHERE id = $1`,
        [deliveryId, storableJson(detail)],
      );
      return { outcome: 'failed', deliveryId, error };
    }
  }

  /** `work` on a pool connection; on failure a transaction left open is rolled back (or the connection dropped). */
  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // While checked out a client has no pool listener: a server-side disconnect must not crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
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
