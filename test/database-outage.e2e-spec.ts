import { Database } from 'src/database/database';
import { isDatabaseUnavailable } from 'src/database/db-errors';
import { PostgresServer } from './support/child-servers';
import { is2xx, LoadGenerator, mixedDelivery, sendOnce, tally, unstored2xx } from './support/load';
import { waitForBacklog } from './support/projection';
import { startTestAppOn, TestApp } from './support/test-app';

/**
 * The database really goes away: a Postgres server of this test's own (the shared test server keeps
 * running for the other files) is shut down while deliveries to every webhook route are being sent, and
 * started again. The app is not restarted.
 */
describe('when the Postgres server stops and restarts under load', () => {
  let pg: PostgresServer;
  let t: TestApp;

  beforeAll(async () => {
    pg = await PostgresServer.start();
    // Every Eyeson delivery here goes to one callback URL: its per-reference limit is not what is tested.
    const env = { DB_CONNECT_TIMEOUT_MS: '500', EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE: '0' };
    t = await startTestAppOn(pg.url, env, async () => undefined);
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await pg?.destroy();
  });

  it('has an invariant check that notices a 2xx for a delivery that is not stored', async () => {
    const request = mixedDelivery('never-sent', 0);
    const problems = await unstored2xx(t.db, [{ request, status: 200, body: { deliveryId: '1' }, ms: 1 }]);
    expect(problems).toEqual([expect.stringContaining('0 accepted inbox rows')]);
  });

  it('survives the server ending a session between two statements of a transaction', async () => {
    const db = t.app.get(Database);
    const failure = await db
      .transaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await t.db.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        // The server's FATAL message arrives while no statement is running on this connection.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('SELECT 1');
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(isDatabaseUnavailable(failure)).toBe(true);
    await t.http().get('/health/ready').expect(200);
  });

  it('answers 2xx only for committed deliveries, 503 for the rest, and recovers without a restart', async () => {
    const load = new LoadGenerator(
      () => t.baseUrl,
      (i) => mixedDelivery('outage', i),
      { concurrency: 6, max: 400, pauseMs: 5 },
    ).start();

    await load.answered(40);
    await pg.stop();
    const stoppedAt = load.outcomes.length;
    await load.answered(40); // keeps sending while the server is down
    const downWindow = load.outcomes.slice(stoppedAt);
    await pg.restart();
    await load.answered(60); // the pool reconnects by itself
    const outcomes = await load.stop();

    const counts = tally(outcomes);
    // Every answer is a 2xx or a prompt 503: no 500, no hang, no dropped connection.
    expect(Object.keys(counts).filter((k) => k !== '200' && k !== '503')).toEqual([]);
    expect(downWindow.filter((o) => o.status === 503).length).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => x.status === 503))
      expect(o.body).toMatchObject({ code: 'database-unavailable', status: 503 });
    // Promptly: bounded by the connect timeout (500 ms here), never a hung request.
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(3_000);
    // Recovered: the deliveries after the restart went through again.
    expect(outcomes.slice(-20).every(is2xx)).toBe(true);

    await waitForBacklog(t.baseUrl);
    expect(await unstored2xx(t.db, outcomes)).toEqual([]);

    // The senders retry what was refused: everything ends up stored exactly once.
    const retried = await Promise.all(
      outcomes.filter((o) => !is2xx(o)).map((o) => sendOnce(t.baseUrl, o.request)),
    );
    expect(tally(retried)).toEqual(retried.length > 0 ? { '200': retried.length } : {});
    const all = [...outcomes.filter(is2xx), ...retried];
    await waitForBacklog(t.baseUrl);
    expect(await unstored2xx(t.db, all)).toEqual([]);
    const { rows } = await t.db.query<{ events: number; accepted: number }>(
      `SELECT (SELECT count(*)::int FROM events) AS events,
              (SELECT count(*)::int FROM deliveries WHERE status = 'projected') AS accepted`,
    );
    expect(rows[0]).toEqual({ events: outcomes.length, accepted: outcomes.length });
  }, 60_000);
});
