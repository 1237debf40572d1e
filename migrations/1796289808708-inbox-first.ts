import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projects one batch of inbox rows (see src/ingestion/projection-batch.ts for the input it takes): upserts
 * sessions (parents first), recordings and measurements in rounds (a round never writes one row twice),
 * inserts samples and events, and marks the inbox rows projected; returns each inbox row with its event.
 *
 * The order-independent rules, shared by every projection table (EXCLUDED.version is the event's order key,
 * see src/ingestion/order-key.ts):
 *  - status moves only to a greater (rank, version): a late `started` never undoes `ended`;
 *  - started_at keeps the earliest value, ended_at the latest, first/last_event_at likewise;
 *  - every other field holds the value of the newest event that set it (non-null), tracked per field in
 *    `field_versions` (`a.<key>` for attributes).
 * Each rule is a per-field maximum: idempotent and commutative. Rows of a round are written in key order so
 * that two projectors locking shared rows take them in the same order. References between rows resolve
 * through the ids the earlier statements returned (`ids`), never through table lookups. An event stored
 * before (a replay) is not inserted again; its inbox row is linked to it.
 *
 * Adding a projection column: a new migration that adds it and replaces this function with it listed (from
 * its latest text, *-projection-marking-planned-per-batch.ts, whose settings it must set again).
 */
