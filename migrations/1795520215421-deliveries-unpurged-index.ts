import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeliveriesUnpurgedIndex1795520215421 implements MigrationInterface {
  name = 'DeliveriesUnpurgedIndex1795520215421';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "ix_deliveries_unpurged_received_at" ON "deliveries" ("received_at") WHERE "body" IS NOT NULL',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_deliveries_unpurged_received_at"');
  }
}
