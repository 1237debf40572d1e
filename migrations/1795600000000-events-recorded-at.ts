import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each event was written, by the database's clock (see EventEntity.recordedAt). Added without a
 * default first, so that existing rows are not rewritten (they stay null: unknown), then given its default.
 */
export class EventsRecordedAt1795600000000 implements MigrationInterface {
  name = 'EventsRecordedAt1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "events" ADD "recorded_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "events" ALTER COLUMN "recorded_at" SET DEFAULT clock_timestamp()');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "events" DROP COLUMN "recorded_at"');
  }
}
