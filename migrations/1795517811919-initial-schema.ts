import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795517811919 implements MigrationInterface {
  name = 'InitialSchema1795517811919';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The id of the inserting transaction as a bigint (xid8 has no TypeORM type); events.tx_id defaults to it.
    await queryRunner.query(
      'CREATE FUNCTION hooktrail_tx_id() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT pg_current_xact_id()::text::bigint $$',
    );
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "provider" character varying(32) NOT NULL, "external_id" character varying(255) NOT NULL, "status" character varying(32), "status_rank" smallint NOT NULL DEFAULT \'0\', "status_version" text COLLATE "C" NOT NULL DEFAULT \'\', "version" text COLLATE "C" NOT NULL DEFAULT \'\', "started_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "attributes" jsonb NOT NULL DEFAULT \'{}\', "first_event_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "kind" character varying(32) NOT NULL DEFAULT \'session\', "parent_id" bigint, CONSTRAINT "uq_sessions_provider_external_id" UNIQUE ("provider", "external_id"), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_sessions_parent" ON "sessions" ("parent_id") ');
    await queryRunner.query(
      'CREATE INDEX "ix_sessions_status_updated" ON "sessions" ("status", "updated_at", "id") ',
    );
    await queryRunner.query('CREATE INDEX "ix_sessions_started" ON "sessions" ("started_at", "id") ');
    await queryRunner.query(
      'CREATE INDEX "ix_sessions_provider_updated" ON "sessions" ("provider", "updated_at", "id") ',
    );
    await queryRunner.query('CREATE INDEX "ix_sessions_updated" ON "sessions" ("updated_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "measurements" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "provider" character varying(32) NOT NULL, "external_id" character varying(255) NOT NULL, "status" character varying(32), "status_rank" smallint NOT NULL DEFAULT \'0\', "status_version" text COLLATE "C" NOT NULL DEFAULT \'\', "version" text COLLATE "C" NOT NULL DEFAULT \'\', "started_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "attributes" jsonb NOT NULL DEFAULT \'{}\', "first_event_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "session_id" bigint, CONSTRAINT "uq_measurements_provider_external_id" UNIQUE ("provider", "external_id"), CONSTRAINT "PK_3c0e7812563f27fd68e8271661b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_measurements_provider_updated" ON "measurements" ("provider", "updated_at", "id") ',
    );
    await queryRunner.query('CREATE INDEX "ix_measurements_updated" ON "measurements" ("updated_at", "id") ');
    await queryRunner.query('CREATE INDEX "ix_measurements_session" ON "measurements" ("session_id") ');
    await queryRunner.query(
      'CREATE TABLE "measurement_samples" ("measurement_id" bigint NOT NULL, "series" character varying(32) NOT NULL, "sequence" bigint NOT NULL, "value" double precision NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_85f01fc63ca03be4db6303ace94" PRIMARY KEY ("measurement_id", "series", "sequence"))',
    );
    await queryRunner.query(
      'CREATE TABLE "recordings" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "provider" character varying(32) NOT NULL, "external_id" character varying(255) NOT NULL, "status" character varying(32), "status_rank" smallint NOT NULL DEFAULT \'0\', "status_version" text COLLATE "C" NOT NULL DEFAULT \'\', "version" text COLLATE "C" NOT NULL DEFAULT \'\', "started_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "attributes" jsonb NOT NULL DEFAULT \'{}\', "first_event_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "session_id" bigint, "kind" character varying(32), "duration_ms" bigint, "size_bytes" bigint, "url" text, "url_expires_at" TIMESTAMP WITH TIME ZONE, "error" text, CONSTRAINT "uq_recordings_provider_external_id" UNIQUE ("provider", "external_id"), CONSTRAINT "PK_8c3247d5ee4551d59bb2115a484" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_recordings_provider_updated" ON "recordings" ("provider", "updated_at", "id") ',
    );
    await queryRunner.query('CREATE INDEX "ix_recordings_updated" ON "recordings" ("updated_at", "id") ');
    await queryRunner.query('CREATE INDEX "ix_recordings_session" ON "recordings" ("session_id") ');
    await queryRunner.query(
      'CREATE TABLE "events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "provider" character varying(32) NOT NULL, "idempotency_key" character varying(512) NOT NULL, "type" character varying(128) NOT NULL, "known" boolean NOT NULL, "severity" character varying(16), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sequence" bigint, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "tx_id" bigint NOT NULL DEFAULT hooktrail_tx_id(), "session_id" bigint, "recording_id" bigint, "measurement_id" bigint, "payload" jsonb NOT NULL, CONSTRAINT "uq_events_provider_idempotency_key" UNIQUE ("provider", "idempotency_key"), CONSTRAINT "PK_40731c7151fe4be3116e45ddf73" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_events_provider_type_feed" ON "events" ("provider", "type", "tx_id", "id") ',
    );
    await queryRunner.query('CREATE INDEX "ix_events_feed" ON "events" ("tx_id", "id") ');
    await queryRunner.query(
      'CREATE INDEX "ix_events_measurement" ON "events" ("measurement_id", "occurred_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_events_recording" ON "events" ("recording_id", "occurred_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_events_session_timeline" ON "events" ("session_id", "occurred_at", "sequence", "id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "deliveries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "provider" character varying(32) NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "request_id" character varying(64) NOT NULL, "content_type" character varying(255), "headers" jsonb NOT NULL, "context" jsonb NOT NULL, "body" bytea, "body_size" integer NOT NULL, "body_purged_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL, "error" jsonb, "event_id" bigint, "duplicate_count" integer NOT NULL DEFAULT \'0\', "last_duplicate_at" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT \'1\', "processed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_deliveries_event_id" ON "deliveries" ("event_id") ');
    await queryRunner.query('CREATE INDEX "ix_deliveries_received_at" ON "deliveries" ("received_at") ');
    await queryRunner.query(
      'CREATE INDEX "ix_deliveries_status_provider_id" ON "deliveries" ("status", "provider", "id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_parent" FOREIGN KEY ("parent_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "measurements" ADD CONSTRAINT "fk_measurements_session" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "measurement_samples" ADD CONSTRAINT "fk_measurement_samples_measurement" FOREIGN KEY ("measurement_id") REFERENCES "measurements"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "recordings" ADD CONSTRAINT "fk_recordings_session" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "events" ADD CONSTRAINT "fk_events_session" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "events" ADD CONSTRAINT "fk_events_recording" FOREIGN KEY ("recording_id") REFERENCES "recordings"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "events" ADD CONSTRAINT "fk_events_measurement" FOREIGN KEY ("measurement_id") REFERENCES "measurements"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "deliveries" ADD CONSTRAINT "fk_deliveries_event" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "deliveries" DROP CONSTRAINT "fk_deliveries_event"');
    await queryRunner.query('ALTER TABLE "events" DROP CONSTRAINT "fk_events_measurement"');
    await queryRunner.query('ALTER TABLE "events" DROP CONSTRAINT "fk_events_recording"');
    await queryRunner.query('ALTER TABLE "events" DROP CONSTRAINT "fk_events_session"');
    await queryRunner.query('ALTER TABLE "recordings" DROP CONSTRAINT "fk_recordings_session"');
    await queryRunner.query(
      'ALTER TABLE "measurement_samples" DROP CONSTRAINT "fk_measurement_samples_measurement"',
    );
    await queryRunner.query('ALTER TABLE "measurements" DROP CONSTRAINT "fk_measurements_session"');
    await queryRunner.query('ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_parent"');
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_status_provider_id"');
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_received_at"');
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_event_id"');
    await queryRunner.query('DROP TABLE "deliveries"');
    await queryRunner.query('DROP INDEX "public"."ix_events_session_timeline"');
    await queryRunner.query('DROP INDEX "public"."ix_events_recording"');
    await queryRunner.query('DROP INDEX "public"."ix_events_measurement"');
    await queryRunner.query('DROP INDEX "public"."ix_events_feed"');
    await queryRunner.query('DROP INDEX "public"."ix_events_provider_type_feed"');
    await queryRunner.query('DROP TABLE "events"');
    await queryRunner.query('DROP INDEX "public"."ix_recordings_session"');
    await queryRunner.query('DROP INDEX "public"."ix_recordings_updated"');
    await queryRunner.query('DROP INDEX "public"."ix_recordings_provider_updated"');
    await queryRunner.query('DROP TABLE "recordings"');
    await queryRunner.query('DROP TABLE "measurement_samples"');
    await queryRunner.query('DROP INDEX "public"."ix_measurements_session"');
    await queryRunner.query('DROP INDEX "public"."ix_measurements_updated"');
    await queryRunner.query('DROP INDEX "public"."ix_measurements_provider_updated"');
    await queryRunner.query('DROP TABLE "measurements"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_updated"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_provider_updated"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_started"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_status_updated"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_parent"');
    await queryRunner.query('DROP TABLE "sessions"');
    await queryRunner.query('DROP FUNCTION hooktrail_tx_id()');
  }
}
