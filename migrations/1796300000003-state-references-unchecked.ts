import { MigrationInterface, QueryRunner } from 'typeorm';

const CONSTRAINTS = [
  ['sessions', 'fk_sessions_parent', 'parent_id', 'sessions', 'RESTRICT'],
  ['recordings', 'fk_recordings_session', 'session_id', 'sessions', 'RESTRICT'],
  ['measurements', 'fk_measurements_session', 'session_id', 'sessions', 'RESTRICT'],
  ['measurement_samples', 'fk_measurement_samples_measurement', 'measurement_id', 'measurements', 'CASCADE'],
] as const;

/**
 * The state tables' references are no longer foreign keys either (see *-timeline-references-unchecked.ts).
 * A row that a batch inserts and then updates in a later round is checked again at each round (Postgres
 * re-checks a row inserted by the same transaction even when the key did not change): 11,802 checks took
 * 4.6 s in the ingest bench, as much as marking the deliveries projected. The projection function is the only
 * writer of these columns and sets them from the ids its own upserts returned; nothing deletes sessions or
 * measurements. What stays a foreign key is what the request path writes: thumbnails and duplicate counts,
 * which belong to their inbox row.
 */
export class StateReferencesUnchecked1796300000003 implements MigrationInterface {
  name = 'StateReferencesUnchecked1796300000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, constraint] of CONSTRAINTS)
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, constraint, column, referenced, onDelete] of CONSTRAINTS) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" FOREIGN KEY ("${column}") REFERENCES "${referenced}"("id") ON DELETE ${onDelete} ON UPDATE NO ACTION`,
      );
    }
  }
}
