/**
 * Order-independent upserts of the state projections. `$version` is the event's order key (see
 * order-key.ts). The rules, shared by every projection table:
 *  - status moves only to a greater (rank, version): a late `started` never undoes `ended`;
 *  - started_at keeps the earliest value, ended_at the latest, first/last_event_at likewise;
 *  - scalar fields take the newer event's non-null value; an older event only fills a gap;
 *  - attributes merge key by key with the same newer-wins rule.
 * Every rule is idempotent and commutative, so re-applying or reordering events gives the same row.
 */
const STATUS_WINS = `(EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version))`;
const NEWER = `(EXCLUDED.version > t.version)`;

const newerWins = (column: string): string =>
  `${column} = CASE WHEN ${NEWER} THEN COALESCE(EXCLUDED.${column}, t.${column}) ELSE COALESCE(t.${column}, EXCLUDED.${column}) END`;

const COMMON_SET = [
  `status = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status ELSE t.status END`,
  `status_rank = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status_rank ELSE t.status_rank END`,
  `status_version = CASE WHEN ${STATUS_WINS} THEN EXCLUDED.status_version ELSE t.status_version END`,
  `started_at = LEAST(t.started_at, EXCLUDED.started_at)`,
  `ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at)`,
  `first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at)`,
  `last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at)`,
  `attributes = CASE WHEN ${NEWER} THEN t.attributes || EXCLUDED.attributes ELSE EXCLUDED.attributes || t.attributes END`,
  `version = GREATEST(t.version, EXCLUDED.version)`,
  `updated_at = now()`,
];

// Columns $1..$10 are common to every projection insert, in this order.
const COMMON_COLUMNS = `provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at`;
const COMMON_VALUES = `$1, $2, $3, $4, CASE WHEN $3::varchar IS NULL THEN '' ELSE $5 END, $5, $6, $7, $8, $9, $9`;

export const UPSERT_SESSION = `
INSERT INTO sessions AS t (${COMMON_COLUMNS}, kind, parent_id)
VALUES (${COMMON_VALUES}, COALESCE($10, 'session'), $11)
ON CONFLICT ON CONSTRAINT uq_sessions_provider_external_id DO UPDATE SET
  ${COMMON_SET.join(',\n  ')},
  kind = COALESCE($10, t.kind),
  parent_id = COALESCE(t.parent_id, EXCLUDED.parent_id)
RETURNING id`;

export const UPSERT_RECORDING = `
INSERT INTO recordings AS t (${COMMON_COLUMNS}, session_id, kind, duration_ms, size_bytes, url, url_expires_at, error)
VALUES (${COMMON_VALUES}, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT ON CONSTRAINT uq_recordings_provider_external_id DO UPDATE SET
  ${COMMON_SET.join(',\n  ')},
  session_id = COALESCE(t.session_id, EXCLUDED.session_id),
  ${['kind', 'duration_ms', 'size_bytes', 'url', 'url_expires_at', 'error'].map(newerWins).join(',\n  ')}
RETURNING id`;

export const UPSERT_MEASUREMENT = `
INSERT INTO measurements AS t (${COMMON_COLUMNS}, session_id)
VALUES (${COMMON_VALUES}, $10)
ON CONFLICT ON CONSTRAINT uq_measurements_provider_external_id DO UPDATE SET
  ${COMMON_SET.join(',\n  ')},
  session_id = COALESCE(t.session_id, EXCLUDED.session_id)
RETURNING id`;

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
