import { MigrationInterface, QueryRunner } from 'typeorm';
import { STORE_PENDING_FUNCTION } from './1796300000001-cached-write-plans';

/**
 * The request path's inbox insert is a statement again (INSERT_PENDING in src/ingestion/projection.sql.ts),
 * not the function `hooktrail_store_pending`. Alone, the function cost Postgres less per row (its plan is
 * kept); under the ingest bench's concurrency the same statement inside it took 8.6 ms a call against 1.1 ms
 * sent as text, and Postgres spent twice the CPU per re-sent delivery (pg_stat_statements and per-process
 * CPU, same run order, same machine). The projection function keeps its generic plans.
 */
export class InboxInsertAsStatement1796300000004 implements MigrationInterface {
  name = 'InboxInsertAsStatement1796300000004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION hooktrail_store_pending(text[], text[], timestamptz[], text[], text[], jsonb[], jsonb[], bytea[], boolean)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(STORE_PENDING_FUNCTION);
  }
}
