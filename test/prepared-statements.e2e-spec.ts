import { Pool } from 'pg';
import { prepared, runQuery } from 'src/database/database';
import { createTestDatabase } from './support/test-app';

/**
 * Statements run on every delivery of a kind (a Perculus token claim, a Millicast thumbnail) are prepared
 * once per connection and then only executed. One connection, so every query below runs in the same
 * session and its prepared statements can be read back.
 */
describe('prepared statements (runQuery)', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 1 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const preparedNames = async () =>
    (
      await runQuery<{ name: string }>(pool, 'SELECT name FROM pg_prepared_statements ORDER BY name')
    ).rows.map((r) => r.name);

  it('prepares a named statement once on the connection and executes it with each call’s values', async () => {
    const statement = prepared('hooktrail_test_add_one', 'SELECT $1::int + 1 AS v');
    const first = await runQuery<{ v: number }>(pool, statement, [41]);
    const second = await runQuery<{ v: number }>(pool, statement, [1]);
    expect(first.rows).toEqual([{ v: 42 }]);
    expect(second.rows).toEqual([{ v: 2 }]);
    expect(await preparedNames()).toEqual(['hooktrail_test_add_one']);
    // The shared constant is not where pg keeps the values of a call.
    expect(statement).toEqual({ name: 'hooktrail_test_add_one', text: 'SELECT $1::int + 1 AS v' });
  });

  it('runs a plain statement without preparing it', async () => {
    const before = await preparedNames();
    const { rows } = await runQuery<{ v: string }>(pool, 'SELECT $1::text AS v', ['plain']);
    expect(rows).toEqual([{ v: 'plain' }]);
    expect(await preparedNames()).toEqual(before);
  });
});
