import { Client } from 'pg';
import { Database } from 'src/database/database';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { INSERT_DELIVERY } from 'src/ingestion/projection.sql';
import { Projector } from 'src/ingestion/projector';
import { webhookAdapter } from 'src/ingestion/webhook-adapters';
import { replayDeliveries } from 'src/replay/replay';
import { PgBouncer } from './support/pgbouncer';
import { waitForProjection } from './support/projection';
import { createTestDatabase, startTestAppOn, TestApp } from './support/test-app';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

/**
 * The service behind a real PgBouncer in transaction pooling mode, with fewer server sessions (2) than the
 * app's pool (10): every transaction may run on another session, so anything relying on session state
 * (a temporary function, a named prepared statement, a session-level lock) breaks here. Migrations, the
 * request path, the projector and replay all run through it; LISTEN is off, as it must be behind such a pooler.
 */
describe('behind PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  let database: { url: string; drop(): Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    bouncer = await PgBouncer.start(process.env.TEST_ADMIN_DATABASE_URL!, 2);
    database = await createTestDatabase();
    // Boots (and migrates) through the bouncer; assertions read the database directly.
    t = await startTestAppOn(
      bouncer.route(database.url),
      { PROJECTOR_LISTEN: 'false', PROJECTOR_POLL_MS: '50' },
      async () => undefined,
      database.url,
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await bouncer?.stop();
  });

  it('really pools by transaction', async () => {
    const admin = new Client({
      connectionString: bouncer.route(database.url).replace(/\/[^/]*$/, '/pgbouncer'),
    });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ key: string; value: string }>('SHOW CONFIG');
      const config = Object.fromEntries(rows.map((r) => [r.key, r.value]));
      expect({ pool_mode: config.pool_mode, default_pool_size: config.default_pool_size }).toEqual({
        pool_mode: 'transaction',
        default_pool_size: '2',
      });
    } finally {
      await admin.end();
    }
  });

  it('acknowledges, de-duplicates and projects concurrent deliveries of every provider', async () => {
    const requests = WEBHOOK_ROUTES.flatMap((route) =>
      Array.from({ length: 6 }, (_, n) => route.signEvent(route.event('bouncer', n))),
    );
    const answers = await Promise.all([...requests, ...requests.slice(0, 4)].map((r) => send(t.baseUrl, r)));
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(200));
    expect(answers.filter((a) => a.body?.status === 'accepted')).toHaveLength(requests.length);
    const views = await Promise.all(answers.map((a) => waitForProjection(t.baseUrl, a)));
    expect(views.every((v) => v.status === 'projected' && v.eventId !== null)).toBe(true);
    const eventIds = [...new Set(views.map((v) => v.eventId))];
    expect(eventIds).toHaveLength(requests.length);
    const { rows } = await t.db.query<{ events: number }>(
      `SELECT count(*)::int AS events FROM events WHERE id = ANY($1::bigint[])`,
      [eventIds],
    );
    expect(rows[0].events).toBe(requests.length);
  });

  it('replays a stored delivery through the projector', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const request = wms.signEvent(wms.event('bouncer-replay', 1));
    const { rows } = await t.db.query<{ id: string }>(INSERT_DELIVERY, [
      'wms',
      new Date(),
      'bouncer-replay',
      'application/json',
      '{}',
      '{}',
      request.body,
      request.body.length,
      'rejected',
      JSON.stringify({ code: 'validation-failed', detail: 'refused by an older version' }),
      null,
    ]);
    const summary = await replayDeliveries(
      {
        db: t.app.get(Database),
        ingestion: t.app.get(IngestionService),
        projector: t.app.get(Projector),
        adapter: webhookAdapter(t.app, 'wms'),
      },
      { provider: 'wms', statuses: ['rejected'], since: new Date('2000-01-01'), dryRun: false },
    );
    expect(summary).toMatchObject({ selected: 1, accepted: 1 });
    const delivery = await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [rows[0].id]);
    expect(delivery.rows).toEqual([{ status: 'projected' }]);
  });

  it('boots a second instance through it (the migration lock does not outlive its transaction)', async () => {
    const second = await startTestAppOn(
      bouncer.route(database.url),
      { PROJECTOR_LISTEN: 'false' },
      async () => undefined,
      database.url,
    );
    try {
      await second.http().get('/health/ready').expect(200);
    } finally {
      await second.close();
    }
  });
});
