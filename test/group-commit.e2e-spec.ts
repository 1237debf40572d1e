import { CommitItem, GroupCommit, stateRowsOf } from 'src/ingestion/group-commit';
import { IngestionService } from 'src/ingestion/ingestion.service';
import type {
  DecodeResult,
  IngestOutcome,
  IngestPlan,
  RawDelivery,
  WebhookAdapter,
} from 'src/ingestion/ingestion.types';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Group commit (src/ingestion/group-commit.ts): concurrent deliveries share one transaction and batch
 * statements. These tests go straight to IngestionService.ingest with plans (decode is a lookup), so that
 * a burst lands in one batch and the result can be compared with the same plans applied one at a time.
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
      await q(`SELECT d.request_id, d.status, d.body, d.headers, d.duplicate_count, e.idempotency_key
      FROM deliveries d LEFT JOIN events e ON e.id = d.event_id ORDER BY d.request_id`),
  };
}

describe('group commit', () => {
  const plans = workload();
  const adapter = new PlanAdapter(plans);
  let batched: TestApp;
  let oneByOne: TestApp;

  beforeAll(async () => {
    [batched, oneByOne] = await Promise.all([startTestApp(), startTestApp()]);
  });
  afterAll(async () => {
    await Promise.all([batched?.close(), oneByOne?.close()]);
  });

  it('stores a concurrent burst exactly as applying its deliveries one at a time does', async () => {
    const ingestion = batched.app.get(IngestionService);
    const order = shuffled(plans.map((_p, i) => i));
    const before = { ...ingestion.groupCommit.stats };
    const outcomes = await Promise.all(order.map((i) => ingestion.ingest(adapter, raw(i))));
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(plans.length).fill('accepted'));
    const stats = ingestion.groupCommit.stats;
    // The burst really was batched: far fewer transactions than deliveries.
    expect(stats.batches - before.batches).toBeLessThan(plans.length / 4);
    expect(stats.fallbacks - before.fallbacks).toBe(0);

    const single = oneByOne.app.get(IngestionService);
    for (const i of order) expect((await single.ingest(adapter, raw(i))).outcome).toBe('accepted');

    expect(await state(batched)).toEqual(await state(oneByOne));
  });

  it('answers deliveries already on the timeline as duplicates, counting them and changing no state', async () => {
    const t = await startTestApp();
    try {
      const ingestion = t.app.get(IngestionService);
      const first = await Promise.all(plans.slice(0, 10).map((_p, i) => ingestion.ingest(adapter, raw(i))));
      const stateBefore = await state(t);
      // The same keys again with other content (in a burst with new ones): the stored event wins.
      const altered = plans.map((p) => ({
        ...p,
        sessions: [{ externalId: 'intruder', attributes: { changed: true } }],
      }));
      const again = new PlanAdapter(altered);
      const outcomes: IngestOutcome[] = await Promise.all(
        plans.slice(0, 10).map((_p, i) => ingestion.ingest(again, { ...raw(i), requestId: `again-${i}` })),
      );
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(10).fill('duplicate'));
      expect(outcomes.map((o) => (o.outcome === 'duplicate' ? o.eventId : null))).toEqual(
        first.map((o) => (o.outcome === 'accepted' ? o.eventId : null)),
      );
      const { deliveries: afterDeliveries, ...afterRest } = (await state(t)) as Record<string, unknown>;
      const { deliveries: beforeDeliveries, ...beforeRest } = stateBefore as Record<string, unknown>;
      expect(afterRest).toEqual(beforeRest);
      expect((afterDeliveries as Array<{ duplicate_count: number }>).map((d) => d.duplicate_count)).toEqual(
        (beforeDeliveries as unknown[]).map(() => 1),
      );
    } finally {
      await t.close();
    }
  });

  it('rejects a delivery the database refuses on its own and stores the rest of its batch', async () => {
    const t = await startTestApp();
    try {
      const ingestion = t.app.get(IngestionService);
      // A session id longer than the column: only Postgres notices (varchar(255)).
      const bad = { ...plans[5], sessions: [{ externalId: 'x'.repeat(300) }] };
      const withBad = new PlanAdapter(plans.map((p, i) => (i === 5 ? bad : p)));
      const before = { ...ingestion.groupCommit.stats };
      const outcomes = await Promise.all(
        plans.slice(0, 12).map((_p, i) => ingestion.ingest(withBad, raw(i))),
      );
      expect(ingestion.groupCommit.stats.fallbacks - before.fallbacks).toBeGreaterThan(0);
      expect(outcomes.map((o) => o.outcome)).toEqual(
        plans.slice(0, 12).map((_p, i) => (i === 5 ? 'rejected' : 'accepted')),
      );
      expect(outcomes[5]).toMatchObject({ rejection: { status: 422, code: 'unprocessable-data' } });
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

  it('stores text holding quotes, backslashes and the JSON literal quote tag exactly as given', async () => {
    const t = await startTestApp();
    try {
      const ingestion = t.app.get(IngestionService);
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
      const outcome = await ingestion.ingest(tricky, raw(0));
      expect(outcome.outcome).toBe('accepted');
      const { rows } = await t.db.query<{ key: string; payload: unknown; attributes: unknown }>(
        `SELECT e.idempotency_key AS key, e.payload, s.attributes FROM events e JOIN sessions s ON s.id = e.session_id`,
      );
      expect(rows).toEqual([{ key: `k-${nasty}`, payload: { note: nasty }, attributes: { note: nasty } }]);
    } finally {
      await t.close();
    }
  });
});

describe('group commit: when batches overlap', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const item = (key: string, session: string): CommitItem => {
    const plan: IngestPlan = {
      idempotencyKey: key,
      event: {
        type: 'T',
        known: true,
        occurredAt: at(1),
        sequence: null,
        payload: {},
        sessionExternalId: session,
      },
      sessions: [{ externalId: session }],
    };
    return { raw: { ...raw(0), requestId: key }, plan, insertDelivery: true, rows: stateRowsOf('wms', plan) };
  };

  /**
   * Holds one batch in flight (another connection locks the session row it updates), queues five
   * deliveries of other sessions, and counts how many of them commit before the held batch may finish.
   */
  async function whileABatchIsHeld(overlapAt: number, tag: string) {
    const groupCommit = new GroupCommit(t.db, { overlapAt });
    const held = `${tag}-held`;
    await groupCommit.run(item(`${tag}-setup`, held));
    const locker = await t.db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM sessions WHERE external_id = $1 FOR UPDATE', [held]);
      const first = groupCommit.run(item(`${tag}-first`, held));
      // Wait until that batch is blocked on the lock. Inside a transaction Postgres serves pg_stat_activity
      // from a snapshot taken at its first read, so the snapshot is cleared before every look.
      const deadline = Date.now() + 10_000;
      for (let waiting = 0; waiting === 0;) {
        if (Date.now() > deadline) throw new Error('the first batch never waited on the row lock');
        await new Promise((r) => setTimeout(r, 10));
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await locker.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        waiting = rows[0].n;
      }
      const committed: string[] = [];
      const others = [1, 2, 3, 4, 5].map((i) =>
        groupCommit.run(item(`${tag}-${i}`, `${tag}-s${i}`)).then(() => committed.push(`${tag}-${i}`)),
      );
      // Up to 2 s for them to commit while the first batch is held (they cannot, if they wait for it).
      for (const until = Date.now() + 2_000; committed.length < 5 && Date.now() < until;)
        await new Promise((r) => setTimeout(r, 20));
      const committedWhileHeld = committed.length;
      await locker.query('COMMIT');
      await Promise.all([first, ...others]);
      return {
        committedWhileHeld,
        batches: groupCommit.stats.batches,
        deliveries: groupCommit.stats.deliveries,
      };
    } finally {
      // Never leave the lock (or an open transaction, which holds back every event feed) behind.
      await locker.query('ROLLBACK');
      locker.release();
    }
  }

  it('fewer waiting deliveries than overlapAt wait for the running batch and go in one batch after it', async () => {
    expect(await whileABatchIsHeld(32, 'wait')).toEqual({ committedWhileHeld: 0, batches: 3, deliveries: 7 });
  });

  it('once overlapAt deliveries wait, a second batch runs alongside the first', async () => {
    expect(await whileABatchIsHeld(5, 'overlap')).toEqual({
      committedWhileHeld: 5,
      batches: 3,
      deliveries: 7,
    });
  });
});
