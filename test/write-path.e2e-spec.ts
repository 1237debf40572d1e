import { Client } from 'pg';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { INBOX_CHANNEL } from 'src/ingestion/projection.sql';
import type {
  DecodeResult,
  IngestOutcome,
  IngestPlan,
  Queryable,
  RawDelivery,
  WebhookAdapter,
} from 'src/ingestion/ingestion.types';
import { Projector } from 'src/ingestion/projector';
import { waitForBacklog, waitForDelivery } from './support/projection';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The write path: group commit of the inbox (src/ingestion/group-commit.ts) and the projector behind it
 * (src/ingestion/projector.ts). These tests go straight to IngestionService.ingest with plans (decode is a
 * lookup; the projector is given the same adapter), so that a burst lands in few batches and the result
 * can be compared with the same plans applied one at a time.
 */
class PlanAdapter implements WebhookAdapter<number> {
  readonly provider = 'wms' as const;
  readonly keptHeaders = [] as const;
  constructor(private readonly plans: IngestPlan[]) {}
  decode(raw: RawDelivery): DecodeResult<number> {
    return { ok: true, value: Number(raw.body.toString()) };
  }
  plan(index: number): IngestPlan {
    return this.plans[index];
  }
}

const RECEIVED = new Date('2026-03-01T00:00:00Z');
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

const raw = (index: number): RawDelivery => ({
  provider: 'wms',
  receivedAt: RECEIVED,
  requestId: `req-${index}`,
  contentType: 'application/json',
  headers: { 'content-type': 'application/json' },
  context: {},
  body: Buffer.from(String(index)),
});

/** A deterministic shuffle (the same order on every run). */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Events of a few sessions that share rows: feeds under streams (parents), recordings and measurements of
 * the same sessions, samples, statuses of every rank, attributes that overlap; several events per row, so a
 * batch has to write the same row more than once.
 */
function workload(): IngestPlan[] {
  const plans: IngestPlan[] = [];
  for (let i = 0; i < 48; i++) {
    const stream = `stream-${i % 3}`;
    const feed = `feed-${i % 6}`;
    const measurement = `m-${i % 4}`;
    const recording = `r-${i % 5}`;
    plans.push({
      idempotencyKey: `k-${i}`,
      event: {
        type: `TYPE_${i % 7}`,
        known: i % 11 !== 0,
        severity: i % 9 === 0 ? 'WARN' : 'INFO',
        occurredAt: at(1000 - ((i * 37) % 97)),
        sequence: i % 5 === 0 ? null : i,
        payload: { i, note: `event ${i}` },
        sessionExternalId: feed,
        recordingExternalId: i % 2 === 0 ? recording : undefined,
        measurementExternalId: i % 3 === 0 ? measurement : undefined,
      },
      sessions: [
        {
          externalId: feed,
          kind: i % 4 === 0 ? 'feed' : undefined,
          parentExternalId: stream,
          status: { value: ['live', 'ended', 'failed'][i % 3], rank: i % 3 },
          startedAt: at(900 + (i % 13)),
          endedAt: i % 3 === 1 ? at(1100 + i) : null,
          attributes: { [`a${i % 3}`]: i, shared: `from ${i}` },
        },
      ],
      recordings:
        i % 2 === 0
          ? [
              {
                externalId: recording,
                sessionExternalId: feed,
                kind: 'clip',
                status: { value: i % 4 === 0 ? 'completed' : 'recording', rank: i % 4 === 0 ? 2 : 1 },
                durationMs: i % 4 === 0 ? 1000 * i : null,
                url: i % 8 === 0 ? `https://cdn.example/${i}` : undefined,
                attributes: { size: i },
              },
            ]
          : [],
      measurements:
        i % 3 === 0
          ? [
              {
                externalId: measurement,
                sessionExternalId: feed,
                status: { value: 'started', rank: 1 },
                startedAt: at(950 + i),
              },
            ]
          : [],
      samples:
        i % 3 === 0 ? [{ measurementExternalId: measurement, series: 'snr', sequence: i, value: i / 3 }] : [],
    });
  }
  return plans;
}

