import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Database } from 'src/database/database';
import { isDatabaseUnavailable } from 'src/database/db-errors';
import type { Queryable } from 'src/ingestion/ingestion.types';

/** The delivery's event is already on the timeline: nothing was written, the caller counts a duplicate. */
export class DuplicateEvent extends Error {}

/** Thrown inside a shared transaction to roll it back; `cause` is the first failure. */
class BatchFailed extends Error {}

/**
 * The multi-row form of a single-row `INSERT ... VALUES (...)` statement: the same statement, fed by one
 * JSON array of parameter rows instead of one set of parameters, so N deliveries cost one round trip.
 */
export interface ManyRowsStatement {
  name: string;
  text: string;
  /** Postgres type of each parameter of the single-row statement ($1 is types[0]). */
  types: string[];
  /** Parameters (1-based) that identify the row a statement writes, and the columns they fill. */
  keyParams: number[];
  keyColumns: string[];
}

/** Splits a comma-separated SQL list at top level (not inside parentheses or quotes). */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(list.slice(start).trim());
  return parts;
}

/** Index of the parenthesis closing the one at `open`. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

const INSERT_VALUES = /^\s*INSERT\s+INTO\s+([\w."]+)(\s+AS\s+\w+)?\s*\(([^)]*)\)\s*VALUES\s*\(/i;

/**
 * Derives the multi-row form of a single-row INSERT (optionally ON CONFLICT ... and RETURNING ...):
 *
 *   WITH hb_in AS (SELECT * FROM json_to_recordset($1::json) AS hb_in(o int, p1 text, ..., pN text))
 *   INSERT INTO t (...) SELECT <the VALUES list, $k read from hb_in.pk> FROM hb_in ORDER BY hb_in.o
 *   <ON CONFLICT ... with $k read from the input row of the conflicting key> RETURNING ..., <key columns>
 *
 * The VALUES and SET expressions are the single-row statement's own, so both forms apply the same rules.
 * A parameter used after VALUES (in DO UPDATE SET) is looked up by the row's key, so `keyColumns` must be
 * filled by plain parameters. Returns null when the statement does not have this shape.
 */
export function manyRowsStatement(
  text: string,
  keyColumns: string[],
  types: string[],
): ManyRowsStatement | null {
  const head = INSERT_VALUES.exec(text);
  if (head === null) return null;
  const open = head.index + head[0].length - 1;
  const close = closingParen(text, open);
  if (close < 0) return null;
  const columns = splitTopLevel(head[3]);
  const values = splitTopLevel(text.slice(open + 1, close));
  if (columns.length !== values.length) return null;
  const keyParams: number[] = [];
  for (const column of keyColumns) {
    const i = columns.indexOf(column);
    const param = i < 0 ? null : /^\$(\d+)$/.exec(values[i]);
    if (param === null) return null;
    keyParams.push(Number(param[1]));
  }
  const read = (alias: string, k: number): string => {
    const type = types[k - 1];
    if (type === undefined) throw new Error(`no type for $${k}`);
    return type === 'bytea' ? `decode(${alias}.p${k}, 'base64')` : `${alias}.p${k}::${type}`;
  };
  let rest = text.slice(close + 1);
  if (/\$\d+/.test(rest)) {
    if (keyParams.length === 0) return null;
    const sameRow = keyParams.map((k, i) => `${read('hb_row', k)} = EXCLUDED.${keyColumns[i]}`).join(' AND ');
    rest = rest.replace(
      /\$(\d+)/g,
      (_m, k: string) => `(SELECT ${read('hb_row', Number(k))} FROM hb_in hb_row WHERE ${sameRow})`,
    );
  }
  if (keyColumns.length > 0) {
    rest = /\bRETURNING\b/i.test(rest)
      ? `${rest.trimEnd()}, ${keyColumns.join(', ')}`
      : `${rest.trimEnd()} RETURNING ${keyColumns.join(', ')}`;
  }
  const select = values
    .map((v) => v.replace(/\$(\d+)/g, (_m, k: string) => read('hb_in', Number(k))))
    .join(', ');
  const params = types.map((_t, i) => `p${i + 1} text`).join(', ');
  const many =
    `WITH hb_in AS (SELECT * FROM json_to_recordset($1::json) AS hb_in(o int, ${params}))\n` +
    `INSERT INTO ${head[1]}${head[2] ?? ''} (${head[3]})\nSELECT ${select}\nFROM hb_in ORDER BY hb_in.o${rest}`;
  return {
    name: `hooktrail_many_${createHash('sha1').update(many).digest('hex').slice(0, 16)}`,
    text: many,
    types,
    keyParams,
    keyColumns,
  };
}

