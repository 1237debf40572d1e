import { MigrationInterface, QueryRunner } from 'typeorm';

export class PerculusSeenTokens1795518252048 implements MigrationInterface {
  name = 'PerculusSeenTokens1795518252048';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "perculus_seen_tokens" ("token_hash" bytea NOT NULL, "request_id" character varying(255) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_perculus_seen_tokens" PRIMARY KEY ("token_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_perculus_seen_tokens_expires_at" ON "perculus_seen_tokens" ("expires_at") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_perculus_seen_tokens_expires_at"');
    await queryRunner.query('DROP TABLE "perculus_seen_tokens"');
  }
}
