import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Client } from 'pg';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { providerDefinition } from 'src/config/provider-registry';
import { Database, runQuery } from 'src/database/database';
import { StoredRow, storedDelivery } from 'src/ingestion/delivery.entity';
import { isDatabaseUnavailable, isRetryableTransactionError } from 'src/database/db-errors';
import type { IngestPlan, Queryable, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { checkPlanLinks, ProjectionItem, projectBatch } from 'src/ingestion/projection-batch';
import {
  BACKLOG,
  CLAIM_CHOSEN,
  CLAIM_PENDING,
  INBOX_CHANNEL,
  KEEP_PREVIEWS,
  MARK_FAILED,
} from 'src/ingestion/projection.sql';
import { PREVIEW_BYTES } from 'src/ingestion/inbox-body';
import { storableJson } from 'src/ingestion/storable-json';
import { webhookAdapter } from 'src/ingestion/webhook-adapters';

interface Failure {
  id: string;
  error: { code: string; detail: string };
}

/** How far behind the projection is. */
export interface Backlog {
  /** Inbox rows acknowledged and not yet projected. */
  pending: number;
  /** Age of the oldest of them (0 when none). */
  oldestPendingSeconds: number;
}

/** Counters since start, for tests and operations. */
export interface ProjectorStats {
  batches: number;
  projected: number;
  failed: number;
}

/** The database refused a batch (it holds a value some column cannot hold): it is redone carefully. */
class BatchRefused extends Error {}

/** Most time the projector maps rows before it lets the event loop take its turn. */
const MAP_SLICE_MS = 5;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Folds pending inbox rows into the timeline and the state, behind the acknowledgement. Every instance runs
 * one: it claims the oldest pending rows no other projector holds (`FOR NO KEY UPDATE SKIP LOCKED`, up to
 * `batchSize`), maps each with its provider's adapter (the same decode and pure mapper as the request path),
 * writes them with one call of the projection function and marks them projected, all in one transaction.
 * A row that cannot be mapped or written is marked failed with its error; the others of its batch are
 * projected without it (the batch is split until the failing row is alone). It runs when this instance
 * stores rows, when another instance notifies (LISTEN), and on a short poll; it idles when nothing is pending.
 */
@Injectable()
export class Projector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Projector.name);
  private readonly adapters = new Map<string, WebhookAdapter<unknown>>();
  private readonly options: AppConfig['projector'];
  private loop: Promise<void> | null = null;
  private wanted = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private listener: Client | null = null;
  private relisten: NodeJS.Timeout | undefined;
  private lastWarning = 0;
  private lastBatch = 0;
  readonly stats: ProjectorStats = { batches: 0, projected: 0, failed: 0 };

  constructor(
    private readonly db: Database,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.options = config.projector;
  }

  /** Reads `adapter.provider`'s deliveries with this adapter instead of the registered one (tests). */
  register(adapter: WebhookAdapter<unknown>): void {
    this.adapters.set(adapter.provider, adapter);
  }

  /** The registered provider's adapter, as the request path uses it. */
  private adapterOf(provider: string): WebhookAdapter<unknown> | undefined {
    let adapter = this.adapters.get(provider);
    if (adapter === undefined && providerDefinition(provider) !== undefined) {
      adapter = webhookAdapter(this.moduleRef, provider);
      this.adapters.set(provider, adapter);
    }
    return adapter;
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.poll = setInterval(() => this.wake(), this.options.pollMs);
    this.poll.unref();
    if (this.options.listen) void this.listen();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.relisten);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.loop;
  }

  /** The backlog: one count over the partial index of pending rows. */
  async backlog(): Promise<Backlog> {
    const { rows } = await this.db.query<{ pending: number; oldest_seconds: number }>(BACKLOG);
    return { pending: rows[0].pending, oldestPendingSeconds: rows[0].oldest_seconds };
  }

  /** Asks for a run: starts one, or makes the running one look again when it is done. */
  wake(): void {
    if (this.stopped) return;
    this.wanted = true;
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.wanted && !this.stopped) {
        this.wanted = false;
        let taken = 0;
        do {
          // A full batch is followed at once; otherwise deliveries gather for a moment (gatherMs).
          if (taken < this.options.batchSize) await this.gather();
          taken = await this.projectPending();
        } while (!this.stopped && taken === this.options.batchSize);
      }
    } catch (err) {
      // The poll retries; a database outage must not flood the log.
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`projection paused: ${errorText(err)}`);
      }
    }
  }

  /** Waits until `gatherMs` have passed since the last batch started. */
  private async gather(): Promise<void> {
    const wait = this.lastBatch + this.options.gatherMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastBatch = performance.now();
  }

  /**
   * One batch of the oldest pending rows no other projector holds; returns how many it took. When the
   * database refuses the batch, it is rolled back and its rows are projected again one part at a time.
   */
  async projectPending(): Promise<number> {
    let claimed: string[] = [];
    try {
      return await this.db.transaction(async (client) => {
        const db: Queryable = { query: (statement, values) => runQuery(client, statement, values) };
        const { rows } = await db.query<StoredRow>(CLAIM_PENDING, [this.options.batchSize]);
        claimed = rows.map((r) => r.id);
        await this.project(db, rows, false);
        return rows.length;
      });
    } catch (err) {
      if (!(err instanceof BatchRefused)) throw err;
      await this.projectChosen(claimed);
      return claimed.length;
    }
  }

  /**
   * Projects the chosen rows that are pending (a replay, or a refused batch), splitting the batch when the
   * database refuses it: waits for a projector holding some of them, and leaves those it finds projected.
   */
  projectChosen(ids: readonly string[]): Promise<number> {
    return this.db.transaction(async (client) => {
      const db: Queryable = { query: (statement, values) => runQuery(client, statement, values) };
      const { rows } = await db.query<StoredRow>(CLAIM_CHOSEN, [ids]);
      await this.project(db, rows, true);
      return rows.length;
    });
  }

  /** `careful`: under savepoints, finding the rows the database refuses; otherwise in one go. */
  private async project(db: Queryable, rows: StoredRow[], careful: boolean): Promise<void> {
    if (rows.length === 0) return;
    const failures: Failure[] = [];
    const items: ProjectionItem[] = [];
    let slice = performance.now();
    for (const row of rows) {
      // Mapping is CPU work between awaits that never wait for I/O: a full batch would hold the event loop
      // (and every request waiting for its acknowledgement) for tens of milliseconds without these turns.
      if (performance.now() - slice > MAP_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
      const mapped = await this.map(row);
      if ('error' in mapped) failures.push({ id: row.id, error: mapped.error });
      else items.push({ deliveryId: row.id, raw: mapped.raw, plan: mapped.plan });
    }
    if (careful) await this.write(db, items, failures);
    else if (items.length > 0) {
      try {
        await projectBatch(db, items);
      } catch (err) {
        if (isDatabaseUnavailable(err) || isRetryableTransactionError(err)) throw err;
        throw new BatchRefused();
      }
    }
    const failed = new Set(failures.map((f) => f.id));
    const elsewhere = items.filter(
      (i) => !failed.has(i.deliveryId) && this.adapterOf(i.raw.provider)?.bodyStoredElsewhere?.(i.raw),
    );
    if (elsewhere.length > 0)
      await db.query(KEEP_PREVIEWS, [elsewhere.map((i) => i.deliveryId), PREVIEW_BYTES]);
    if (failures.length > 0) {
      await db.query(MARK_FAILED, [failures.map((f) => f.id), failures.map((f) => storableJson(f.error))]);
      for (const f of failures)
        this.logger.error({ msg: 'projection failed', deliveryId: f.id, error: f.error.detail });
    }
    this.stats.batches++;
    this.stats.projected += rows.length - failures.length;
    this.stats.failed += failures.length;
  }

  /** The row as its adapter reads it: the same decode and mapper as the request path. */
  private async map(
    row: StoredRow,
  ): Promise<{ raw: RawDelivery; plan: IngestPlan } | Pick<Failure, 'error'>> {
    const adapter = this.adapterOf(row.provider);
    if (adapter === undefined)
      return { error: { code: 'processing-failed', detail: `no adapter for ${row.provider}` } };
    const raw = storedDelivery(row, adapter.provider);
    if (raw === null) return { error: { code: 'processing-failed', detail: 'the body was not kept' } };
    try {
      const decoded = await adapter.decode(raw);
      if (!decoded.ok) return { error: { code: decoded.rejection.code, detail: decoded.rejection.detail } };
      const plan = adapter.plan(decoded.value, raw);
      checkPlanLinks(plan);
      return { raw, plan };
    } catch (err) {
      return { error: { code: 'processing-failed', detail: errorText(err) } };
    }
  }

  /**
   * Writes the items under a savepoint; when the database refuses the batch (a value it cannot store), it is
   * split in halves until the failing rows are alone, and those are added to `failures`.
   */
  private async write(db: Queryable, items: ProjectionItem[], failures: Failure[]): Promise<void> {
    if (items.length === 0) return;
    await db.query('SAVEPOINT projection');
    try {
      await projectBatch(db, items);
      await db.query('RELEASE SAVEPOINT projection');
    } catch (err) {
      if (isDatabaseUnavailable(err) || isRetryableTransactionError(err)) throw err;
      await db.query('ROLLBACK TO SAVEPOINT projection');
      if (items.length === 1) {
        failures.push({
          id: items[0].deliveryId,
          error: { code: 'processing-failed', detail: errorText(err) },
        });
        return;
      }
      const half = Math.ceil(items.length / 2);
      await this.write(db, items.slice(0, half), failures);
      await this.write(db, items.slice(half), failures);
    }
  }

  /** A connection of its own that hears other instances' inserts (reconnected by the poll when lost). */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client(this.db.pool.options);
    client.on('error', () => undefined);
    client.on('notification', () => this.wake());
    const retry = () => {
      if (!this.stopped) this.relisten = setTimeout(() => void this.listen(), this.options.pollMs).unref();
    };
    client.on('end', () => {
      if (this.listener !== client) return;
      this.listener = null;
      retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${INBOX_CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      retry();
      return;
    }
    if (this.stopped) await client.end();
    else this.listener = client;
  }
}