/** A parameter as JSON text, the way node-postgres would send it. */
function jsonParam(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (type !== 'bytea') throw new Error(`a Buffer for a ${type} parameter`);
    return value.toString('base64');
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) throw new Error('array parameters are not supported in a shared transaction');
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Parameters of one multi-row statement stay under this (JSON text); more rows go in another statement. */
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

interface Pending {
  text: string;
  values: unknown[];
  resolve: (result: { rows: unknown[]; rowCount: number | null }) => void;
  reject: (err: unknown) => void;
}

/**
 * The `Queryable` each delivery's work sees inside a shared transaction. It collects the statements the
 * concurrent works issue, and as soon as every unfinished work waits on one, runs them: statements with a
 * multi-row form as one statement per kind (split in rounds when two works write the same row), any other
 * one by one. (A work that waits on something else is not waited for: the next event-loop turn flushes.)
 * After a failed statement every further query fails.
 */
class SharedTransaction implements Queryable {
  private pending: Pending[] = [];
  private flushing = false;
  private immediate: NodeJS.Immediate | null = null;
  private failure: Error | null = null;
  /** Works started and not finished. */
  private active = 0;

  constructor(
    private readonly client: PoolClient,
    private readonly forms: StatementForms,
  ) {}

  /** Runs one delivery's work on this transaction. */
  run<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    this.active++;
    return work(this).finally(() => {
      this.active--;
      this.maybeFlush();
    });
  }

  query<R = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ text, values, resolve: resolve as Pending['resolve'], reject });
      this.maybeFlush();
    });
  }

  private maybeFlush(): void {
    if (this.flushing || this.pending.length === 0) return;
    if (this.pending.length >= this.active) {
      // Every work waits on a statement: run them now (after the current microtasks).
      this.flushing = true;
      process.nextTick(() => void this.flush());
    } else {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        if (this.flushing || this.pending.length === 0) return;
        this.flushing = true;
        void this.flush();
      });
    }
  }

  private async flush(): Promise<void> {
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    const pending = this.pending;
    this.pending = [];
    const groups = new Map<string, Pending[]>();
    for (const p of pending) {
      const group = groups.get(p.text);
      if (group === undefined) groups.set(p.text, [p]);
      else group.push(p);
    }
    try {
      for (const [text, group] of groups) {
        const form = group.length > 1 ? await this.forms.get(this.client, text) : null;
        if (form !== null) await this.many(form, group);
        else for (const p of group) await this.one(p);
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      for (const group of groups.values()) for (const p of group) p.reject(err);
    } finally {
      this.flushing = false;
      if (this.failure !== null) for (const p of this.pending.splice(0)) p.reject(this.failure);
      else this.maybeFlush();
    }
  }

  private async one(p: Pending): Promise<void> {
    // A statement of the hot path is prepared once per connection (its plan is cached); others are not.
    const name = this.forms.singleName(p.text);
    const result =
      name === null
        ? await this.client.query(p.text, p.values)
        : await this.client.query({ name, text: p.text, values: p.values });
    p.resolve({ rows: result.rows, rowCount: result.rowCount });
  }

  private async many(form: ManyRowsStatement, group: Pending[]): Promise<void> {
    const keyOf = (values: unknown[]) => form.keyParams.map((k) => String(values[k - 1])).join('\u0000');
    // Round r holds the r-th write of each row: one statement may not write the same row twice.
    const rounds: Pending[][] = [];
    const seen = new Map<string, number>();
    for (const p of group) {
      const key = form.keyParams.length === 0 ? '' : keyOf(p.values);
      const round = form.keyParams.length === 0 ? 0 : (seen.get(key) ?? 0);
      seen.set(key, round + 1);
      (rounds[round] ??= []).push(p);
    }
    for (const round of rounds) {
      // One statement per round, or several when the parameters are large (e.g. many big bodies).
      let chunk: Pending[] = [];
      let json: string[] = [];
      let size = 0;
      for (const p of round) {
        const row: Record<string, unknown> = { o: json.length };
        form.types.forEach((type, i) => (row[`p${i + 1}`] = jsonParam(p.values[i], type)));
        const text = JSON.stringify(row);
        chunk.push(p);
        json.push(text);
        size += text.length;
        if (size >= MAX_STATEMENT_BYTES) {
          await this.runChunk(form, chunk, json, keyOf);
          chunk = [];
          json = [];
          size = 0;
        }
      }
      if (chunk.length > 0) await this.runChunk(form, chunk, json, keyOf);
    }
  }

  private async runChunk(
    form: ManyRowsStatement,
    chunk: Pending[],
    json: string[],
    keyOf: (values: unknown[]) => string,
  ): Promise<void> {
    if (chunk.length > 1) this.forms.stats.multiRowStatements++;
    const result = await this.client.query<Record<string, unknown>>({
      name: form.name,
      text: form.text,
      values: [`[${json.join(',')}]`],
    });
    const byKey = new Map(
      result.rows.map((r) => [form.keyColumns.map((c) => String(r[c])).join('\u0000'), r] as const),
    );
    for (const p of chunk) {
      const row = form.keyColumns.length === 0 ? undefined : byKey.get(keyOf(p.values));
      p.resolve({ rows: row === undefined ? [] : [row], rowCount: row === undefined ? 0 : 1 });
    }
  }
}

