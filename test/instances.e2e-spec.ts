import { shuffled, stateSnapshot } from './support/state';
import { is2xx, sendOnce, tally, unstored2xx } from './support/load';
import { waitForBacklog } from './support/projection';
import { createTestDatabase, startTestApp, startTestAppOn, TestApp } from './support/test-app';
import { WebhookRequest, WEBHOOK_ROUTES } from './support/webhook-routes';
import { wmsMeasurementFlow } from './support/wms-sender';

/** Deliveries to every route: WMS measurement flows (state that depends on order) and events of the others. */
function deliveries(): WebhookRequest[] {
  const [wms, ...others] = WEBHOOK_ROUTES;
  const flows = ['multi-a', 'multi-b', 'multi-c'].flatMap((s, i) =>
    wmsMeasurementFlow(s, `${s}-m`, 1_700_000_000 + i * 100),
  );
  return [
    ...flows.map((e) => wms.signEvent({ ...e })),
    ...others.flatMap((route) =>
      Array.from({ length: 8 }, (_, n) => route.signEvent(route.event('multi', n))),
    ),
  ];
}

async function snapshots(t: TestApp): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    WEBHOOK_ROUTES.map(async (r) => [r.provider, await stateSnapshot(t.db, r.provider)] as const),
  );
  return Object.fromEntries(entries);
}

describe('several instances on one database', () => {
  it('boot together on an empty database: migrations run once, under a lock', async () => {
    const database = await createTestDatabase();
    const noDrop = async () => undefined;
    const boots = await Promise.allSettled([1, 2, 3].map(() => startTestAppOn(database.url, {}, noDrop)));
    const apps = boots.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []));
    try {
      expect(boots.map((b) => (b.status === 'rejected' ? String(b.reason) : 'booted'))).toEqual(
        Array(3).fill('booted'),
      );
      const { rows } = await apps[0].db.query<{ name: string }>(`SELECT name FROM schema_migrations`);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBe(new Set(rows.map((r) => r.name)).size);
      for (const t of apps) await t.http().get('/health/ready').expect(200);
    } finally {
      for (const t of apps) await t.close();
      await database.drop();
    }
  });

  it('store the same deliveries raced to two instances once each, with the state of a sequential run', async () => {
    const requests = deliveries();

    const sequential = await startTestApp();
    let expected: Record<string, unknown>;
    try {
      for (const request of requests) expect((await sendOnce(sequential.baseUrl, request)).status).toBe(200);
      await waitForBacklog(sequential.baseUrl);
      expected = await snapshots(sequential);
      for (const route of WEBHOOK_ROUTES) {
        const state = expected[route.provider] as { events: unknown[]; sessions: unknown[] };
        expect(state.events.length).toBeGreaterThan(0);
      }
    } finally {
      await sequential.close();
    }

    const database = await createTestDatabase();
    const one = await startTestAppOn(database.url, {}, async () => undefined);
    const two = await startTestAppOn(database.url, {}, database.drop);
    try {
      // Every delivery goes to both instances at the same moment; 16 deliveries in flight at a time, shuffled.
      const order = shuffled(requests, 7);
      const outcomes = [];
      for (let i = 0; i < order.length; i += 16) {
        const batch = order.slice(i, i + 16);
        outcomes.push(
          ...(await Promise.all(batch.flatMap((r) => [sendOnce(one.baseUrl, r), sendOnce(two.baseUrl, r)]))),
        );
      }
      expect(tally(outcomes)).toEqual({ '200': requests.length * 2 });
      expect(outcomes.filter((o) => o.body?.status === 'accepted')).toHaveLength(requests.length);
      await Promise.all([waitForBacklog(one.baseUrl), waitForBacklog(two.baseUrl)]);
      expect(await unstored2xx(one.db, outcomes.filter(is2xx))).toEqual([]);
      const { rows } = await one.db.query<{ events: number; accepted: number; duplicates: number }>(
        `SELECT (SELECT count(*)::int FROM events) AS events,
                (SELECT count(*)::int FROM deliveries WHERE status = 'projected') AS accepted,
                (SELECT sum(count)::int FROM delivery_duplicates) AS duplicates`,
      );
      expect(rows[0]).toEqual({
        events: requests.length,
        accepted: requests.length,
        duplicates: requests.length,
      });
      expect(await snapshots(one)).toEqual(expected);
    } finally {
      await one.close();
      await two.close();
    }
  }, 60_000);
});
