import { MigrationInterface, QueryRunner } from 'typeorm';
import { PROJECT_FUNCTION } from './1796289808708-inbox-first';

const MARKING = `  RETURN QUERY
  UPDATE deliveries d SET status = 'projected', event_id = e.id, error = NULL, processed_at = clock_timestamp()
  FROM jsonb_to_recordset(input -> 'events') AS r(delivery_id bigint, provider text, idempotency_key text)
  JOIN events e ON e.provider = r.provider AND e.idempotency_key = r.idempotency_key
  WHERE d.id = r.delivery_id
  RETURNING d.id, d.event_id;`;

const MARKING_PLANNED_PER_BATCH = `  RETURN QUERY EXECUTE $marking$
  UPDATE deliveries d SET status = 'projected', event_id = e.id, error = NULL, processed_at = clock_timestamp()
  FROM jsonb_to_recordset($1 -> 'events') AS r(delivery_id bigint, provider text, idempotency_key text)
  JOIN events e ON e.provider = r.provider AND e.idempotency_key = r.idempotency_key
  WHERE d.id = r.delivery_id
  RETURNING d.id, d.event_id
  $marking$ USING input;`;

function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error('the statement to replace is not in the text once');
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/**
 * `hooktrail_project` with its last statement, the one marking inbox rows projected, planned at each batch
 * and always as lookups by key. It is the only statement of the function that reads stored rows through a
 * join (the others insert, reaching existing rows through their conflict index), and its plan went wrong two
 * ways in the ingest bench (auto_explain):
 *  - the function's plans are kept per connection (*-cached-write-plans.ts), so they were made on what the
 *    tables held at the connection's first batch: on a new database, nothing. The plan kept, a hash join over
 *    a sequential scan of events, took 10 ms of a 20 ms batch at 30k events, growing with the timeline;
 *  - planned afresh, the planner still prefers that hash join while events is a few thousand pages: it takes
 *    every batch for 100 rows (a set-returning function's default estimate) and values an index probe as a
 *    read from disk, where the batch's rows are a few recent pages in memory.
 * A batch is at most a few hundred rows and the timeline grows without end, so a lookup by key is the right
 * plan at every size: the function turns the planner's other choices off (they tip cost estimates only, and
 * only within the function's own statements), and the statement is planned at each batch (about 0.1 ms) so
 * that the index it looks up by is chosen on the tables' current sizes (on an empty table, one index on the
 * provider costs the same as the unique key, and a plan kept from then would scan a provider's whole timeline).
 * Replacing the function resets its settings: they are all set again here.
 */
export const PROJECT_FUNCTION_MARKING_PLANNED = replaceOnce(
  PROJECT_FUNCTION,
  MARKING,
  MARKING_PLANNED_PER_BATCH,
);

export class ProjectionMarkingPlannedPerBatch1796300000005 implements MigrationInterface {
  name = 'ProjectionMarkingPlannedPerBatch1796300000005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(PROJECT_FUNCTION_MARKING_PLANNED);
    await queryRunner.query(
      `ALTER FUNCTION hooktrail_project(jsonb) SET plan_cache_mode = force_generic_plan
       SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(PROJECT_FUNCTION);
    await queryRunner.query(
      'ALTER FUNCTION hooktrail_project(jsonb) SET plan_cache_mode = force_generic_plan',
    );
  }
}