/** The multi-row forms, derived once per statement (parameter types asked from Postgres). */
class StatementForms {
  private readonly forms = new Map<string, ManyRowsStatement | null>();

  private readonly names = new Map<string, string>();
  private attempts = 0;

  constructor(
    private readonly keys: ReadonlyMap<string, string[]>,
    readonly stats: GroupCommitStats,
  ) {
    for (const text of keys.keys()) {
      this.names.set(text, `hooktrail_one_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`);
    }
  }

  /** The prepared-statement name of a mergeable statement run on its own, or null for any other. */
  singleName(text: string): string | null {
    return this.names.get(text) ?? null;
  }

  async get(client: PoolClient, text: string): Promise<ManyRowsStatement | null> {
    const known = this.forms.get(text);
    if (known !== undefined) return known;
    const keyColumns = this.keys.get(text);
    if (keyColumns === undefined) return null;
    // A name of its own per attempt: a failed attempt may leave its statement behind on the connection.
    const name = `hooktrail_types_${++this.attempts}_${process.pid}`;
    await client.query(`PREPARE ${name} AS ${text}`);
    const { rows } = await client.query<{ types: string[] }>(
      'SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1',
      [name],
    );
    await client.query(`DEALLOCATE ${name}`);
    const form = manyRowsStatement(text, keyColumns, rows[0].types);
    this.forms.set(text, form);
    return form;
  }
}

