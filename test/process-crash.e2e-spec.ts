import { Pool } from 'pg';
import { ServiceProcess } from './support/child-servers';
import { is2xx, LoadGenerator, mixedDelivery, sendOnce, tally, unstored2xx } from './support/load';
import { waitForBacklog } from './support/projection';
import { createTestDatabase } from './support/test-app';

/**
 * The real service (src/main.ts in a child process) is killed with SIGKILL while deliveries to every
 * webhook route are in flight, then started again on the same port and database.
 */
describe('when the service process is killed under load', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Pool;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Pool({ connectionString: database.url, max: 2 });
    db.on('error', () => undefined); // see startTestAppOn: a connection may still be closing at the drop
  });

  afterAll(async () => {
    await service?.kill();
    await db.end();
    await database.drop();
  });

  it('never answered 2xx for a delivery it had not committed, and loses nothing a sender retries', async () => {
    // One Eyeson callback URL carries all of that provider's deliveries: no per-reference limit here.
    const env = { EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE: '0' };
    const first = await ServiceProcess.start(database.url, env);
    service = first;
    const port = new URL(first.baseUrl).port;
    const load = new LoadGenerator(
      () => first.baseUrl,
      (i) => mixedDelivery('crash', i),
      { concurrency: 8, max: 1200, backoffMs: 250 },
    ).start();

    await load.answered(60);
    const ackedBeforeKill = load.outcomes.filter(is2xx).length;
    await first.kill(); // kill -9 with requests in flight
    await load.answered(10); // refused while it is down
    service = await ServiceProcess.start(database.url, env, Number(port));
    await load.answered(40);
    const outcomes = await load.stop();

    const counts = tally(outcomes);
    expect(outcomes.length).toBeLessThan(1200); // it did not run out of deliveries while the service was down
    expect(Object.keys(counts).filter((k) => k !== '200' && k !== 'no answer')).toEqual([]);
    expect(counts['no answer']).toBeGreaterThan(0);
    expect(outcomes.slice(-10).every(is2xx)).toBe(true);
    // Acknowledged before the kill, possibly not yet projected then: the restarted service projects them.
    await waitForBacklog(service.baseUrl);
    expect(await unstored2xx(db, outcomes.filter(is2xx).slice(0, ackedBeforeKill))).toEqual([]);
    expect(await unstored2xx(db, outcomes)).toEqual([]);

    // Senders retry what got no answer: each delivery ends up applied exactly once.
    const retried = await Promise.all(
      outcomes.filter((o) => !is2xx(o)).map((o) => sendOnce(service!.baseUrl, o.request)),
    );
    expect(tally(retried)).toEqual({ '200': retried.length });
    await waitForBacklog(service.baseUrl);
    expect(await unstored2xx(db, [...outcomes.filter(is2xx), ...retried])).toEqual([]);
    const { rows } = await db.query<{ events: number; accepted: number }>(
      `SELECT (SELECT count(*)::int FROM events) AS events,
              (SELECT count(*)::int FROM deliveries WHERE status = 'projected') AS accepted`,
    );
    expect(rows[0]).toEqual({ events: outcomes.length, accepted: outcomes.length });
  }, 90_000);
});
