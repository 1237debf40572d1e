import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries per delivery: the status index keeps only deliveries that are not projected (what
 * listing and replay by status look for), and the event index only rows that have an event. A delivery's
 * insert and its projection then write three index entries fewer.
 */
export class LeanInboxIndexes1796300000000 implements MigrationInterface {
  name = 'LeanInboxIndexes1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_status_provider_id"');
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_unprojected" ON "deliveries" ("status", "provider", "id") WHERE "status" <> 'projected'`,
    );
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_event_id"');
    await queryRunner.query(
      'CREATE INDEX "ix_deliveries_event_id" ON "deliveries" ("event_id") WHERE "event_id" IS NOT NULL',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_event_id"');
    await queryRunner.query('CREATE INDEX "ix_deliveries_event_id" ON "deliveries" ("event_id")');
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_unprojected"');
    await queryRunner.query(
      'CREATE INDEX "ix_deliveries_status_provider_id" ON "deliveries" ("status", "provider", "id")',
    );
  }
}
