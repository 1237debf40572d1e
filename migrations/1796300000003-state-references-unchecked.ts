import { MigrationInterface, QueryRunner } from 'typeorm';
import { addForeignKeys, dropForeignKeys, ForeignKey } from './1796300000002-timeline-references-unchecked';

const CONSTRAINTS: readonly ForeignKey[] = [
  ['sessions', 'fk_sessions_parent', 'parent_id', 'sessions', 'RESTRICT'],
  ['recordings', 'fk_recordings_session', 'session_id', 'sessions', 'RESTRICT'],
  ['measurements', 'fk_measurements_session', 'session_id', 'sessions', 'RESTRICT'],
  ['measurement_samples', 'fk_measurement_samples_measurement', 'measurement_id', 'measurements', 'CASCADE'],
];

/**
 * The state tables' references are no longer foreign keys either (see *-timeline-references-unchecked.ts).
 * A row that a batch inserts and then updates in a later round is checked again at each round (Postgres
 * re-checks a row inserted by the same transaction even when the key did not change): 11,802 checks and 4.6 s
 * of statement time (lock waits included) in the ingest bench's pg_stat_statements. The projection function is the only
 * writer of these columns and sets them from the ids its own upserts returned; nothing deletes sessions or
 * measurements. What stays a foreign key is what the request path writes: thumbnails and duplicate counts,
 * which belong to their inbox row.
 */
export class StateReferencesUnchecked1796300000003 implements MigrationInterface {
  name = 'StateReferencesUnchecked1796300000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await dropForeignKeys(queryRunner, CONSTRAINTS);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await addForeignKeys(queryRunner, CONSTRAINTS);
  }
}
