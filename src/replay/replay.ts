import { runQuery, type Database } from 'src/database/database';
import { isDatabaseUnavailable, isIntegrityViolation } from 'src/database/db-errors';
import type { IngestionService } from 'src/ingestion/ingestion.service';
import { StoredRow, storedDelivery } from 'src/ingestion/delivery.entity';
import type { Queryable, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { STORED } from 'src/ingestion/projection.sql';
import type { Projector } from 'src/ingestion/projector';
import { storableJson } from 'src/ingestion/storable-json';
import type { ProviderName } from 'src/config/provider-registry';

export const REPLAYABLE_STATUSES = ['rejected', 'failed'] as const;
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];

export interface ReplayOptions {
  provider: ProviderName;
  statuses: ReplayableStatus[];
  /** Received at or after. */
  since: Date;
  /** Received before; open-ended when absent. */
  until?: Date;
  /** At most this many deliveries, oldest first. */
  limit?: number;
  /** Only these deliveries (still within the other filters). */
  deliveryIds?: string[];
  /** Decode and map only: report what would happen, write nothing. */
  dryRun: boolean;
}

/**
 * What became of each replayed delivery: applied now, found already applied (its event arrived another
 * way), still refused by the current code, failed while processing, or skipped (body purged by retention, or only a
 * preview of it kept).
 */
export interface ReplaySummary {
  selected: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  failed: number;
  skipped: number;
}

export interface ReplayDeps {
  db: Database;
  ingestion: IngestionService;
  projector: Projector;
  adapter: WebhookAdapter<unknown>;
}

const PAGE = 100;

const FILTER = `provider = $1 AND status = ANY($2) AND received_at >= $3 AND ($4::timestamptz IS NULL OR received_at < $4)
  AND ($5::bigint[] IS NULL OR id = ANY($5))`;
const COUNT = `SELECT count(*)::int AS n FROM deliveries WHERE ${FILTER}`;
// Keyset pagination on id (index ix_deliveries_unprojected): a delivery that stays rejected is not seen twice.
const SELECT_PAGE = `
SELECT ${STORED} FROM deliveries WHERE ${FILTER} AND id > $6 ORDER BY id LIMIT $7`;

type Outcome = Exclude<keyof ReplaySummary, 'selected'>;

/**
 * Re-processes stored deliveries through the current code, oldest first, by the same path as live traffic:
 * each is checked again as the request path checks it (IngestionService.admit), made pending in its own
 * inbox row (never a second row), and projected by the projector (one page at a time). Idempotent: a
 * delivery whose event is stored already (it arrived another way) is linked to it (`duplicate`), never a
 * second event. A delivery that still fails stays stored with its new reason. Stops (throws) when the
 * database becomes unavailable; what was replayed until then is committed.
 */
export async function replayDeliveries(
  deps: ReplayDeps,
  options: ReplayOptions,
  onProgress: (done: number, summary: ReplaySummary) => void = () => undefined,
): Promise<ReplaySummary> {
  if (deps.adapter.provider !== options.provider) {
    throw new Error(`adapter for ${deps.adapter.provider} given to replay ${options.provider}`);
  }
  const filter = [
    options.provider,
    options.statuses,
    options.since,
    options.until ?? null,
    options.deliveryIds ?? null,
  ];
  const { rows } = await deps.db.query<{ n: number }>(COUNT, filter);
  const selected = Math.min(rows[0].n, options.limit ?? Number.POSITIVE_INFINITY);
  const summary: ReplaySummary = { selected, accepted: 0, duplicate: 0, rejected: 0, failed: 0, skipped: 0 };
  onProgress(0, summary);

  let done = 0;
  let after = '0';
  while (done < selected) {
    const page = await deps.db.query<StoredRow>(SELECT_PAGE, [
      ...filter,
      after,
      Math.min(PAGE, selected - done),
    ]);
    if (page.rows.length === 0) break; // fewer than counted: others replayed some meanwhile
    const pending: string[] = [];
    for (const [i, row] of page.rows.entries()) {
      after = row.id;
      const outcome = await admitAgain(deps, options, row);
      if (outcome === 'pending') pending.push(row.id);
      else summary[outcome]++;
      done++;
      // The page's last one is reported once the page is projected.
      if (i < page.rows.length - 1) onProgress(done, summary);
    }
    for (const outcome of await projectAgain(deps, pending)) summary[outcome]++;
    onProgress(done, summary);
  }
  return summary;
}