interface Item {
  key: string;
  provider: string;
  idempotencyKey: string;
  /** The state rows the delivery writes (see GroupCommit.run). */
  rows: readonly string[];
  work: (db: Queryable) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Opens the batch's transaction and finds which of its deliveries are on the timeline already, in one round
 * trip: a simple-protocol query (three statements), so the keys are inlined as escaped literals. Written as
 * `provider = p AND idempotency_key = ANY (ARRAY[...])` per provider, which is a lookup in the unique index
 * whatever the planner estimates (a join with a JSON array may be planned as a scan of every event).
 */
function beginAndFindStored(client: PoolClient, items: readonly Item[]): string {
  const byProvider = new Map<string, string[]>();
  for (const item of items) {
    const keys = byProvider.get(item.provider);
    const literal = client.escapeLiteral(item.idempotencyKey);
    if (keys === undefined) byProvider.set(item.provider, [literal]);
    else keys.push(literal);
  }
  const arms = [...byProvider].map(
    ([provider, keys]) =>
      `(provider = ${client.escapeLiteral(provider)} AND idempotency_key = ANY (ARRAY[${keys.join(', ')}]::varchar[]))`,
  );
  // The batch's statements are prepared; their JSON parameter tells the planner nothing, so the plan made
  // once (generic) is as good as one made for every execution (custom), and planning is not free.
  return `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan;
  SELECT provider, idempotency_key FROM events WHERE ${arms.join(' OR ')}`;
}

/** Counters since start, for tests and operations. */
export interface GroupCommitStats {
  batches: number;
  deliveries: number;
  /** Statements that wrote the rows of several deliveries at once. */
  multiRowStatements: number;
  /** Batches rolled back and redone one delivery at a time. */
  fallbacks: number;
}

export interface GroupCommitOptions {
  /** Most deliveries in one batch. */
  maxBatch: number;
  /** Batches in flight at once; concurrent batches never write the same state row. */
  maxConcurrent: number;
}

/**
 * Group commit for the ingestion hot path. Concurrent deliveries are applied together: one transaction (and
 * one WAL flush) for all of them, and each kind of statement as one multi-row statement, so a batch of N
 * costs about as many round trips as one delivery. Every delivery is still answered only after the COMMIT
 * that contains it, and its writes are exactly what running its `work` alone would write.
 *
 * - A batch starts as soon as a slot is free (no fixed delay); up to `maxConcurrent` run at once, so the
 *   next batch is built and sent while one waits for Postgres. Batches in flight never share a state row
 *   (`rows` of run()): a delivery whose rows a running batch holds waits for a later batch, so two batches
 *   of this process never wait on each other's row locks (no deadlock, no lock wait).
 * - Two deliveries with the same idempotency key never share a batch: the later waits for the earlier.
 * - Deliveries whose event is already committed are left out of the batch (DuplicateEvent: the caller
 *   counts a duplicate), so no work ever writes for a duplicate.
 * - If anything in a batch fails (bad data, a duplicate that raced in from another instance, a deadlock
 *   with another instance), the batch is rolled back and each delivery runs alone in its own transaction:
 *   the exact single-delivery behaviour, errors included. A database outage fails the batch at once.
 */
export class GroupCommit {
  private queue: Item[] = [];
  private running = 0;
  private kicked = false;
  /** Rows held by running batches (a row may be in one batch only). */
  private readonly busyRows = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly forms: StatementForms;
  private readonly options: GroupCommitOptions;
  readonly stats: GroupCommitStats = { batches: 0, deliveries: 0, multiRowStatements: 0, fallbacks: 0 };

  /**
   * `manyRowKeys`: the single-row statements that may be merged across deliveries, each with the columns
   * that identify the row it writes (empty: rows need no identification, e.g. ON CONFLICT DO NOTHING
   * without RETURNING).
   */
  constructor(
    private readonly db: Database,
    manyRowKeys: ReadonlyMap<string, string[]>,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.forms = new StatementForms(manyRowKeys, this.stats);
    this.options = { maxBatch: 256, maxConcurrent: 2, ...options };
  }