export const PROJECT_FUNCTION = `
CREATE OR REPLACE FUNCTION hooktrail_project(input jsonb)
RETURNS TABLE (delivery_id bigint, event_id bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  ids jsonb := '{}';
  part jsonb;
BEGIN
  FOR part IN SELECT value FROM jsonb_array_elements(input -> 'sessions') LOOP
    WITH w AS (
      INSERT INTO sessions AS t (provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at, field_versions, kind, parent_id)
      SELECT r.provider, r.external_id, r.status, r.status_rank, CASE WHEN r.status IS NULL THEN '' ELSE r.version END,
    r.version, r.started_at, r.ended_at, r.attributes, r.event_at, r.event_at, r.field_versions, COALESCE(r.kind, 'session'), (ids ->> ('session|' || r.provider || '|' || r.parent_external_id))::bigint
      FROM jsonb_to_recordset(part) AS r(o int, provider text, external_id text, status text, status_rank int, version text,
    started_at timestamptz, ended_at timestamptz, attributes jsonb, event_at timestamptz, field_versions jsonb, kind text, parent_external_id text)
      ORDER BY r.provider, r.external_id
      ON CONFLICT ON CONSTRAINT uq_sessions_provider_external_id DO UPDATE SET
        status = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status ELSE t.status END,
  status_rank = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_rank ELSE t.status_rank END,
  status_version = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_version ELSE t.status_version END,
  started_at = LEAST(t.started_at, EXCLUDED.started_at),
  ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at),
  first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at),
  last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at),
  kind = CASE WHEN (CASE WHEN EXCLUDED.field_versions ? 'kind' THEN EXCLUDED.kind END IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'kind', '') COLLATE "C") THEN EXCLUDED.kind ELSE t.kind END,
  parent_id = CASE WHEN (EXCLUDED.parent_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'parent_id', '') COLLATE "C") THEN EXCLUDED.parent_id ELSE t.parent_id END,
  attributes = t.attributes || COALESCE((SELECT jsonb_object_agg(a.key, a.value) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  field_versions = t.field_versions
      || jsonb_strip_nulls(jsonb_build_object('kind', CASE WHEN (CASE WHEN EXCLUDED.field_versions ? 'kind' THEN EXCLUDED.kind END IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'kind', '') COLLATE "C") THEN EXCLUDED.version END, 'parent_id', CASE WHEN (EXCLUDED.parent_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'parent_id', '') COLLATE "C") THEN EXCLUDED.version END))
      || COALESCE((SELECT jsonb_object_agg('a.' || a.key, EXCLUDED.version) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  version = GREATEST(t.version, EXCLUDED.version),
  updated_at = now()
      RETURNING t.id, t.provider, t.external_id
    )
    SELECT ids || COALESCE(jsonb_object_agg('session|' || w.provider || '|' || w.external_id, w.id), '{}')
    INTO ids FROM w;
  END LOOP;
  FOR part IN SELECT value FROM jsonb_array_elements(input -> 'recordings') LOOP
    WITH w AS (
      INSERT INTO recordings AS t (provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at, field_versions, session_id, kind, duration_ms, size_bytes, url, url_expires_at, error)
      SELECT r.provider, r.external_id, r.status, r.status_rank, CASE WHEN r.status IS NULL THEN '' ELSE r.version END,
    r.version, r.started_at, r.ended_at, r.attributes, r.event_at, r.event_at, r.field_versions, (ids ->> ('session|' || r.provider || '|' || r.session_external_id))::bigint, r.kind, r.duration_ms, r.size_bytes, r.url, r.url_expires_at, r.error
      FROM jsonb_to_recordset(part) AS r(o int, provider text, external_id text, status text, status_rank int, version text,
    started_at timestamptz, ended_at timestamptz, attributes jsonb, event_at timestamptz, field_versions jsonb, session_external_id text, kind text, duration_ms bigint, size_bytes bigint, url text, url_expires_at timestamptz, error text)
      ORDER BY r.provider, r.external_id
      ON CONFLICT ON CONSTRAINT uq_recordings_provider_external_id DO UPDATE SET
        status = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status ELSE t.status END,
  status_rank = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_rank ELSE t.status_rank END,
  status_version = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_version ELSE t.status_version END,
  started_at = LEAST(t.started_at, EXCLUDED.started_at),
  ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at),
  first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at),
  last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at),
  session_id = CASE WHEN (EXCLUDED.session_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'session_id', '') COLLATE "C") THEN EXCLUDED.session_id ELSE t.session_id END,
  kind = CASE WHEN (EXCLUDED.kind IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'kind', '') COLLATE "C") THEN EXCLUDED.kind ELSE t.kind END,
  duration_ms = CASE WHEN (EXCLUDED.duration_ms IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'duration_ms', '') COLLATE "C") THEN EXCLUDED.duration_ms ELSE t.duration_ms END,
  size_bytes = CASE WHEN (EXCLUDED.size_bytes IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'size_bytes', '') COLLATE "C") THEN EXCLUDED.size_bytes ELSE t.size_bytes END,
  url = CASE WHEN (EXCLUDED.url IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'url', '') COLLATE "C") THEN EXCLUDED.url ELSE t.url END,
  url_expires_at = CASE WHEN (EXCLUDED.url_expires_at IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'url_expires_at', '') COLLATE "C") THEN EXCLUDED.url_expires_at ELSE t.url_expires_at END,
  error = CASE WHEN (EXCLUDED.error IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'error', '') COLLATE "C") THEN EXCLUDED.error ELSE t.error END,
  attributes = t.attributes || COALESCE((SELECT jsonb_object_agg(a.key, a.value) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  field_versions = t.field_versions
      || jsonb_strip_nulls(jsonb_build_object('session_id', CASE WHEN (EXCLUDED.session_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'session_id', '') COLLATE "C") THEN EXCLUDED.version END, 'kind', CASE WHEN (EXCLUDED.kind IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'kind', '') COLLATE "C") THEN EXCLUDED.version END, 'duration_ms', CASE WHEN (EXCLUDED.duration_ms IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'duration_ms', '') COLLATE "C") THEN EXCLUDED.version END, 'size_bytes', CASE WHEN (EXCLUDED.size_bytes IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'size_bytes', '') COLLATE "C") THEN EXCLUDED.version END, 'url', CASE WHEN (EXCLUDED.url IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'url', '') COLLATE "C") THEN EXCLUDED.version END, 'url_expires_at', CASE WHEN (EXCLUDED.url_expires_at IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'url_expires_at', '') COLLATE "C") THEN EXCLUDED.version END, 'error', CASE WHEN (EXCLUDED.error IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'error', '') COLLATE "C") THEN EXCLUDED.version END))
      || COALESCE((SELECT jsonb_object_agg('a.' || a.key, EXCLUDED.version) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  version = GREATEST(t.version, EXCLUDED.version),
  updated_at = now()
      RETURNING t.id, t.provider, t.external_id
    )
    SELECT ids || COALESCE(jsonb_object_agg('recording|' || w.provider || '|' || w.external_id, w.id), '{}')
    INTO ids FROM w;
  END LOOP;
  FOR part IN SELECT value FROM jsonb_array_elements(input -> 'measurements') LOOP
    WITH w AS (
      INSERT INTO measurements AS t (provider, external_id, status, status_rank, status_version, version, started_at, ended_at, attributes, first_event_at, last_event_at, field_versions, session_id)
      SELECT r.provider, r.external_id, r.status, r.status_rank, CASE WHEN r.status IS NULL THEN '' ELSE r.version END,
    r.version, r.started_at, r.ended_at, r.attributes, r.event_at, r.event_at, r.field_versions, (ids ->> ('session|' || r.provider || '|' || r.session_external_id))::bigint
      FROM jsonb_to_recordset(part) AS r(o int, provider text, external_id text, status text, status_rank int, version text,
    started_at timestamptz, ended_at timestamptz, attributes jsonb, event_at timestamptz, field_versions jsonb, session_external_id text)
      ORDER BY r.provider, r.external_id
      ON CONFLICT ON CONSTRAINT uq_measurements_provider_external_id DO UPDATE SET
        status = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status ELSE t.status END,
  status_rank = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_rank ELSE t.status_rank END,
  status_version = CASE WHEN (EXCLUDED.status IS NOT NULL AND (EXCLUDED.status_rank, EXCLUDED.status_version) > (t.status_rank, t.status_version)) THEN EXCLUDED.status_version ELSE t.status_version END,
  started_at = LEAST(t.started_at, EXCLUDED.started_at),
  ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at),
  first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at),
  last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at),
  session_id = CASE WHEN (EXCLUDED.session_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'session_id', '') COLLATE "C") THEN EXCLUDED.session_id ELSE t.session_id END,
  attributes = t.attributes || COALESCE((SELECT jsonb_object_agg(a.key, a.value) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  field_versions = t.field_versions
      || jsonb_strip_nulls(jsonb_build_object('session_id', CASE WHEN (EXCLUDED.session_id IS NOT NULL AND EXCLUDED.version > COALESCE(t.field_versions->>'session_id', '') COLLATE "C") THEN EXCLUDED.version END))
      || COALESCE((SELECT jsonb_object_agg('a.' || a.key, EXCLUDED.version) FROM jsonb_each(EXCLUDED.attributes) a WHERE EXCLUDED.version > COALESCE(t.field_versions->>('a.' || a.key), '') COLLATE "C"), '{}'::jsonb),
  version = GREATEST(t.version, EXCLUDED.version),
  updated_at = now()
      RETURNING t.id, t.provider, t.external_id
    )
    SELECT ids || COALESCE(jsonb_object_agg('measurement|' || w.provider || '|' || w.external_id, w.id), '{}')
    INTO ids FROM w;
  END LOOP;
  INSERT INTO measurement_samples (measurement_id, series, sequence, value, occurred_at)
  SELECT (ids ->> ('measurement|' || r.provider || '|' || r.measurement_external_id))::bigint, r.series, r.sequence, r.value, r.occurred_at
  FROM jsonb_to_recordset(input -> 'samples') AS r(o int, provider text, measurement_external_id text, series text,
      sequence bigint, value double precision, occurred_at timestamptz)
  ORDER BY r.o
  ON CONFLICT DO NOTHING;

  INSERT INTO events (provider, idempotency_key, type, known, severity, occurred_at, sequence, received_at, session_id, recording_id, measurement_id, payload)
  SELECT r.provider, r.idempotency_key, r.type, r.known, r.severity, r.occurred_at, r.sequence, r.received_at,
      (ids ->> ('session|' || r.provider || '|' || r.session_external_id))::bigint, (ids ->> ('recording|' || r.provider || '|' || r.recording_external_id))::bigint,
      (ids ->> ('measurement|' || r.provider || '|' || r.measurement_external_id))::bigint, r.payload
  FROM jsonb_to_recordset(input -> 'events') AS r(o int, provider text, idempotency_key text, type text,
      known boolean, severity text, occurred_at timestamptz, sequence bigint, received_at timestamptz,
      session_external_id text, recording_external_id text, measurement_external_id text, payload jsonb)
  ORDER BY r.o
  ON CONFLICT ON CONSTRAINT uq_events_provider_idempotency_key DO NOTHING;

  -- A statement of its own, so that it sees the events just inserted and any stored before (a replay).
  RETURN QUERY
  UPDATE deliveries d SET status = 'projected', event_id = e.id, error = NULL, processed_at = clock_timestamp()
  FROM jsonb_to_recordset(input -> 'events') AS r(delivery_id bigint, provider text, idempotency_key text)
  JOIN events e ON e.provider = r.provider AND e.idempotency_key = r.idempotency_key
  WHERE d.id = r.delivery_id
  RETURNING d.id, d.event_id;
END
$fn$`;

