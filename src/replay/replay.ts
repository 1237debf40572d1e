import { ProblemException } from 'src/common/problem';
import type { Database } from 'src/database/database';
import { isDatabaseUnavailable } from 'src/database/db-errors';
import type { IngestionService } from 'src/ingestion/ingestion.service';
import type { RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { FIND_EVENT } from 'src/ingestion/projection.sql';
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
  /** Decode and map only: report what would happen, write nothing. */
  dryRun: boolean;
}

/**
 * What became of each replayed delivery: applied now, found already applied (its event arrived another
 * way), still refused by the current code, failed while processing, or skipped (body purged by retention).
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
  adapter: WebhookAdapter<unknown>;
}

interface StoredDelivery {
  id: string;
  received_at: Date;
  request_id: string;
  content_type: string | null;
  headers: Record<string, string>;
  context: Record<string, string>;
  body: Buffer | null;
}

const PAGE = 100;

const FILTER = `provider = $1 AND status = ANY($2) AND received_at >= $3 AND ($4::timestamptz IS NULL OR received_at < $4)`;
const COUNT = `SELECT count(*)::int AS n FROM deliveries WHERE ${FILTER}`;
// Keyset pagination on id (index on status, provider, id): a delivery that stays rejected is not seen twice.
const SELECT_PAGE = `
SELECT id, received_at, request_id, content_type, headers, context, body
FROM deliveries WHERE ${FILTER} AND id > $5 ORDER BY id LIMIT $6`;

type Outcome = Exclude<keyof ReplaySummary, 'selected'>;

/**
 * Re-processes stored deliveries through the current code, oldest first, via the same path as live
 * traffic (IngestionService.ingest with `replayOf`, so the inbox row is updated, never duplicated).
 * Idempotent: an event that is already on the timeline makes the delivery `accepted` (linked to it),
 * never a second event. A delivery that still fails stays stored with its new reason. Stops (throws) when
 * the database becomes unavailable; what was replayed until then is committed.
 */
export async function replayDeliveries(
  deps: ReplayDeps,
  options: ReplayOptions,
  onProgress: (done: number, summary: ReplaySummary) => void = () => undefined,
): Promise<ReplaySummary> {
  if (deps.adapter.provider !== options.provider) {
    throw new Error(`adapter for ${deps.adapter.provider} given to replay ${options.provider}`);
  }
  const filter = [options.provider, options.statuses, options.since, options.until ?? null];
  const { rows } = await deps.db.query<{ n: number }>(COUNT, filter);
  const selected = Math.min(rows[0].n, options.limit ?? Number.POSITIVE_INFINITY);
  const summary: ReplaySummary = { selected, accepted: 0, duplicate: 0, rejected: 0, failed: 0, skipped: 0 };
  onProgress(0, summary);

  let done = 0;
  let after = '0';
  while (done < selected) {
    const page = await deps.db.query<StoredDelivery>(SELECT_PAGE, [
      ...filter,
      after,
      Math.min(PAGE, selected - done),
    ]);
    if (page.rows.length === 0) break; // fewer than counted: others replayed some meanwhile
    for (const row of page.rows) {
      after = row.id;
      summary[await replayOne(deps, options, row)]++;
      done++;
      onProgress(done, summary);
    }
  }
  return summary;
}

function rawDelivery(provider: ProviderName, row: StoredDelivery & { body: Buffer }): RawDelivery {
  return {
    provider,
    receivedAt: row.received_at,
    requestId: row.request_id,
    contentType: row.content_type,
    headers: row.headers,
    context: row.context,
    body: row.body,
  };
}

async function replayOne(deps: ReplayDeps, options: ReplayOptions, row: StoredDelivery): Promise<Outcome> {
  if (row.body === null) return 'skipped';
  const raw = rawDelivery(options.provider, { ...row, body: row.body });
  if (options.dryRun) return dryRun(deps, raw);
  try {
    const result = await deps.ingestion.ingest(deps.adapter, raw, row.id);
    return result.outcome;
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    // ingest stored the delivery as failed (ProblemException) or left it as it was: either way it stays.
    if (!(err instanceof ProblemException)) await markFailed(deps.db, row.id, err);
    return 'failed';
  }
}

/** What replaying would do, without writing: decode and map with the current code, look the event up. */
async function dryRun(deps: ReplayDeps, raw: RawDelivery): Promise<Outcome> {
  const decoded = await deps.adapter.decode(raw);
  if (!decoded.ok) return 'rejected';
  let key: string;
  try {
    key = deps.adapter.plan(decoded.value, raw).idempotencyKey;
  } catch {
    return 'failed';
  }
  const found = await deps.db.query(FIND_EVENT, [raw.provider, key]);
  return found.rows.length > 0 ? 'duplicate' : 'accepted';
}

async function markFailed(db: Database, id: string, err: unknown): Promise<void> {
  const error = { code: 'processing-failed', detail: `replay: ${(err as Error)?.message ?? String(err)}` };
  await db.query(
    `UPDATE deliveries SET status = 'failed', error = $2, attempts = attempts + 1, processed_at = now() WHERE id = $1`,
    [id, storableJson(error)],
  );
}