/** Checks a stored delivery again; `pending` when it now passes and waits for the projector. */
async function admitAgain(
  deps: ReplayDeps,
  options: ReplayOptions,
  row: StoredRow,
): Promise<Outcome | 'pending'> {
  const raw = storedDelivery(row, options.provider);
  if (raw === null) return 'skipped';
  const admission = await deps.ingestion.admit(deps.adapter, raw);
  if (admission.kind !== 'accepted') {
    const error =
      admission.kind === 'rejected'
        ? { ...admission.rejection }
        : { code: 'processing-failed', detail: errorText(admission.error) };
    if (!options.dryRun) await settle(deps.db, row.id, admission.kind, error);
    return admission.kind;
  }
  const { idempotencyKey, extra } = admission;
  if (options.dryRun) {
    const { rows } = await deps.db.query(FIND_ORIGINAL, [options.provider, idempotencyKey, row.id]);
    return rows.length > 0 ? 'duplicate' : 'accepted';
  }
  try {
    return await deps.db.transaction(async (client) => {
      const db: Queryable = { query: (statement, values) => runQuery(client, statement, values) };
      const made = await db.query(MAKE_PENDING, [row.id, options.provider, idempotencyKey]);
      if (made.rowCount === 0) {
        await db.query(LINK_TO_ORIGINAL, [row.id, options.provider, idempotencyKey]);
        return 'duplicate';
      }
      if (extra) await extra(db, { deliveryId: row.id });
      return 'pending';
    });
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    if (!isIntegrityViolation(err)) {
      await settle(deps.db, row.id, 'failed', {
        code: 'processing-failed',
        detail: `replay: ${errorText(err)}`,
      });
      return 'failed';
    }
    // Its key was stored by another delivery meanwhile.
    await deps.db.query(LINK_TO_ORIGINAL, [row.id, options.provider, idempotencyKey]);
    return 'duplicate';
  }
}

/** Projects the deliveries made pending, with the projector; what each became. */
async function projectAgain(deps: ReplayDeps, ids: string[]): Promise<Outcome[]> {
  if (ids.length === 0) return [];
  await deps.projector.projectChosen(ids);
  const { rows } = await deps.db.query<{ status: string }>(
    `SELECT status FROM deliveries WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map((r) => (r.status === 'failed' ? 'failed' : 'accepted'));
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The delivery's key unless another inbox row holds it: then it is a duplicate of that one. */
const MAKE_PENDING = `
UPDATE deliveries SET idempotency_key = $3, status = 'pending', error = NULL, attempts = attempts + 1,
  processed_at = NULL
WHERE id = $1
  AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.provider = $2 AND o.idempotency_key = $3 AND o.id <> $1)`;

const FIND_ORIGINAL = `SELECT id FROM deliveries WHERE provider = $1 AND idempotency_key = $2 AND id <> $3`;

/** A replayed copy of a stored delivery: settled, linked to the original's event, counted on it. */
const LINK_TO_ORIGINAL = `
WITH original AS (
  SELECT id, event_id FROM deliveries WHERE provider = $2 AND idempotency_key = $3 AND id <> $1
), counted AS (
  INSERT INTO delivery_duplicates AS x (delivery_id, count, last_at)
  SELECT id, 1, now() FROM original
  ON CONFLICT (delivery_id) DO UPDATE SET count = x.count + 1, last_at = EXCLUDED.last_at
)
UPDATE deliveries d SET status = 'projected', event_id = (SELECT event_id FROM original), error = NULL,
  attempts = attempts + 1, processed_at = now()
WHERE d.id = $1`;

async function settle(
  db: Database,
  id: string,
  status: 'rejected' | 'failed',
  error: Record<string, unknown>,
): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = $2, error = $3, attempts = attempts + 1, processed_at = now() WHERE id = $1`,
    [id, status, storableJson(error)],
  );
}
