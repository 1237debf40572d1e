import { MigrationInterface, QueryRunner } from 'typeorm';

export class MillicastThumbnails1795518343920 implements MigrationInterface {
  name = 'MillicastThumbnails1795518343920';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "millicast_thumbnails" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "stream_id" character varying(255) NOT NULL, "feed_id" character varying(255), "token_id" character varying(255), "captured_at" TIMESTAMP WITH TIME ZONE NOT NULL, "content_type" character varying(64) NOT NULL, "size_bytes" integer NOT NULL, "image" bytea NOT NULL, "event_id" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_millicast_thumbnails_event" UNIQUE ("event_id"), CONSTRAINT "PK_f4c4c95b3e4a18a334be511fa67" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_millicast_thumbnails_stream_captured" ON "millicast_thumbnails" ("stream_id", "captured_at", "id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" ADD CONSTRAINT "fk_millicast_thumbnails_event" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "millicast_thumbnails" DROP CONSTRAINT "fk_millicast_thumbnails_event"',
    );
    await queryRunner.query('DROP INDEX "public"."ix_millicast_thumbnails_stream_captured"');
    await queryRunner.query('DROP TABLE "millicast_thumbnails"');
  }
}
