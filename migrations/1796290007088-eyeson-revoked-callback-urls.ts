import { MigrationInterface, QueryRunner } from 'typeorm';

export class EyesonRevokedCallbackUrls1796290007088 implements MigrationInterface {
  name = 'EyesonRevokedCallbackUrls1796290007088';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "eyeson_revoked_callback_urls" ("token_hash" bytea NOT NULL, "reference" character varying(128) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_eyeson_revoked_callback_urls" PRIMARY KEY ("token_hash"))',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "eyeson_revoked_callback_urls"');
  }
}
