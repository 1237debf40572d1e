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
 * A scalar column: its input column(s) in the batch rows, the value inserted, and the expression of its
 * incoming value on conflict (EXCLUDED.<column> unless the insert applies a default that must not count as a
 * value, like a session's `kind`).
 */
interface Scalar {
  column: string;
  input: string;
  insert: string;
  incoming: string;
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

/**
 * A batch of deliveries is written by one call of a function each connection creates for itself
 * (`pg_temp.hooktrail_write_batch`, see BATCH_FUNCTION), so a batch costs one round trip however many rows
 * it has. Its input is one JSON object of row arrays (`o` is a row's place in its array), taken as jsonb so
 * that it is parsed once (a `json` value is parsed again by every operator that reads it); each statement
 * reads its rows with jsonb_to_recordset. Rows refer to each other by natural key (a recording's session, an
 * event's measurement); the function keeps the ids every statement returns in `ids` and resolves references
 * from there, never by looking rows up in the tables, so no plan depends on table statistics. A statement
 * may not write the same projection row twice: such rows come in later rounds (see batch-writer.ts).
 */
const COMMON_INPUT = `o int, provider text, external_id text, status text, status_rank int, version text,
    started_at timestamptz, ended_at timestamptz, attributes jsonb, event_at timestamptz, field_versions jsonb`;
const COMMON_COLUMNS = `provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at, field_versions`;
const COMMON_VALUES = `r.provider, r.external_id, r.status, r.status_rank, CASE WHEN r.status IS NULL THEN '' ELSE r.version END,
    r.version, r.started_at, r.ended_at, r.attributes, r.event_at, r.event_at, r.field_versions`;

/** The id of the `table` row (session, recording, measurement) whose external id is in input column `field`. */
const idOf = (table: string, field: string) =>
  `(ids ->> ('${table}|' || r.provider || '|' || r.${field}))::bigint`;

/** A scalar input column of `type`, stored as is. */
const plain = (column: string, type: string): Scalar => ({
  column,
  incoming: `EXCLUDED.${column}`,
  insert: `r.${column}`,
  input: `${column} ${type}`,
});

/** A reference column, given in the input by the external id of the row it refers to. */
const reference = (column: string, table: string, field: string): Scalar => ({
  column,
  incoming: `EXCLUDED.${column}`,
  insert: idOf(table, field),
  input: `${field} text`,
});

const SESSION_INPUTS = [
  // A session first seen without a kind is a plain `session`; that default is not a value an event set,
  // so it counts as incoming only when the event gave one (then `kind` is in the row's field versions).
  {
    column: 'kind',
    incoming: `CASE WHEN EXCLUDED.field_versions ? 'kind' THEN EXCLUDED.kind END`,
    insert: `COALESCE(r.kind, 'session')`,
    input: 'kind text',
  },
  reference('parent_id', 'session', 'parent_external_id'),
];
const RECORDING_INPUTS = [
  reference('session_id', 'session', 'session_external_id'),
  plain('kind', 'text'),
  plain('duration_ms', 'bigint'),
  plain('size_bytes', 'bigint'),
  plain('url', 'text'),
  plain('url_expires_at', 'timestamptz'),
  plain('error', 'text'),
];
const MEASUREMENT_INPUTS = [reference('session_id', 'session', 'session_external_id')];

/** One round of upserts of `table`s from the rows in `part`, adding the ids of the rows it wrote to `ids`. */
function upsertRound(table: string, scalars: ReadonlyArray<Scalar>): string {
  return `
    WITH w AS (
      INSERT INTO ${table}s AS t (${COMMON_COLUMNS}, ${scalars.map((c) => c.column).join(', ')})
      SELECT ${COMMON_VALUES}, ${scalars.map((c) => c.insert).join(', ')}
      FROM jsonb_to_recordset(part) AS r(${COMMON_INPUT}, ${scalars.map((c) => c.input).join(', ')})
      ORDER BY r.o
      ON CONFLICT ON CONSTRAINT uq_${table}s_provider_external_id DO UPDATE SET
        ${setClause(scalars)}
      RETURNING t.id, t.provider, t.external_id
    )
    SELECT ids || COALESCE(jsonb_object_agg('${table}|' || w.provider || '|' || w.external_id, w.id), '{}')
    INTO ids FROM w;`;
}

/** Upserts the rounds of `table`s (input member `<table>s`: an array of row arrays), one after another. */
const upsertRounds = (table: string, scalars: ReadonlyArray<Scalar>) => `
  FOR part IN SELECT value FROM jsonb_array_elements(input -> '${table}s') LOOP${upsertRound(table, scalars)}
  END LOOP;`;

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

/**
 * Writes one batch: sessions (parents first), recordings, measurements, samples, then the timeline events
 * and the inbox rows of the deliveries that bring them (none for a replay), joined on the idempotency key;
 * returns one row per event with its inbox row's id. Events have no ON CONFLICT: a copy of a stored event
 * fails the batch, which is then redone delivery by delivery, each checking first what is stored (see
 * group-commit.ts).
 */
export const BATCH_FUNCTION = `
CREATE FUNCTION pg_temp.hooktrail_write_batch(input jsonb)
RETURNS TABLE (event_id bigint, event_provider text, event_key text, delivery_id bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  ids jsonb := '{}';
  part jsonb;
BEGIN${upsertRounds('session', SESSION_INPUTS)}${upsertRounds('recording', RECORDING_INPUTS)}${upsertRounds('measurement', MEASUREMENT_INPUTS)}
  INSERT INTO measurement_samples (measurement_id, series, sequence, value, occurred_at)
  SELECT ${idOf('measurement', 'measurement_external_id')}, r.series, r.sequence, r.value, r.occurred_at
  FROM jsonb_to_recordset(input -> 'samples') AS r(o int, provider text, measurement_external_id text, series text,
      sequence bigint, value double precision, occurred_at timestamptz)
  ORDER BY r.o
  ON CONFLICT DO NOTHING;

  RETURN QUERY
  WITH e AS (
    INSERT INTO events (provider, idempotency_key, type, known, severity, occurred_at, sequence, received_at, session_id, recording_id, measurement_id, payload)
    SELECT r.provider, r.idempotency_key, r.type, r.known, r.severity, r.occurred_at, r.sequence, r.received_at,
        ${idOf('session', 'session_external_id')}, ${idOf('recording', 'recording_external_id')},
        ${idOf('measurement', 'measurement_external_id')}, r.payload
    FROM jsonb_to_recordset(input -> 'events') AS r(o int, provider text, idempotency_key text, type text,
        known boolean, severity text, occurred_at timestamptz, sequence bigint, received_at timestamptz,
        session_external_id text, recording_external_id text, measurement_external_id text, payload jsonb)
    ORDER BY r.o
    RETURNING events.id, events.provider, events.idempotency_key
  ), d AS (
    INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size, body_sha256, status, event_id, processed_at)
    SELECT r.provider, r.received_at, r.request_id, r.content_type, r.headers, r.context, decode(r.body, 'base64'),
        r.body_size, decode(r.body_sha256, 'hex'), 'accepted', e.id, now()
    FROM jsonb_to_recordset(input -> 'deliveries') AS r(o int, provider text, idempotency_key text,
        received_at timestamptz, request_id text, content_type text, headers jsonb, context jsonb, body text,
        body_size int, body_sha256 text)
    JOIN e ON e.provider = r.provider AND e.idempotency_key = r.idempotency_key
    ORDER BY r.o
    RETURNING deliveries.id, deliveries.event_id
  )
  SELECT e.id, e.provider::text, e.idempotency_key::text, d.id FROM e LEFT JOIN d ON d.event_id = e.id;
END
$fn$`;

/** One inbox row written on its own: a rejected, failed or refused delivery. */
export const INSERT_DELIVERY = `
INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size, body_sha256, status, error, event_id, processed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11, now())
RETURNING id`;

/** A re-sent copy of an accepted delivery: counted on the original instead of stored again. */
export const COUNT_DUPLICATE = `
UPDATE deliveries d SET duplicate_count = d.duplicate_count + 1, last_duplicate_at = now()
FROM events e
WHERE e.provider = $1 AND e.idempotency_key = $2 AND d.event_id = e.id
RETURNING d.id AS delivery_id, e.id AS event_id`;

export const FIND_EVENT = `SELECT id FROM events WHERE provider = $1 AND idempotency_key = $2`;
