import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox insert of the request path (called by INSERT_PENDING in src/ingestion/projection.sql.ts, one call
 * per group-committed batch): the batch's accepted deliveries as pending inbox rows, in one statement (so one
 * commit). A row whose `(provider, idempotency_key)` is stored already is not inserted; it is answered as a
 * duplicate of the stored row (`original_id`) and counted on it, in the same statement. With `notify`, other
 * instances' projectors are notified (a committing NOTIFY takes a cluster-wide lock, so the caller sends one
 * at most every few milliseconds; its own projector it wakes directly).
 * `original_id` reads the statement's snapshot, so a row that lost a race with a transaction committing
 * meanwhile has neither `inserted_id` nor `original_id`: see FIND_ORIGINALS. Rows go in key order: two
 * instances inserting the same keys at once wait for each other's commit in one direction only, never in a
 * cycle.
 */
export const STORE_PENDING_FUNCTION = `
CREATE FUNCTION hooktrail_store_pending(p_provider text[], p_idempotency_key text[], p_received_at timestamptz[],
    p_request_id text[], p_content_type text[], p_headers jsonb[], p_context jsonb[], p_body bytea[], p_notify boolean)
RETURNS TABLE (ordinal bigint, inserted_id bigint, original_id bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(p_provider, p_idempotency_key, p_received_at, p_request_id, p_content_type, p_headers,
        p_context, p_body) WITH ORDINALITY
      AS i(provider, idempotency_key, received_at, request_id, content_type, headers, context, body, o)
  ), inserted AS (
    INSERT INTO deliveries (provider, idempotency_key, received_at, request_id, content_type, headers, context,
        body, body_size, status)
    SELECT i.provider, i.idempotency_key, i.received_at, i.request_id, i.content_type, i.headers, i.context, i.body,
        octet_length(i.body), 'pending'
    FROM input i ORDER BY i.provider, i.idempotency_key
    ON CONFLICT ON CONSTRAINT uq_deliveries_provider_idempotency_key DO NOTHING
    RETURNING deliveries.id, deliveries.provider, deliveries.idempotency_key
  ), originals AS (
    SELECT d.id, d.provider, d.idempotency_key FROM deliveries d
    JOIN input i ON d.provider = i.provider AND d.idempotency_key = i.idempotency_key
  ), counted AS (
    INSERT INTO delivery_duplicates AS x (delivery_id, count, last_at)
    SELECT originals.id, 1, now() FROM originals
    ON CONFLICT (delivery_id) DO UPDATE SET count = x.count + 1, last_at = EXCLUDED.last_at
  ), notified AS (
    SELECT pg_notify('hooktrail_inbox', '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_inserted WHERE p_notify
  )
  SELECT i.o, n.id, d.id
  FROM input i
  LEFT JOIN inserted n ON n.provider = i.provider AND n.idempotency_key = i.idempotency_key
  LEFT JOIN originals d ON d.provider = i.provider AND d.idempotency_key = i.idempotency_key
  LEFT JOIN notified ON true
  ORDER BY i.o;
END
$fn$`;

/**
 * Plans kept across calls for the write path's two functions. Statements sent as text (as a pooler in
 * transaction mode requires) are planned at every call; a function's statements are planned once per
 * connection and, with a generic plan forced, never again: the projection function's five statements cost
 * 0.2–0.6 ms of planning each per batch before, more than executing them for a small batch. Their plans do not
 * depend on the values (rows come from the bind parameters, reached by unique index), so a generic plan is
 * the plan a custom one would be.
 */
export class CachedWritePlans1796300000001 implements MigrationInterface {
  name = 'CachedWritePlans1796300000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(STORE_PENDING_FUNCTION);
    await queryRunner.query(
      'ALTER FUNCTION hooktrail_project(jsonb) SET plan_cache_mode = force_generic_plan',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER FUNCTION hooktrail_project(jsonb) RESET plan_cache_mode');
    await queryRunner.query(
      'DROP FUNCTION hooktrail_store_pending(text[], text[], timestamptz[], text[], text[], jsonb[], jsonb[], bytea[], boolean)',
    );
  }
}
