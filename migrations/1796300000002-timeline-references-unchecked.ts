import { MigrationInterface, QueryRunner } from 'typeorm';

/** A foreign key as these migrations drop it and (down) add it back: table, name, column, target, on delete. */
export type ForeignKey = readonly [string, string, string, string, 'RESTRICT' | 'CASCADE'];

export async function dropForeignKeys(queryRunner: QueryRunner, keys: readonly ForeignKey[]): Promise<void> {
  for (const [table, constraint] of keys)
    await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
}

export async function addForeignKeys(queryRunner: QueryRunner, keys: readonly ForeignKey[]): Promise<void> {
  for (const [table, constraint, column, referenced, onDelete] of keys) {
    await queryRunner.query(
      `ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" FOREIGN KEY ("${column}") REFERENCES "${referenced}"("id") ON DELETE ${onDelete} ON UPDATE NO ACTION`,
    );
  }
}

const CONSTRAINTS: readonly ForeignKey[] = [
  ['events', 'fk_events_session', 'session_id', 'sessions', 'RESTRICT'],
  ['events', 'fk_events_recording', 'recording_id', 'recordings', 'RESTRICT'],
  ['events', 'fk_events_measurement', 'measurement_id', 'measurements', 'RESTRICT'],
  ['deliveries', 'fk_deliveries_event', 'event_id', 'events', 'RESTRICT'],
];

/**
 * The per-delivery references (an event's session, recording and measurement; a delivery's event) are no
 * longer checked by foreign keys. Each check locks the referenced row (a WAL record per check);
 * pg_stat_statements in the ingest bench showed 47,153 checks inside the projection function (5.5 s of
 * statement time, lock waits included). The gain measured with the round's other write-path changes: Postgres
 * CPU per delivery fell from 530-600 to 440-495 µs (docs/benchmarks.md). The projection function is the only
 * writer of these columns, and sets them from the ids its own upserts returned in the same transaction;
 * nothing deletes sessions, recordings, measurements or events. (The state tables' own references follow in
 * *-state-references-unchecked.ts.)
 */
export class TimelineReferencesUnchecked1796300000002 implements MigrationInterface {
  name = 'TimelineReferencesUnchecked1796300000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await dropForeignKeys(queryRunner, CONSTRAINTS);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await addForeignKeys(queryRunner, CONSTRAINTS);
  }
}
