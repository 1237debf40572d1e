/**
 * Small helpers for the query API's hand-written SQL. Every value goes through a `$n` placeholder; only
 * fixed fragments written in this folder are concatenated.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Binds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** A timestamptz as microseconds since the Unix epoch, in text: exact (numeric), for cursors. */
export const micros = (expression: string): string =>
  `(extract(epoch FROM ${expression}) * 1000000)::bigint::text`;

/** The inverse of `micros` for a bound placeholder, in integer arithmetic so no microsecond is lost. */
export const fromMicros = (placeholder: string): string =>
  `(TIMESTAMPTZ 'epoch' + (${placeholder}::bigint / 1000000) * INTERVAL '1 second' + (${placeholder}::bigint % 1000000) * INTERVAL '1 microsecond')`;

/**
 * The start of the oldest transaction still open on this database (or now), in microseconds.
 *
 * Projections set `updated_at = now()`, which is the writing transaction's *start* time, and the row only
 * becomes visible at commit. A transaction that started before a poller's cursor but commits after it
 * would land behind the cursor and be skipped. Listing only rows with `updated_at` before this horizon
 * (read in a statement of its own, before the data statement takes its snapshot) closes that gap: every
 * transaction not yet visible then started at or after the horizon, so its rows sort after every row we
 * return. A long-open transaction on the database holds the horizon back (rows wait, none are lost).
 * Needs `track_activities` (the default) and the writers to run as the same role as the reader.
 */
export const SETTLED_HORIZON_SQL = `
SELECT ${micros('LEAST(now(), min(xact_start))')} AS horizon
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND xact_start IS NOT NULL`;

export const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** A bigint column that holds a quantity (not an id), as a JSON number. */
export const num = (value: string | number | null): number | null => (value === null ? null : Number(value));

/** `{ provider, externalId }` of a joined row, or null when there is none. */
export const ref = (
  provider: string | null,
  externalId: string | null,
): { provider: string; externalId: string } | null =>
  provider === null || externalId === null ? null : { provider, externalId };
