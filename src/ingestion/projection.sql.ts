/**
 * Order-independent upserts of the state projections. EXCLUDED.version is the event's order key (see
 * order-key.ts). The rules, shared by every projection table:
 *  - status moves only to a greater (rank, version): a late `started` never undoes `ended`;
 *  - started_at keeps the earliest value, ended_at the latest, first/last_event_at likewise;
 *  - every other field holds the value of the newest event that set it (non-null), which needs a version per
 *    field (`field_versions`): a row-level version would let an older event's value win over a newer one
 *    for a field the newest event did not touch.
 * Every rule is a per-field maximum, hence idempotent and commutative: re-applying or reordering events
 * gives the same row.
 */
const STATUS_WINS = `(EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version))`;

/** The field's stored version; versions are compared byte-wise, like the `C`-collated columns. */
const fieldVersion = (field: string): string => `COALESCE(t.field_versions->>'${field}', '') COLLATE "C"`;

/**
 * A scalar column and the expression of its incoming value (EXCLUDED.<column> unless the insert applies a
 * default that must not count as a value, like a session's `kind`).
 */
interface Scalar {
  column: string;
  incoming: string;
  insert: string;
}

const fieldWins = ({ column, incoming }: Scalar): string =>
  `(${incoming} IS NOT NULL AND EXCLUDED.version > ${fieldVersion(column)})`;

/** Attribute keys whose incoming value is newer than the one stored. */
const NEWER_ATTRIBUTES = `FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"`;

function setClause(scalars: readonly Scalar[]): string {
  const scalarVersions = scalars
    .map((c) => `'${c.column}', CASE WHEN ${fieldWins(c)} THEN EXCLUDED.version END`)
    .join(', ');
  return [
    `status = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status ELSE t.status END`,
    `status_rank = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status_rank ELSE t.status_rank END`,
    `status_version = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status_version ELSE t.status_version END`,
    `started_at = LEAST(t.started_at, EXCLUDED.started_at)`,
    `ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at)`,
    `first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at)`,
    `last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at)`,
    ...scalars.map(
      (c) => `${c.column} = CASE WHEN ${fieldWins(c)} THEN EXCLUDED.${c.column} ELSE t.${c.column} END`,
    ),
    `attributes = t.attributes || COALESCE((SELECT jsonb_object_agg(a.key, a.value) ${NEWER_ATTRIBUTES}), '{}'::jsonb)`,
    `field_versions = t.field_versions
      || jsonb_strip_nulls(jsonb_build_object(${scalarVersions}))
      || COALESCE((SELECT jsonb_object_agg('a.' || a.key, EXCLUDED.version) ${NEWER_ATTRIBUTES}), '{}'::jsonb)`,
    `version = GREATEST(t.version, EXCLUDED.version)`,
    `updated_at = now()`,
  ].join(',\n  ');
}

// Parameters $1..$10 are common to every projection insert, in this order (see IngestionService).
const COMMON_COLUMNS = `provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at, field_versions`;
const COMMON_VALUES = `$1, $2, $3, $4, CASE WHEN $3::varchar IS NULL THEN '' ELSE $5 END, $5, $6, $7, $8, $9, $9, $10`;

/** Scalar columns beyond the common ones, bound from $11 on in this order. */
function scalars(columns: readonly string[]): Scalar[] {
  return columns.map((column, i) => ({ column, incoming: `EXCLUDED.${column}`, insert: `$${11 + i}` }));
}

export const SESSION_SCALARS = ['kind', 'parent_id'] as const;
export const RECORDING_SCALARS = [
  'session_id',
  'kind',
  'duration_ms',
  'size_bytes',
  'url',
  'url_expires_at',
  'error',
] as const;
export const MEASUREMENT_SCALARS = ['session_id'] as const;

function upsert(table: string, constraint: string, columns: readonly Scalar[]): string {
  return `
INSERT INTO ${table} AS t (${COMMON_COLUMNS}, ${columns.map((c) => c.column).join(', ')})
VALUES (${COMMON_VALUES}, ${columns.map((c) => c.insert).join(', ')})
ON CONFLICT ON CONSTRAINT ${constraint} DO UPDATE SET
  ${setClause(columns)}
RETURNING id`;
}

// A session first seen without a kind is a plain `session`; that default is not a value an event set.
const sessionScalars = scalars(SESSION_SCALARS).map((c) =>
  c.column === 'kind' ? { ...c, incoming: `$11::varchar`, insert: `COALESCE($11, 'session')` } : c,
);

export const UPSERT_SESSION = upsert('sessions', 'uq_sessions_provider_external_id', sessionScalars);
export const UPSERT_RECORDING = upsert(
  'recordings',
  'uq_recordings_provider_external_id',
  scalars(RECORDING_SCALARS),
);
export const UPSERT_MEASUREMENT = upsert(
  'measurements',
  'uq_measurements_provider_external_id',
  scalars(MEASUREMENT_SCALARS),
);

/** The `field_versions` a new row starts with: every field the change sets, at the event's version. */
export function initialFieldVersions(
  version: string,
  scalars: Record<string, unknown>,
  attributes: Record<string, unknown> | undefined,
): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const [column, value] of Object.entries(scalars))
    if (value !== null && value !== undefined) versions[column] = version;
  for (const key of Object.keys(attributes ?? {})) versions[`a.${key}`] = version;
  return versions;
}

export const INSERT_SAMPLE = `
INSERT INTO measurement_samples (measurement_id, series, sequence, value, occurred_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`;

export const INSERT_EVENT = `
INSERT INTO events (provider, idempotency_key, type, known, severity, occurred_at, sequence, received_at, session_id, recording_id, measurement_id, payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT ON CONSTRAINT uq_events_provider_idempotency_key DO NOTHING
RETURNING id`;

export const INSERT_DELIVERY = `
INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size, status, error, event_id, processed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
RETURNING id`;

/** A re-sent copy of an accepted delivery: counted on the original instead of stored again. */
export const COUNT_DUPLICATE = `
UPDATE deliveries d SET duplicate_count = d.duplicate_count + 1, last_duplicate_at = now()
FROM events e
WHERE e.provider = $1 AND e.idempotency_key = $2 AND d.event_id = e.id
RETURNING d.id AS delivery_id, e.id AS event_id`;

export const FIND_EVENT = `SELECT id FROM events WHERE provider = $1 AND idempotency_key = $2`;
