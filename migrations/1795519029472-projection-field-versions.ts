import { MigrationInterface, QueryRunner } from 'typeorm';

export class ProjectionFieldVersions1795519029472 implements MigrationInterface {
  name = 'ProjectionFieldVersions1795519029472';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "sessions" ADD "field_versions" jsonb NOT NULL DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "measurements" ADD "field_versions" jsonb NOT NULL DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "recordings" ADD "field_versions" jsonb NOT NULL DEFAULT \'{}\'');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "recordings" DROP COLUMN "field_versions"');
    await queryRunner.query('ALTER TABLE "measurements" DROP COLUMN "field_versions"');
    await queryRunner.query('ALTER TABLE "sessions" DROP COLUMN "field_versions"');
  }
}
