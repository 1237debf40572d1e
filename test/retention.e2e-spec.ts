import { Client } from 'pg';
import { ADVISORY_LOCK } from 'src/database/advisory-lock';
import { RetentionService } from 'src/retention/retention.service';
import { millicastThumbnailRequest, tinyJpeg } from './support/millicast-sender';
import { waitForProjection } from './support/projection';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

/** Every state and timeline table, fingerprinted: retention must leave them exactly as they were. */
async function stateFingerprint(t: TestApp): Promise<string[]> {
  const tables = ['sessions', 'recordings', 'measurements', 'measurement_samples', 'events'];
  return Promise.all(
    tables.map(async (table) => {
      const { rows } = await t.db.query<{ md5: string; n: number }>(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5, count(*)::int AS n FROM ${table} t`,
      );
      return `${table}:${rows[0].n}:${rows[0].md5}`;
    }),
  );
}

/** One delivery to every route (accepted) and one rejected delivery; returns the delivery ids. */
async function deliverSome(t: TestApp, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (const route of WEBHOOK_ROUTES) {
    const res = await send(t.baseUrl, route.signEvent(route.event(tag, 1)));
    expect(res.status).toBe(200);
    await waitForProjection(t.baseUrl, res);
    ids.push(String(res.body?.deliveryId));
  }
  const [wms] = WEBHOOK_ROUTES;
  const rejected = await send(t.baseUrl, wms.sign('{"not":"a wms event"}'));
  expect(rejected.status).toBe(422);
  ids.push(String(rejected.body?.deliveryId));
  return ids;
}

async function backdate(t: TestApp, ids: string[], days: number): Promise<void> {
  await t.db.query(
    `UPDATE deliveries SET received_at = now() - make_interval(days => $2) WHERE id = ANY($1)`,
    [ids, days],
  );
}

async function bodies(t: TestApp, ids: string[]) {
  const { rows } = await t.db.query<{ id: string; purged: boolean; has_body: boolean; body_size: number }>(
    `SELECT id, body_purged_at IS NOT NULL AS purged, body IS NOT NULL AS has_body, body_size
     FROM deliveries WHERE id = ANY($1) ORDER BY id`,
    [ids],
  );
  return rows;
}

describe('retention', () => {
  it('purges raw bodies older than INBOX_BODY_RETENTION_DAYS on its schedule, keeping rows, events and state', async () => {
    const t = await startTestApp({ INBOX_BODY_RETENTION_DAYS: '7', RETENTION_INTERVAL_SECONDS: '1' });
    try {
      const old = await deliverSome(t, 'old');
      const recent = await deliverSome(t, 'recent');
      await backdate(t, old, 8);
      await backdate(t, recent, 6);
      const state = await stateFingerprint(t);

      const deadline = Date.now() + 10_000;
      while ((await bodies(t, old)).some((b) => b.has_body) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      for (const b of await bodies(t, old)) expect(b).toMatchObject({ purged: true, has_body: false });
      for (const b of await bodies(t, old)) expect(b.body_size).toBeGreaterThan(0);
      for (const b of await bodies(t, recent)) expect(b).toMatchObject({ purged: false, has_body: true });
      expect(await stateFingerprint(t)).toEqual(state);
      const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries`);
      expect(rows[0].n).toBe(old.length + recent.length);
    } finally {
      await t.close();
    }
  });

  it('runs in one instance at a time: an instance that cannot take the lock does nothing', async () => {
    const t = await startTestApp({ INBOX_BODY_RETENTION_DAYS: '1' });
    const other = new Client({ connectionString: t.databaseUrl });
    await other.connect();
    try {
      const ids = await deliverSome(t, 'locked');
      await backdate(t, ids, 2);
      const retention = t.app.get(RetentionService);

      await other.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.retention]); // "another instance"
      expect(await retention.runOnce()).toEqual({ ran: false, bodiesPurged: 0, thumbnailsDeleted: 0 });
      expect((await bodies(t, ids)).every((b) => b.has_body)).toBe(true);

      await other.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.retention]);
      expect(await retention.runOnce()).toEqual({
        ran: true,
        bodiesPurged: ids.length,
        thumbnailsDeleted: 0,
      });
      expect(await retention.runOnce()).toEqual({ ran: true, bodiesPurged: 0, thumbnailsDeleted: 0 });
    } finally {
      await other.end();
      await t.close();
    }
  });

  it('deletes Millicast thumbnails older than THUMBNAIL_RETENTION_DAYS and keeps their timeline events', async () => {
    const t = await startTestApp({ THUMBNAIL_RETENTION_DAYS: '3' });
    try {
      const secret = TEST_ENV.MILLICAST_WEBHOOK_SECRETS;
      const sent = [];
      for (const [i, comment] of ['old', 'new'].entries()) {
        const request = millicastThumbnailRequest(
          tinyJpeg(comment),
          { streamId: 'ZG6NWV/retention', timestamp: 1_700_000_000_000 + i * 30_000, feedId: 'feed-r' },
          secret,
        );
        const res = await send(t.baseUrl, request);
        expect(res.status).toBe(200);
        await waitForProjection(t.baseUrl, res);
        sent.push(String(res.body?.deliveryId));
      }
      await t.db.query(
        `UPDATE millicast_thumbnails SET created_at = now() - interval '4 days' WHERE delivery_id = $1`,
        [sent[0]],
      );
      const state = await stateFingerprint(t);

      const run = await t.app.get(RetentionService).runOnce();
      expect(run).toEqual({ ran: true, bodiesPurged: 0, thumbnailsDeleted: 1 });
      const { rows } = await t.db.query<{ delivery_id: string }>(
        `SELECT delivery_id FROM millicast_thumbnails`,
      );
      expect(rows).toEqual([{ delivery_id: sent[1] }]);
      expect(await stateFingerprint(t)).toEqual(state);
    } finally {
      await t.close();
    }
  });

  it('keeps inbox bodies 90 days by default, then purges them', async () => {
    const t = await startTestApp();
    try {
      const kept = await deliverSome(t, 'default-kept');
      const old = await deliverSome(t, 'default-old');
      await backdate(t, kept, 89);
      await backdate(t, old, 91);
      const retention = t.app.get(RetentionService);
      expect(retention.enabled).toBe(true);
      expect(await retention.runOnce()).toMatchObject({ bodiesPurged: old.length, thumbnailsDeleted: 0 });
      expect((await bodies(t, kept)).every((b) => b.has_body && !b.purged)).toBe(true);
      expect((await bodies(t, old)).every((b) => !b.has_body && b.purged)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