/**
 * The inbox-first write path. A delivery is acknowledged once its inbox row is committed (status `pending`,
 * unique per `(provider, idempotency_key)`); the projector then folds pending rows into the timeline and the
 * state with `hooktrail_project` (below), in batches, and marks them `projected`. Re-sent copies are counted
 * in `delivery_duplicates`, away from the inbox rows the projector locks. A thumbnail belongs to the delivery
 * that brought it (it is stored on the request path, before any event exists).
 */
export class InboxFirst1796289808708 implements MigrationInterface {
  name = 'InboxFirst1796289808708';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "deliveries" ADD "idempotency_key" character varying(512)');
    await queryRunner.query('ALTER TABLE "deliveries" ALTER COLUMN "processed_at" DROP NOT NULL');
    await queryRunner.query(`UPDATE "deliveries" SET "status" = 'projected' WHERE "status" = 'accepted'`);
    // The first delivery of each event is its inbox row; later ones (replays linked to it) keep no key.
    await queryRunner.query(
      `UPDATE "deliveries" d SET "idempotency_key" = e."idempotency_key" FROM "events" e
       WHERE e."id" = d."event_id" AND d."id" = (SELECT min(x."id") FROM "deliveries" x WHERE x."event_id" = e."id")`,
    );
    await queryRunner.query(
      'ALTER TABLE "deliveries" ADD CONSTRAINT "uq_deliveries_provider_idempotency_key" UNIQUE ("provider", "idempotency_key")',
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_pending" ON "deliveries" ("id") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(
      'CREATE TABLE "delivery_duplicates" ("delivery_id" bigint NOT NULL, "count" integer NOT NULL, "last_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_delivery_duplicates" PRIMARY KEY ("delivery_id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "delivery_duplicates" ADD CONSTRAINT "fk_delivery_duplicates_delivery" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      `INSERT INTO "delivery_duplicates" ("delivery_id", "count", "last_at")
       SELECT "id", "duplicate_count", COALESCE("last_duplicate_at", "processed_at", now()) FROM "deliveries" WHERE "duplicate_count" > 0`,
    );
    await queryRunner.query('ALTER TABLE "deliveries" DROP COLUMN "duplicate_count"');
    await queryRunner.query('ALTER TABLE "deliveries" DROP COLUMN "last_duplicate_at"');

    await queryRunner.query('ALTER TABLE "millicast_thumbnails" ADD "delivery_id" bigint');
    await queryRunner.query(
      `UPDATE "millicast_thumbnails" t SET "delivery_id" = (SELECT min(d."id") FROM "deliveries" d WHERE d."event_id" = t."event_id")`,
    );
    await queryRunner.query('DELETE FROM "millicast_thumbnails" WHERE "delivery_id" IS NULL');
    await queryRunner.query('ALTER TABLE "millicast_thumbnails" ALTER COLUMN "delivery_id" SET NOT NULL');
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" DROP CONSTRAINT "fk_millicast_thumbnails_event"',
    );
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" DROP CONSTRAINT "uq_millicast_thumbnails_event"',
    );
    await queryRunner.query('ALTER TABLE "millicast_thumbnails" DROP COLUMN "event_id"');
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" ADD CONSTRAINT "uq_millicast_thumbnails_delivery" UNIQUE ("delivery_id")',
    );
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" ADD CONSTRAINT "fk_millicast_thumbnails_delivery" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );

    await queryRunner.query(PROJECT_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION "hooktrail_project"(jsonb)');
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" DROP CONSTRAINT "fk_millicast_thumbnails_delivery"',
    );
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" DROP CONSTRAINT "uq_millicast_thumbnails_delivery"',
    );
    await queryRunner.query('ALTER TABLE "millicast_thumbnails" ADD "event_id" bigint');
    await queryRunner.query(
      'UPDATE "millicast_thumbnails" t SET "event_id" = d."event_id" FROM "deliveries" d WHERE d."id" = t."delivery_id"',
    );
    await queryRunner.query('DELETE FROM "millicast_thumbnails" WHERE "event_id" IS NULL');
    await queryRunner.query('ALTER TABLE "millicast_thumbnails" ALTER COLUMN "event_id" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "millicast_thumbnails" DROP COLUMN "delivery_id"');
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" ADD CONSTRAINT "uq_millicast_thumbnails_event" UNIQUE ("event_id")',
    );
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" ADD CONSTRAINT "fk_millicast_thumbnails_event" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query('ALTER TABLE "deliveries" ADD "last_duplicate_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "deliveries" ADD "duplicate_count" integer NOT NULL DEFAULT \'0\'');
    await queryRunner.query(
      'UPDATE "deliveries" d SET "duplicate_count" = x."count", "last_duplicate_at" = x."last_at" FROM "delivery_duplicates" x WHERE x."delivery_id" = d."id"',
    );
    await queryRunner.query('DROP TABLE "delivery_duplicates"');
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_pending"');
    await queryRunner.query(
      'ALTER TABLE "deliveries" DROP CONSTRAINT "uq_deliveries_provider_idempotency_key"',
    );
    await queryRunner.query('ALTER TABLE "deliveries" DROP COLUMN "idempotency_key"');
    // Pending rows were never projected: the old design has no such state; they stay for a replay.
    await queryRunner.query(
      `UPDATE "deliveries" SET "status" = CASE WHEN "status" = 'projected' THEN 'accepted' ELSE 'failed' END, "processed_at" = COALESCE("processed_at", now()) WHERE "status" IN ('projected', 'pending')`,
    );
    await queryRunner.query('ALTER TABLE "deliveries" ALTER COLUMN "processed_at" SET NOT NULL');
  }
}