/** Everything the plans wrote, by external ids (row ids and write times differ between runs). */
async function state(t: TestApp): Promise<unknown> {
  const q = async (sql: string) => (await t.db.query(sql)).rows;
  const projection = `provider, external_id, status, status_rank, status_version, version, field_versions, started_at, ended_at,
    attributes, first_event_at, last_event_at`;
  return {
    sessions:
      await q(`SELECT ${projection}, kind, (SELECT external_id FROM sessions p WHERE p.id = s.parent_id) AS parent
      FROM sessions s ORDER BY external_id`),
    recordings: await q(`SELECT ${projection}, kind, duration_ms, size_bytes, url, url_expires_at, error,
      (SELECT external_id FROM sessions p WHERE p.id = r.session_id) AS session FROM recordings r ORDER BY external_id`),
    measurements:
      await q(`SELECT ${projection}, (SELECT external_id FROM sessions p WHERE p.id = m.session_id) AS session
      FROM measurements m ORDER BY external_id`),
    samples:
      await q(`SELECT m.external_id, x.series, x.sequence, x.value, x.occurred_at FROM measurement_samples x
      JOIN measurements m ON m.id = x.measurement_id ORDER BY 1, 2, 3`),
    events:
      await q(`SELECT e.idempotency_key, e.type, e.known, e.severity, e.occurred_at, e.sequence, e.received_at, e.payload,
      s.external_id AS session, r.external_id AS recording, m.external_id AS measurement
      FROM events e LEFT JOIN sessions s ON s.id = e.session_id LEFT JOIN recordings r ON r.id = e.recording_id
      LEFT JOIN measurements m ON m.id = e.measurement_id ORDER BY e.idempotency_key`),
    deliveries:
      await q(`SELECT d.request_id, d.status, d.body, d.headers, x.count AS duplicates, e.idempotency_key
      FROM deliveries d LEFT JOIN events e ON e.id = d.event_id LEFT JOIN delivery_duplicates x ON x.delivery_id = d.id
      ORDER BY d.request_id`),
  };
}

/**
 * The references the projection sets (not foreign keys: an event's session, recording and measurement, a
 * delivery's event, a session's parent, a recording's or measurement's session, a sample's measurement): how
 * many are set, and how many point at no row.
 */
async function references(t: TestApp): Promise<Array<{ reference: string; set: number; dangling: number }>> {
  const check = (table: string, column: string, target: string) =>
    `SELECT '${table}.${column}' AS reference, count(x.${column})::int AS set,
       count(x.${column}) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${target} y WHERE y.id = x.${column}))::int AS dangling
     FROM ${table} x`;
  const { rows } = await t.db.query(
    [
      check('events', 'session_id', 'sessions'),
      check('events', 'recording_id', 'recordings'),
      check('events', 'measurement_id', 'measurements'),
      check('deliveries', 'event_id', 'events'),
      check('sessions', 'parent_id', 'sessions'),
      check('recordings', 'session_id', 'sessions'),
      check('measurements', 'session_id', 'sessions'),
      check('measurement_samples', 'measurement_id', 'measurements'),
    ].join(' UNION ALL '),
  );
  return rows;
}

/** A test app whose projector reads `wms` deliveries with `adapter`. */
async function appWith(adapter: WebhookAdapter<number>): Promise<TestApp> {
  const t = await startTestApp();
  t.app.get(Projector).register(adapter);
  return t;
}

