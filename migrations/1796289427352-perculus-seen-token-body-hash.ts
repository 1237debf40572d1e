import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Binds each Perculus token to its message's body as well as its `request_id`. Nullable: rows written
 * before this (alive for a few minutes at most) take the hash of the next delivery of their own
 * `request_id`.
 */
export class PerculusSeenTokenBodyHash1796289427352 implements MigrationInterface {
  name = 'PerculusSeenTokenBodyHash1796289427352';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "perculus_seen_tokens" ADD "body_hash" bytea');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "perculus_seen_tokens" DROP COLUMN "body_hash"');
  }
}
