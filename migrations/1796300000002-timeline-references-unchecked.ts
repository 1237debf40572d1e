import { MigrationInterface, QueryRunner } from 'typeorm';

const CONSTRAINTS = [
  ['events', 'fk_events_session', 'session_id', 'sessions'],
  ['events', 'fk_events_recording', 'recording_id', 'recordings'],
  ['events', 'fk_events_measurement', 'measurement_id', 'measurements'],
  ['deliveries', 'fk_deliveries_event', 'event_id', 'events'],
] as const;

/**
 * The per-delivery references (an event's session, recording and measurement; a delivery's event) are no
 * longer checked by foreign keys. Each check locked the referenced row (a WAL record per check) and was
 * most of the projection function's time: 47,153 checks took 5.5 s of its 8.5 s in the ingest bench
 * (pg_stat_statements). The projection function is the only writer of these columns, and sets them from the
 * ids its own upserts returned in the same transaction; nothing deletes sessions, recordings, measurements
 * or events. (The state tables' own references follow in *-state-references-unchecked.ts.)
 */
export class TimelineReferencesUnchecked1796300000002 implements MigrationInterface {
  name = 'TimelineReferencesUnchecked1796300000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, constraint] of CONSTRAINTS)
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, constraint, column, referenced] of CONSTRAINTS) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" FOREIGN KEY ("${column}") REFERENCES "${referenced}"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
    }
  }
}
