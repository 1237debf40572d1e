import { Client, type PoolClient } from 'pg';
import { PROJECT_BATCH } from 'src/ingestion/projection.sql';
import { deliveriesStatement } from 'src/query/deliveries/deliveries.service';
import { feedStatement, timelineStatement } from 'src/query/events/events.service';
import { projectionPageStatement } from 'src/query/projection-page';
import { sessionPageSpec } from 'src/query/sessions/sessions.service';
import type { SqlStatement } from 'src/query/query-sql';
import { startTestApp, TestApp } from './support/test-app';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Parent Relationship'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The query API's hot pages must be index scans in the page's own order (no sort of a session's or the
 * feed's whole history). The statements are the ones the services run, built by the same functions.
 */
describe('query plans', () => {
  let t: TestApp;
  let sessionId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const { rows } = await t.db.query<{ id: string }>(
      "INSERT INTO sessions (provider, external_id) SELECT 'wms', 'plan-' || g FROM generate_series(1, 20) g RETURNING id",
    );
    sessionId = rows[0].id;
    await t.db.query(
      `INSERT INTO events (provider, idempotency_key, type, known, occurred_at, sequence, received_at, session_id, payload)
       SELECT CASE WHEN g % 2 = 0 THEN 'wms' ELSE 'millicast' END, 'plan-' || g, 'TYPE_' || (g % 10), true,
              now() - g * interval '1 second', g % 7, now(), $1::bigint + (g % 20), '{}'
       FROM generate_series(1, 20000) g`,
      [sessionId],
    );
    await t.db.query(
      `INSERT INTO deliveries (provider, received_at, request_id, headers, context, body, body_size, status, processed_at)
       SELECT 'wms', now(), 'r' || g, '{}', '{}', '\\x7b7d', 2, CASE WHEN g % 50 = 0 THEN 'rejected' WHEN g % 89 = 0 THEN 'failed'
         WHEN g % 97 = 0 THEN 'pending' ELSE 'projected' END, now()
       FROM generate_series(1, 5000) g`,
    );
    await t.db.query(
      `INSERT INTO sessions (provider, external_id, status, updated_at, started_at)
       SELECT CASE WHEN g % 10 = 0 THEN 'wms' ELSE 'perculus' END, 'many-' || g,
              CASE WHEN g % 10 = 0 THEN 'finished' ELSE 'started' END, now() - g * interval '1 second',
              TIMESTAMPTZ '2024-05-01T00:00:00Z' - (g - 2500) * interval '1 hour'
       FROM generate_series(1, 5000) g`,
    );
    await t.db.query('ANALYZE sessions');
    await t.db.query('ANALYZE events');
    await t.db.query('ANALYZE deliveries');
  });
  afterAll(async () => {
    await t.close();
  });

  async function explain(statement: SqlStatement): Promise<PlanNode[]> {
    const client: PoolClient = await t.db.connect();
    try {
      await client.query('BEGIN');
      // The test tables are far smaller than production's millions of rows, where a sequential scan of
      // events is never the cheaper plan; without this the planner may pick one here because the whole
      // table fits in a few pages. It only tips cost estimates, it cannot make an unusable index usable.
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (FORMAT JSON) ${statement.text}`,
        statement.values,
      );
      return nodes(rows[0]['QUERY PLAN'][0].Plan);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  /**
   * What the page's LIMIT (the outermost one: subqueries such as the feed's `since` bound have their own)
   * reads from: the node right under it. An index scan there means the page is the first rows of the index
   * range, in index order; a Sort there would mean sorting every match.
   */
  const pageSource = (plan: PlanNode[]) =>
    plan
      .filter((n) => n['Node Type'] === 'Limit')
      .slice(0, 1)
      .flatMap((n) => (n.Plans ?? []).filter((c) => c['Parent Relationship'] === 'Outer'))
      .map((n) => ({ node: n['Node Type'], index: n['Index Name'] }));
  const seqScansOf = (plan: PlanNode[], table: string) =>
    plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === table);

  it.each([
    ['the first page', undefined as string | undefined],
    ['a later page', Buffer.from(`["timeline","1714564800000000","3","12345"]`).toString('base64url')],
    [
      'a later page after an event without sequence',
      Buffer.from(`["timeline","1714564800000000",null,"12345"]`).toString('base64url'),
    ],
  ])(
    'reads %s of a session timeline from ix_events_session_timeline, without sorting',
    async (_name, cursor) => {
      const plan = await explain(timelineStatement(sessionId, { limit: 50, cursor }));
      expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index: 'ix_events_session_timeline' }]);
      expect(seqScansOf(plan, 'events')).toEqual([]);
    },
  );

  it.each([
    ['the first page', {}],
    ['a later page', { cursor: Buffer.from('["events","754","1001"]').toString('base64url') }],
    ['a page for one provider since a time', { provider: 'wms', since: '2024-05-01T00:00:00Z' }],
  ])('reads %s of the event feed from ix_events_feed', async (_name, filters) => {
    const plan = await explain(feedStatement({ limit: 50, ...filters }));
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index: 'ix_events_feed' }]);
    expect(seqScansOf(plan, 'events')).toEqual([]);
  });

  it('starts a feed page since a time from a tx_id bound found in ix_events_feed, and uses it as an index condition', async () => {
    const plan = await explain(feedStatement({ limit: 50, since: '2024-05-01T00:00:00Z' }));
    const limit = plan.find((n) => n['Node Type'] === 'Limit');
    const page = limit?.Plans?.find((c) => c['Parent Relationship'] === 'Outer');
    expect(page).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'ix_events_feed' });
    expect(page?.['Index Cond']).toMatch(/tx_id >= \(InitPlan \d+\)/);
    // Every probe of the bound's search is a lookup in the same index, never a scan of the table.
    expect(seqScansOf(plan, 'events')).toEqual([]);
    expect(plan.filter((n) => n['Relation Name'] === 'events' && !n['Index Name'])).toEqual([]);
  });

  it('reads a feed page for one provider and type from ix_events_provider_type_feed', async () => {
    const plan = await explain(
      feedStatement({
        limit: 50,
        provider: 'wms',
        type: 'TYPE_2',
        cursor: Buffer.from('["events","754","1001"]').toString('base64url'),
      }),
    );
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index: 'ix_events_provider_type_feed' }]);
  });

  it.each([
    ['rejected', 'ix_deliveries_unprojected'],
    ['failed', 'ix_deliveries_unprojected'],
    ['pending', 'ix_deliveries_pending'],
  ] as const)('reads %s deliveries of a provider from %s', async (status, index) => {
    const plan = await explain(deliveriesStatement({ limit: 50, status, provider: 'wms' }));
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index }]);
  });

  const horizon = String(Date.now() * 1000);
  // Halfway through the sessions' changes (one a second over the last 5000 seconds).
  const changesCursor = Buffer.from(
    `["sessions:updated","${(Date.now() - 2_500_000) * 1000}","42"]`,
  ).toString('base64url');
  it.each([
    ['all changes', 'ix_sessions_updated', {}],
    ['the changes of one provider', 'ix_sessions_provider_updated', { provider: 'wms' }],
    ['the changes in one status', 'ix_sessions_status_updated', { status: 'finished' }],
  ])('reads a later page of %s since a time from %s', async (_name, index, filters) => {
    const spec = sessionPageSpec({
      limit: 50,
      updatedSince: '2024-05-01T00:00:00Z',
      cursor: changesCursor,
      ...filters,
    });
    const plan = await explain(projectionPageStatement(spec, horizon));
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index }]);
  });

  it.each([
    ['the first page before a start', { startedBefore: '2024-05-01T00:00:00Z' }],
    ['the first page after a start', { startedAfter: '2024-05-01T00:00:00Z' }],
    [
      'a later page of a start range',
      {
        startedAfter: '2024-01-01T00:00:00Z',
        startedBefore: '2024-05-01T00:00:00Z',
        cursor: Buffer.from('["sessions:started","1709251200000000","42"]').toString('base64url'),
      },
    ],
  ])('reads %s of sessions backwards from ix_sessions_started', async (_name, filters) => {
    const plan = await explain(projectionPageStatement(sessionPageSpec({ limit: 50, ...filters }), null));
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index: 'ix_sessions_started' }]);
    const scan = plan.find((n) => n['Index Name'] === 'ix_sessions_started');
    expect(scan?.['Scan Direction']).toBe('Backward');
  });

  it('reads a later page of the newest sessions backwards from the primary key', async () => {
    const spec = sessionPageSpec({
      limit: 50,
      cursor: Buffer.from('["sessions:id","4000"]').toString('base64url'),
    });
    const plan = await explain(projectionPageStatement(spec, null));
    expect(pageSource(plan)).toEqual([{ node: 'Index Scan', index: expect.stringMatching(/^PK_/) }]);
  });
});

/**
 * The projection function's plans are made once per connection and kept (plan_cache_mode =
 * force_generic_plan), so they are made on whatever the tables held then: on a new database, nothing. Every
 * statement must still reach stored rows through an index once the tables have grown, or each batch reads the
 * whole timeline (the ingest bench saw the marking statement scan all of events, 10 ms a batch at 30k rows).
 */
describe('projection function plans', () => {
  let t: TestApp;
  let client: Client;

  beforeAll(async () => {
    t = await startTestApp();
    client = new Client({ connectionString: t.databaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await t.close();
  });

  it('reaches events and deliveries by index after they grew, with plans made when they were empty', async () => {
    const batch = JSON.stringify({ sessions: [], recordings: [], measurements: [], samples: [], events: [] });
    await client.query(PROJECT_BATCH, [batch]);
    await client.query(
      `INSERT INTO events (provider, idempotency_key, type, known, occurred_at, received_at, payload)
       SELECT 'wms', 'grown-' || g, 'T', true, now(), now(), '{}' FROM generate_series(1, 20000) g`,
    );
    await client.query(
      `INSERT INTO deliveries (provider, idempotency_key, received_at, request_id, headers, context, body, body_size, status)
       SELECT 'wms', 'grown-' || g, now(), 'r' || g, '{}', '{}', '\\x7b7d', 2, 'pending' FROM generate_series(1, 20000) g`,
    );
    // auto_explain sends each statement's plan to this client as a LOG message, the function's own included.
    const plans: PlanNode[][] = [];
    client.on('notice', (notice) => {
      const json = /plan:\s*(\{[\s\S]*\})\s*$/.exec(notice.message ?? '')?.[1];
      if (json) plans.push(nodes((JSON.parse(json) as { Plan: PlanNode }).Plan));
    });
    await client.query(`LOAD 'auto_explain'`);
    await client.query(
      `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
       SET auto_explain.log_format = json; SET client_min_messages = log`,
    );
    // A replay of one stored event: the insert finds it stored, the marking statement looks it up.
    const at = new Date().toISOString();
    const events = [
      {
        o: 0,
        delivery_id: '1',
        provider: 'wms',
        idempotency_key: 'grown-1',
        type: 'T',
        known: true,
        occurred_at: at,
        received_at: at,
        payload: {},
      },
    ];
    await client.query(PROJECT_BATCH, [JSON.stringify({ ...JSON.parse(batch), events })]);
    await client.query('SET client_min_messages = notice');

    const marking = plans.find(
      (plan) => plan[0]['Node Type'] === 'ModifyTable' && plan[0]['Relation Name'] === 'deliveries',
    );
    expect(marking).toBeDefined();
    const tableReads = plans.flat().filter((n) => n['Relation Name'] && n['Node Type'] !== 'ModifyTable');
    expect(tableReads.map((n) => `${n['Node Type']} on ${n['Relation Name']}`)).not.toContainEqual(
      expect.stringMatching(/^Seq Scan/),
    );
    expect(marking?.map((n) => n['Index Name'])).toContain('uq_events_provider_idempotency_key');
  });
});