describe('write path', () => {
  const plans = workload();
  const adapter = new PlanAdapter(plans);

  it('projects a concurrent burst exactly as applying its deliveries one at a time does', async () => {
    const [batched, oneByOne] = await Promise.all([appWith(adapter), appWith(adapter)]);
    try {
      const ingestion = batched.app.get(IngestionService);
      const projector = batched.app.get(Projector);
      const order = shuffled(plans.map((_p, i) => i));
      const before = { ...ingestion.groupCommit.stats };
      const projectedBefore = { ...projector.stats };
      const outcomes = await Promise.all(order.map((i) => ingestion.ingest(adapter, raw(i))));
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(plans.length).fill('accepted'));
      // The burst really was batched: far fewer inserts than deliveries.
      expect(ingestion.groupCommit.stats.batches - before.batches).toBeLessThan(plans.length / 4);
      await waitForBacklog(batched.baseUrl);
      expect(projector.stats.projected - projectedBefore.projected).toBe(plans.length);
      // Every reference the batches set points at a row.
      for (const r of await references(batched)) {
        expect(r).toMatchObject({ dangling: 0 });
        expect(r.set).toBeGreaterThan(0);
      }
      expect(projector.stats.batches - projectedBefore.batches).toBeLessThan(plans.length / 2);

      const single = oneByOne.app.get(IngestionService);
      for (const i of order) {
        const outcome = await single.ingest(adapter, raw(i));
        expect(outcome.outcome).toBe('accepted');
        await waitForDelivery(oneByOne.baseUrl, outcome.deliveryId);
      }
      expect(await state(batched)).toEqual(await state(oneByOne));
    } finally {
      await Promise.all([batched.close(), oneByOne.close()]);
    }
  });

  it('answers copies of stored deliveries as duplicates naming the original, in the same batches as new ones', async () => {
    const t = await appWith(adapter);
    try {
      const ingestion = t.app.get(IngestionService);
      const first = await Promise.all(plans.slice(0, 10).map((_p, i) => ingestion.ingest(adapter, raw(i))));
      await waitForBacklog(t.baseUrl);
      const stateBefore = (await state(t)) as Record<string, unknown>;
      // The same keys again with other content, in a burst with new ones: the stored delivery wins.
      const altered = plans.map((p) => ({
        ...p,
        sessions: [{ externalId: 'intruder', attributes: { changed: true } }],
      }));
      const again = new PlanAdapter(altered);
      const batches = ingestion.groupCommit.stats.batches;
      const outcomes: IngestOutcome[] = await Promise.all(
        plans.slice(0, 20).map((_p, i) => ingestion.ingest(again, { ...raw(i), requestId: `again-${i}` })),
      );
      expect(ingestion.groupCommit.stats.batches - batches).toBeLessThan(5);
      expect(outcomes.map((o) => o.outcome)).toEqual([
        ...Array(10).fill('duplicate'),
        ...Array(10).fill('accepted'),
      ]);
      expect(outcomes.slice(0, 10).map((o) => o.deliveryId)).toEqual(first.map((o) => o.deliveryId));
      await waitForBacklog(t.baseUrl);
      const after = (await state(t)) as Record<string, Array<Record<string, unknown>>>;
      const firstTen = new Set(plans.slice(0, 10).map((p) => p.idempotencyKey));
      expect(after.sessions.some((s) => s.external_id === 'intruder')).toBe(false);
      expect(after.events.filter((e) => firstTen.has(e.idempotency_key as string))).toEqual(
        stateBefore.events,
      );
      expect(
        after.deliveries.filter((d) => firstTen.has(d.idempotency_key as string)).map((d) => d.duplicates),
      ).toEqual(Array(10).fill(1));
    } finally {
      await t.close();
    }
  });

  it("answers a batch's new deliveries as stored even when naming its copies' originals fails", async () => {
    // The lookup of the originals waits on a lock until its statement times out, after the insert committed.
    const t = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '1000' });
    t.app.get(Projector).register(adapter);
    const locker = await t.db.connect();
    try {
      const ingestion = t.app.get(IngestionService);
      const first = await Promise.all(plans.slice(0, 5).map((_p, i) => ingestion.ingest(adapter, raw(i))));
      expect(first.map((o) => o.outcome)).toEqual(Array(5).fill('accepted'));
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE delivery_duplicates IN EXCLUSIVE MODE');
      const batches = ingestion.groupCommit.stats.batches;
      const burst = await Promise.allSettled(
        plans.slice(0, 10).map((_p, i) => ingestion.ingest(adapter, { ...raw(i), requestId: `burst-${i}` })),
      );
      await locker.query('ROLLBACK');
      expect(ingestion.groupCommit.stats.batches - batches).toBeLessThan(5);
      // The copies could not be answered; the new deliveries, stored by then, are answered accepted.
      expect(burst.slice(0, 5).map((r) => r.status)).toEqual(Array(5).fill('rejected'));
      expect(burst.slice(5).map((r) => (r.status === 'fulfilled' ? r.value.outcome : r.reason))).toEqual(
        Array(5).fill('accepted'),
      );
      const stored = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE idempotency_key = ANY($1)`,
        [plans.slice(0, 10).map((p) => p.idempotencyKey)],
      );
      expect(stored.rows[0].n).toBe(10);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await t.close();
    }
  });

  it("wakes other instances' projectors once a batch stored new deliveries", async () => {
    const t = await appWith(adapter);
    const listener = new Client({ connectionString: t.databaseUrl });
    try {
      await listener.connect();
      await listener.query(`LISTEN ${INBOX_CHANNEL}`);
      const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.channel)));
      const outcome = await t.app.get(IngestionService).ingest(adapter, raw(0));
      expect(outcome.outcome).toBe('accepted');
      const timeout = new Promise<string>((resolve) => {
        setTimeout(() => resolve('no notification within 5 s'), 5_000).unref();
      });
      await expect(Promise.race([heard, timeout])).resolves.toBe(INBOX_CHANNEL);
    } finally {
      await listener.end();
      await t.close();
    }
  });

  it('marks a delivery the database refuses to project as failed, and projects the rest of its batch', async () => {
    // A session id longer than the column: only Postgres notices (varchar(255)).
    const bad = { ...plans[5], sessions: [{ externalId: 'x'.repeat(300) }] };
    const withBad = new PlanAdapter(plans.map((p, i) => (i === 5 ? bad : p)));
    const t = await appWith(withBad);
    try {
      const ingestion = t.app.get(IngestionService);
      const outcomes = await Promise.all(
        plans.slice(0, 12).map((_p, i) => ingestion.ingest(withBad, raw(i))),
      );
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(12).fill('accepted'));
      const views = await Promise.all(outcomes.map((o) => waitForDelivery(t.baseUrl, o.deliveryId)));
      expect(views.map((v) => v.status)).toEqual(
        plans.slice(0, 12).map((_p, i) => (i === 5 ? 'failed' : 'projected')),
      );
      expect(views[5].error).toMatchObject({ code: 'processing-failed' });
      const { rows } = await t.db.query<{ key: string }>(
        'SELECT idempotency_key AS key FROM events ORDER BY id',
      );
      expect(rows.map((r) => r.key).sort()).toEqual(
        plans
          .slice(0, 12)
          .map((p) => p.idempotencyKey)
          .filter((k) => k !== 'k-5')
          .sort(),
      );
    } finally {
      await t.close();
    }
  });

  it("keeps the rest of a batch accepted when one delivery's own provider writes fail", async () => {
    class WithExtra extends PlanAdapter {
      extraWrites(index: number) {
        return async (db: Queryable, stored: { deliveryId: string }) => {
          // A real write in the batch's transaction; the third one fails in the database.
          await db.query(`SELECT $1::bigint / $2::int AS x`, [stored.deliveryId, index === 2 ? 0 : 1]);
        };
      }
    }
    const withExtra = new WithExtra(plans);
    const t = await appWith(withExtra);
    try {
      const ingestion = t.app.get(IngestionService);
      const outcomes = await Promise.all(
        plans.slice(0, 6).map((_p, i) =>
          ingestion.ingest(withExtra, raw(i)).then(
            (o) => o.outcome,
            (err: unknown) => (err as { statusCode?: number }).statusCode,
          ),
        ),
      );
      expect(outcomes).toEqual(['accepted', 'accepted', 500, 'accepted', 'accepted', 'accepted']);
      const { rows } = await t.db.query<{ request_id: string; status: string }>(
        `SELECT request_id, status FROM deliveries WHERE request_id = 'req-2'`,
      );
      expect(rows).toEqual([{ request_id: 'req-2', status: 'failed' }]);
    } finally {
      await t.close();
    }
  });

  it('stores text holding quotes, backslashes and dollar quotes exactly as given', async () => {
    const nasty = `it's $hb$); DROP TABLE events; -- \\ "quoted" $$ \u00e9`;
    const tricky = new PlanAdapter([
      {
        ...plans[0],
        idempotencyKey: `k-${nasty}`,
        sessions: [{ externalId: `s-${nasty}`, attributes: { note: nasty } }],
        recordings: [],
        measurements: [],
        samples: [],
        event: {
          ...plans[0].event,
          payload: { note: nasty },
          sessionExternalId: `s-${nasty}`,
          recordingExternalId: undefined,
          measurementExternalId: undefined,
        },
      },
    ]);
    const t = await appWith(tricky);
    try {
      const outcome = await t.app.get(IngestionService).ingest(tricky, raw(0));
      expect(outcome.outcome).toBe('accepted');
      await waitForDelivery(t.baseUrl, outcome.deliveryId);
      const { rows } = await t.db.query<{ key: string; payload: unknown; attributes: unknown }>(
        `SELECT e.idempotency_key AS key, e.payload, s.attributes FROM events e JOIN sessions s ON s.id = e.session_id`,
      );
      expect(rows).toEqual([{ key: `k-${nasty}`, payload: { note: nasty }, attributes: { note: nasty } }]);
    } finally {
      await t.close();
    }
  });
});
