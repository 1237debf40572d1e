import { MigrationInterface, QueryRunner } from 'typeorm';

/** The SHA-256 of a body the inbox keeps only part of (a preview) or none of (a thumbnail's image). */
export class DeliveriesBodySha2561796291237195 implements MigrationInterface {
  name = 'DeliveriesBodySha2561796291237195';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "deliveries" ADD "body_sha256" bytea');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "deliveries" DROP COLUMN "body_sha256"');
  }
}
