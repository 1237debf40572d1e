import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { Projector } from 'src/ingestion/projector';
import { parsePrometheus, sampleValue } from './support/prometheus';
import { waitForProjection } from './support/projection';
import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';
import { eventually } from './support/query-fixtures';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

/**
 * What a client and an operator see of the projection behind the acknowledgement: a delivery is `pending`
 * until the projector has taken it, and the backlog (count, age of the oldest) shows in /health/ready and
 * /metrics. The projector is held up for real: another transaction holds a lock the projection needs.
 */
describe('the projection backlog', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const delivery = async (id: string) =>
    (await t.http().get(`/api/deliveries/${id}`).set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200))
      .body as { status: string; eventId: string | null; processedAt: string | null };

  it('shows a delivery pending while the projector cannot write it, and projected once it can', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const locker = await t.db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN SHARE MODE'); // inserts of events wait
      const answer = await send(t.baseUrl, wms.signEvent(wms.event('held', 1)));
      expect(answer.body).toMatchObject({ status: 'accepted' });
      const id = String(answer.body?.deliveryId);

      // Acknowledged means stored: the row is there, pending, whatever the projector does.
      expect(await delivery(id)).toMatchObject({ status: 'pending', eventId: null, processedAt: null });
      const ready = (await t.http().get('/health/ready').expect(200)).body as {
        details: { inbox: { status: string; pending: number; oldestPendingSeconds: number } };
      };
      expect(ready.details.inbox).toMatchObject({ status: 'up', pending: 1 });
      expect(ready.details.inbox.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
      const m = parsePrometheus(
        (await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200)).text,
      );
      expect(sampleValue(m, 'hooktrail_inbox_pending', {})).toBe(1);
      expect(sampleValue(m, 'hooktrail_inbox_oldest_pending_seconds', {})).toBeGreaterThanOrEqual(0);

      await locker.query('ROLLBACK');
      const projected = await waitForProjection(t.baseUrl, answer);
      expect(projected).toMatchObject({ status: 'projected', eventId: expect.any(String) });
      expect(projected.processedAt).toEqual(expect.stringMatching(/Z$/));
      const after = (await t.http().get('/health/ready').expect(200)).body as {
        details: { inbox: { pending: number; oldestPendingSeconds: number } };
      };
      expect(after.details.inbox).toMatchObject({ pending: 0, oldestPendingSeconds: 0 });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
    }
  });

  it('answers a copy of a delivery that is being projected at once, without waiting for the projection', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const request = wms.signEvent(wms.event('copied-while-projected', 1));
    const locker = await t.db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN SHARE MODE'); // the projection waits with the row claimed
      const first = await send(t.baseUrl, request);
      expect(first.body).toMatchObject({ status: 'accepted' });
      const waiting = () =>
        t.db
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'events'::regclass`,
          )
          .then((r) => r.rows[0].n);
      expect(await eventually(waiting, (n) => n > 0, 10_000)).toBeGreaterThan(0);

      // The copy is counted on the claimed row: it is answered while the projection still waits.
      // Well within the held projection's statement timeout (5 s), which would end a wait for it.
      const copy = await send(t.baseUrl, request, 2_000);
      expect(copy.body).toMatchObject({ status: 'duplicate', deliveryId: first.body?.deliveryId });
      expect(await delivery(String(first.body?.deliveryId))).toMatchObject({ status: 'pending' });

      await locker.query('ROLLBACK');
      expect(await waitForProjection(t.baseUrl, first)).toMatchObject({ status: 'projected' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
    }
  });

  it('answers 404 problem+json for a delivery that does not exist, 400 for an id that cannot be one', async () => {
    const missing = await t
      .http()
      .get('/api/deliveries/987654321')
      .set('Authorization', `Bearer ${TEST_API_KEY}`)
      .expect(404);
    expect(missing.body).toMatchObject({ status: 404, code: 'not-found' });
    const bad = await t
      .http()
      .get('/api/deliveries/abc')
      .set('Authorization', `Bearer ${TEST_API_KEY}`)
      .expect(400);
    expect(bad.body).toMatchObject({ status: 400 });
  });

  it('marks a stored delivery its adapter cannot read as failed with the reason, and projects the others', async () => {
    const [wms] = WEBHOOK_ROUTES;
    // As if an older version had accepted it: pending, with a body the current code refuses.
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO deliveries (provider, idempotency_key, received_at, request_id, content_type, headers, context, body, body_size, status)
       VALUES ('wms', 'older-version:1', now(), 'older', 'application/json', '{}', '{}', '{"not":"wms"}', 13, 'pending')
       RETURNING id`,
    );
    const good = await send(t.baseUrl, wms.signEvent(wms.event('beside-a-bad-one', 1)));
    const failed = await waitForProjection(t.baseUrl, { status: 200, body: { deliveryId: rows[0].id } });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'validation-failed' } });
    expect(await waitForProjection(t.baseUrl, good)).toMatchObject({ status: 'projected' });
  });
});

describe('the projector under a large batch', () => {
  /** Reads a body `{"key": ...}` as a one-event plan, spending 1 ms of CPU on each, as a heavy mapping would. */
  class SlowAdapter implements WebhookAdapter<string> {
    readonly provider = 'wms' as const;
    readonly keptHeaders = [] as const;
    /** For each row mapped: whether a callback queued for the event loop's next turn at the first had run. */
    readonly turnTaken: boolean[] = [];
    private queued = false;
    private ran = false;
    decode(raw: RawDelivery): DecodeResult<string> {
      if (!this.queued) {
        this.queued = true;
        setImmediate(() => (this.ran = true));
      }
      const until = performance.now() + 1;
      while (performance.now() < until); // CPU, as a mapping does
      this.turnTaken.push(this.ran);
      return { ok: true, value: (JSON.parse(raw.body.toString()) as { key: string }).key };
    }
    plan(key: string): IngestPlan {
      return {
        idempotencyKey: key,
        event: { type: 'SLOW', known: true, occurredAt: new Date(), payload: {} },
      };
    }
  }

  it('lets the event loop take its turn while it maps a batch, so that requests are not held up', async () => {
    const t = await startTestApp();
    try {
      const adapter = new SlowAdapter();
      t.app.get(Projector).register(adapter);
      const { rows } = await t.db.query<{ id: string }>(
        `INSERT INTO deliveries (provider, idempotency_key, received_at, request_id, content_type, headers, context, body, body_size, status)
         SELECT 'wms', 'slow:' || g, now(), 'slow', 'application/json', '{}', '{}',
           convert_to('{"key":"slow:' || g || '"}', 'UTF8'), 20, 'pending'
         FROM generate_series(1, 40) g
         RETURNING id`,
      );
      for (const { id } of rows)
        expect(await waitForProjection(t.baseUrl, { status: 200, body: { deliveryId: id } })).toMatchObject({
          status: 'projected',
        });
      // One batch of 40 rows at 1 ms each: the event loop had turns before the last row was mapped.
      expect(adapter.turnTaken).toHaveLength(40);
      expect(adapter.turnTaken.at(-1)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
