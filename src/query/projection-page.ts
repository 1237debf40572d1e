import { ProblemException } from 'src/common/problem';
import { Database } from 'src/database/database';
import { decodeCursor, encodeCursor, limitPage } from 'src/query/cursor';
import { fromMicros, micros, SETTLED_HORIZON_SQL, SqlParams, SqlStatement } from 'src/query/query-sql';

export type ProjectionTable = 'sessions' | 'recordings' | 'measurements';

/** Where a resource's rows come from: its table, aliased `x`, the columns its DTO needs and their joins. */
export interface ProjectionSource {
  table: ProjectionTable;
  /** Columns of the outer select; the rows are aliased `x`. */
  select: string;
  /** LEFT JOINs applied to the page only (after LIMIT), so they never change the plan of the page. */
  joins: string;
}

export interface ProjectionPageSpec extends ProjectionSource {
  /** The resource's own filters on `x`, already bound to `params`. */
  where: string[];
  params: SqlParams;
  query: { updatedSince?: string; cursor?: string; limit: number };
  /**
   * Newest first by this timestamp column (then id) instead of by id, when there is no `updatedSince`:
   * for filters on that column, so a page is a backward scan of its `(column, id)` index from the bound
   * rather than a scan of every newer id. Rows where it is null are never listed (the filters exclude them).
   */
  newestBy?: 'started_at';
}

export interface PageRow {
  id: string;
  /** The page order's timestamp in microseconds (see `micros`), or null when the order is by id alone. */
  order_us: string | null;
}

/**
 * One page of sessions, recordings or measurements, in one of three orders:
 *  - by default: newest first, by `id DESC`. Ids never change, so paging is stable: rows created
 *    while paging appear before the first page (not in this walk), updates do not move rows.
 *  - with `newestBy` (and no `updatedSince`): newest first by that column, `(column DESC, id DESC)`.
 *    `started_at` only ever moves earlier (a late event proving an earlier start) or is set once, so a row
 *    listed already can move behind the cursor and be listed again, and a row not listed yet stays ahead of
 *    it: none is skipped. A row that gets a start newer than the cursor while paging is, like a row created
 *    while paging, not in this walk.
 *  - with `updatedSince`: a change listing, by `(updated_at, id)` ascending. A row updated while paging
 *    moves behind the cursor and shows up again on a later page (at least once, never skipped), and only
 *    rows before the settled horizon (see SETTLED_HORIZON_SQL) are listed, so a late commit is not skipped.
 * Fetches `limit + 1` rows to know whether there is a next page.
 */
export async function projectionPage<R extends PageRow>(
  db: Database,
  spec: ProjectionPageSpec,
): Promise<{ rows: R[]; nextCursor: string | null }> {
  let horizon: string | null = null;
  if (spec.query.updatedSince !== undefined) {
    // Its own statement, before the page's: see SETTLED_HORIZON_SQL for why the order matters.
    const { rows } = await db.query<{ horizon: string }>(SETTLED_HORIZON_SQL);
    horizon = rows[0].horizon;
  }
  const { text, values, listing } = projectionPageStatement(spec, horizon);
  const { rows } = await db.query<R>(text, values);
  return limitPage(rows, spec.query.limit, (last) =>
    encodeCursor(listing, last.order_us !== null ? [last.order_us, last.id] : [last.id]),
  );
}

/** The cursor's listing tag of each timestamp order. */
const LISTING_OF = { updated_at: 'updated', started_at: 'started' } as const;

/**
 * The page's statement; `horizon` (microseconds) is required with `updatedSince` and ignored without.
 * Binds into `spec.params`, so build a fresh spec for each statement.
 */
export function projectionPageStatement(
  spec: ProjectionPageSpec,
  horizon: string | null,
): SqlStatement & { listing: string } {
  const { table, query } = spec;
  const p = spec.params;
  const where = [...spec.where];
  const changes = query.updatedSince !== undefined;
  // The order: by (a timestamp column, id), or by id alone; ascending only for the change listing.
  const column = changes ? 'updated_at' : (spec.newestBy ?? null);
  const descending = !changes;
  const listing = `${table}:${column === null ? 'id' : LISTING_OF[column]}`;
  if (changes) {
    if (horizon === null) throw new Error('projectionPageStatement: updatedSince needs the settled horizon');
    where.push(`x.updated_at >= ${p.add(query.updatedSince)}::timestamptz`);
    where.push(`x.updated_at < ${fromMicros(p.add(horizon))}`);
  } else if (column !== null) {
    where.push(`x.${column} IS NOT NULL`);
  }
  if (query.cursor !== undefined) {
    const after = descending ? '<' : '>';
    if (column === null) {
      const [id] = decodeCursor(listing, query.cursor, ['bigint']);
      where.push(`x.id ${after} ${p.add(id)}::bigint`);
    } else {
      const [at, id] = decodeCursor(listing, query.cursor, ['micros', 'bigint']);
      where.push(`(x.${column}, x.id) ${after} (${fromMicros(p.add(at))}, ${p.add(id)}::bigint)`);
    }
  }
  const direction = descending ? ' DESC' : '';
  const order = column === null ? `x.id${direction}` : `x.${column}${direction}, x.id${direction}`;
  const orderUs = column === null ? 'NULL::text' : micros(`x.${column}`);
  const text = `
SELECT ${spec.select}, ${orderUs} AS order_us
FROM (
  SELECT * FROM ${table} x
  ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY ${order}
  LIMIT ${p.add(query.limit + 1)}
) x
${spec.joins}
ORDER BY ${order}`;
  return { text, values: p.values, listing };
}

/** `x.<column> = $n` for every filter that is set, in the order given. */
export function equalTo(p: SqlParams, filters: Record<string, string | undefined>): string[] {
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => `x.${column} = ${p.add(value)}`);
}

export const notFound = (noun: string, provider: string, externalId: string): ProblemException =>
  new ProblemException(
    404,
    'not-found',
    'Not found',
    `No ${provider} ${noun} with id ${JSON.stringify(externalId)}.`,
  );

/** The row the provider calls `externalId`, or a 404 naming it as a `noun`. */
export async function rowByRef<R>(
  db: Database,
  source: ProjectionSource,
  noun: string,
  provider: string,
  externalId: string,
): Promise<R> {
  const { rows } = await db.query<R>(
    `SELECT ${source.select} FROM ${source.table} x ${source.joins} WHERE x.provider = $1 AND x.external_id = $2`,
    [provider, externalId],
  );
  if (rows.length === 0) throw notFound(noun, provider, externalId);
  return rows[0];
}

/** The rows of a session, oldest first, at most `limit`. */
export async function rowsOfSession<R>(
  db: Database,
  source: ProjectionSource,
  sessionId: string,
  limit: number,
): Promise<R[]> {
  const { rows } = await db.query<R>(
    `SELECT ${source.select} FROM ${source.table} x ${source.joins} WHERE x.session_id = $1 ORDER BY x.id LIMIT $2`,
    [sessionId, limit],
  );
  return rows;
}
