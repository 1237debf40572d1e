/**
 * The statements of the write path: the inbox insert of the request path, and the projector's claim, call
 * and marks. The projection itself (the upserts and their order-independent rules) is the SQL function
 * `hooktrail_project(jsonb)`, created by a migration (migrations/*-inbox-first.ts; its current text and
 * settings: *-projection-marking-planned-per-batch.ts). Every statement takes its values as bind parameters and relies on nothing but the transaction it runs in, so it works through
 * a pooler in transaction mode.
 */

/** The channel a committed inbox insert notifies, to wake the projectors of every instance. */
export const INBOX_CHANNEL = 'hooktrail_inbox';

/**
 * The request path's only write: the batch's accepted deliveries as pending inbox rows, one statement (so
 * one commit) for all of them. A row whose `(provider, idempotency_key)` is stored already is not inserted
 * and not returned: the caller finds its original with FIND_ORIGINALS (a re-sent delivery costs an index
 * probe here, and a second statement only in a batch that holds one). Kept this lean on purpose: the
 * statement is planned at every call, and a form that also found the originals and counted them cost
 * more to plan than to run. Rows go in key order: two instances inserting the same keys at once wait for
 * each other's commit in one direction only, never in a cycle.
 */
export const INSERT_PENDING = `
INSERT INTO deliveries (provider, idempotency_key, received_at, request_id, content_type, headers, context,
    body, body_size, status)
SELECT provider, idempotency_key, received_at, request_id, content_type, headers, context, body,
    octet_length(body), 'pending'
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[],
    $8::bytea[]) AS i(provider, idempotency_key, received_at, request_id, content_type, headers, context, body)
ORDER BY provider, idempotency_key
ON CONFLICT ON CONSTRAINT uq_deliveries_provider_idempotency_key DO NOTHING
RETURNING id, provider, idempotency_key`;

/**
 * Wakes the other instances' projectors (their own inserts wake them directly). Sent after a batch committed,
 * at most every few milliseconds: a committing NOTIFY takes a cluster-wide lock.
 */
export const NOTIFY_INBOX = `SELECT pg_notify('${INBOX_CHANNEL}', '')`;

/**
 * Originals of deliveries the insert did not store (a copy of a stored delivery, or one that lost a race to
 * a transaction that committed meanwhile: the insert waited for it, so this statement's snapshot sees it),
 * each counted as a duplicate (in id order: two instances counting the same copies lock them in one order).
 */
export const FIND_ORIGINALS = `
WITH originals AS (
  SELECT d.id, d.provider, d.idempotency_key FROM deliveries d
  JOIN unnest($1::text[], $2::text[]) AS k(provider, idempotency_key)
    ON d.provider = k.provider AND d.idempotency_key = k.idempotency_key
), counted AS (
  INSERT INTO delivery_duplicates AS x (delivery_id, count, last_at)
  SELECT id, 1, now() FROM originals ORDER BY id
  ON CONFLICT (delivery_id) DO UPDATE SET count = x.count + 1, last_at = EXCLUDED.last_at
)
SELECT id, provider, idempotency_key FROM originals`;

/** One inbox row written on its own: a rejected, failed or refused delivery. */
export const INSERT_DELIVERY = `
INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size, status, error, body_sha256, processed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
RETURNING id`;

/** The columns a projection (or replay) reads of an inbox row: a `StoredRow` (delivery.entity.ts). */
export const STORED = `id, provider, received_at, request_id, content_type, headers, context, body, body_sha256`;

/**
 * The oldest pending rows no other projector holds, locked for this transaction: instances share the
 * backlog without waiting on each other, and a projector that dies releases its rows with its connection.
 * `FOR NO KEY UPDATE`, the lock its own UPDATE of these rows takes anyway: it excludes other projectors and
 * retention, but not the key-share locks of foreign-key checks, so a re-sent copy counted on a row being
 * projected (delivery_duplicates) does not wait for the projection to commit.
 */
export const CLAIM_PENDING = `
SELECT ${STORED} FROM deliveries
WHERE status = 'pending'
ORDER BY id
LIMIT $1
FOR NO KEY UPDATE SKIP LOCKED`;

/** Chosen pending rows (a replay), waiting for a projector that holds some of them. */
export const CLAIM_CHOSEN = `
SELECT ${STORED} FROM deliveries WHERE id = ANY($1::bigint[]) AND status = 'pending' ORDER BY id
FOR NO KEY UPDATE`;

export const PROJECT_BATCH = `SELECT delivery_id, event_id FROM hooktrail_project($1::jsonb)`;

/**
 * Projected rows whose body the provider keeps elsewhere (`bodyStoredElsewhere`): the inbox keeps the
 * SHA-256, the size and the first `$2` bytes (as inbox-body.ts does for a preview). Bodies no longer than
 * a preview stay whole.
 */
export const KEEP_PREVIEWS = `
UPDATE deliveries SET body = substring(body FROM 1 FOR $2), body_sha256 = sha256(body)
WHERE id = ANY($1::bigint[]) AND octet_length(body) > $2 AND body_sha256 IS NULL`;

/** Rows whose projection failed: kept with the reason, for a replay. */
export const MARK_FAILED = `
UPDATE deliveries d SET status = 'failed', error = f.error, processed_at = now()
FROM unnest($1::bigint[], $2::jsonb[]) AS f(id, error)
WHERE d.id = f.id`;

/** How far behind the projection is: pending rows and the age of the oldest. */
export const BACKLOG = `
SELECT count(*)::int AS pending,
  COALESCE(EXTRACT(EPOCH FROM now() - (
    SELECT received_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1
  )), 0)::float8 AS oldest_seconds
FROM deliveries WHERE status = 'pending'`;