  /**
   * Runs `work` in a transaction shared with concurrent deliveries and resolves after its COMMIT.
   * `rows` names every state row the work may write or lock (e.g. `session:wms:abc`); work of deliveries
   * whose rows overlap never runs in concurrent batches.
   */
  async run<T>(
    provider: string,
    idempotencyKey: string,
    rows: readonly string[],
    work: (db: Queryable) => Promise<T>,
  ): Promise<T> {
    const key = `${provider}\u0000${idempotencyKey}`;
    for (let earlier = this.inFlight.get(key); earlier !== undefined; earlier = this.inFlight.get(key)) {
      await earlier;
    }
    let settle = () => undefined as void;
    this.inFlight.set(key, new Promise<void>((resolve) => (settle = resolve)));
    try {
      return await new Promise<T>((resolve, reject) => {
        this.queue.push({
          key,
          provider,
          idempotencyKey,
          rows,
          work,
          resolve: resolve as (v: unknown) => void,
          reject,
        });
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
        if (batch.length === 0) return; // every waiting delivery needs rows a running batch holds
        this.running++;
        for (const item of batch) for (const row of item.rows) this.busyRows.add(row);
        void this.execute(batch).finally(() => {
          for (const item of batch) for (const row of item.rows) this.busyRows.delete(row);
          this.running--;
          this.kick();
        });
      }
    });
  }

  /** The next batch: queued deliveries in arrival order, skipping those whose rows a running batch holds. */
  private take(): Item[] {
    const batch: Item[] = [];
    const rest: Item[] = [];
    for (const item of this.queue) {
      if (batch.length < this.options.maxBatch && !item.rows.some((row) => this.busyRows.has(row)))
        batch.push(item);
      else rest.push(item);
    }
    this.queue = rest;
    return batch;
  }

  private async execute(batch: Item[]): Promise<void> {
    this.stats.batches++;
    this.stats.deliveries += batch.length;
    const done = new Map<Item, unknown>();
    const duplicates = new Set<Item>();
    try {
      await this.transaction(batch, async (client, stored) => {
        const live = batch.filter((i) => {
          if (!stored.has(i.key)) return true;
          duplicates.add(i);
          return false;
        });
        const shared = new SharedTransaction(client, this.forms);
        const results = await Promise.allSettled(live.map((i) => shared.run(i.work)));
        results.forEach((r, n) => {
          if (r.status === 'fulfilled') done.set(live[n], r.value);
        });
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed !== undefined)
          throw new BatchFailed('a delivery of the batch failed', { cause: failed.reason });
      });
    } catch (err) {
      const cause = err instanceof BatchFailed ? err.cause : err;
      if (isDatabaseUnavailable(cause)) {
        for (const item of batch) item.reject(cause);
        return;
      }
      // Each delivery alone, as if there were no batching (its rows stay held until it is done), one after
      // another: run side by side, two of them could lock shared rows in opposite orders and deadlock, and a
      // large batch would take as many pool connections at once.
      this.stats.fallbacks++;
      for (const item of batch) {
        if (duplicates.has(item)) item.reject(new DuplicateEvent());
        else await this.db.transaction((client) => item.work(client)).then(item.resolve, item.reject);
      }
      return;
    }
    for (const item of batch) {
      if (duplicates.has(item)) item.reject(new DuplicateEvent());
      else item.resolve(done.get(item));
    }
  }

  /** BEGIN (with the stored-keys check), `work`, COMMIT; ROLLBACK on any failure. */
  private async transaction(
    batch: readonly Item[],
    work: (client: PoolClient, stored: ReadonlySet<string>) => Promise<void>,
  ): Promise<void> {
    const client = await this.db.pool.connect();
    let broken = false;
    // While checked out a client has no pool listener: a server-side disconnect must not crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      const results = (await client.query(beginAndFindStored(client, batch))) as unknown as Array<{
        rows: Array<{ provider: string; idempotency_key: string }>;
      }>;
      await work(client, new Set(results[2].rows.map((r) => `${r.provider}\u0000${r.idempotency_key}`)));
      await client.query('COMMIT');
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
