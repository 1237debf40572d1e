import {
  apiClient,
  collectPages,
  insertEvent,
  insertMeasurement,
  insertRecording,
  insertSession,
} from './support/query-fixtures';
import { startTestApp, TestApp } from './support/test-app';

interface SessionItem {
  id: string;
  externalId: string;
  updatedAt: string;
}
interface EventItem {
  id: string;
  sequence: number | null;
  occurredAt: string;
}

describe('query API: sessions', () => {
  let t: TestApp;
  const { get, page } = apiClient(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/sessions', () => {
    it('lists sessions newest first with camelCase fields, ISO 8601 UTC times, string ids and the parent', async () => {
      const stream = await insertSession(t.db, {
        provider: 'millicast',
        externalId: 'ACC/stream-shape',
        kind: 'shape-stream',
        status: 'live',
        startedAt: new Date('2024-05-01T12:00:00Z'),
        attributes: { name: 'stream-shape' },
      });
      const feed = await insertSession(t.db, {
        provider: 'millicast',
        externalId: 'feed-shape',
        kind: 'shape-feed',
        status: 'ended',
        startedAt: new Date('2024-05-01T12:00:01Z'),
        endedAt: new Date('2024-05-01T12:30:00Z'),
        parentId: stream.id,
      });
      const body = await page<Record<string, unknown>>('/api/sessions?provider=millicast&kind=shape-feed');
      expect(body.nextCursor).toBeNull();
      expect(body.items).toEqual([
        {
          id: feed.id,
          provider: 'millicast',
          externalId: 'feed-shape',
          kind: 'shape-feed',
          status: 'ended',
          startedAt: '2024-05-01T12:00:01.000Z',
          endedAt: '2024-05-01T12:30:00.000Z',
          attributes: {},
          parent: { provider: 'millicast', externalId: 'ACC/stream-shape' },
          firstEventAt: '2024-05-01T12:00:01.000Z',
          lastEventAt: '2024-05-01T12:30:00.000Z',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
      ]);
      const all = await page<SessionItem>('/api/sessions?provider=millicast');
      const ids = all.items.map((s) => s.id);
      expect(ids.indexOf(feed.id)).toBeLessThan(ids.indexOf(stream.id));
    });

    it.each([
      ['provider', 'provider=perculus', ['f-perculus']],
      ['status', 'status=failed', ['f-failed']],
      ['kind', 'kind=f-supervisor', ['f-supervisor']],
      ['startedAfter (inclusive)', 'startedAfter=2024-06-02T00:00:00Z', ['f-june2', 'f-june3']],
      ['startedBefore (exclusive)', 'startedBefore=2024-06-02T00:00:00%2B00:00', ['f-june1']],
      [
        'a started range given as dates (UTC)',
        'startedAfter=2024-06-02&startedBefore=2024-06-03',
        ['f-june2'],
      ],
    ])('filters by %s', async (_name, filter, expected) => {
      if (!(await t.db.query("SELECT 1 FROM sessions WHERE external_id = 'f-perculus'")).rowCount) {
        await insertSession(t.db, { provider: 'perculus', externalId: 'f-perculus', kind: 'f' });
        await insertSession(t.db, { externalId: 'f-failed', kind: 'f', status: 'failed' });
        await insertSession(t.db, { externalId: 'f-supervisor', kind: 'f-supervisor' });
        await insertSession(t.db, {
          externalId: 'f-june1',
          kind: 'f',
          startedAt: new Date('2024-06-01T23:59:59.999Z'),
        });
        await insertSession(t.db, {
          externalId: 'f-june2',
          kind: 'f',
          startedAt: new Date('2024-06-02T00:00:00Z'),
        });
        await insertSession(t.db, {
          externalId: 'f-june3',
          kind: 'f',
          startedAt: new Date('2024-06-03T00:00:00Z'),
        });
      }
      const scope = filter.startsWith('kind=') ? '' : '&kind=f';
      const body = await page<SessionItem>(`/api/sessions?${filter}${scope}`);
      expect(body.items.map((s) => s.externalId).sort()).toEqual(expected);
    });

    it('pages newest first without duplicates or gaps while sessions are created and updated', async () => {
      const existing: string[] = [];
      for (let i = 0; i < 7; i++) existing.push((await insertSession(t.db, { kind: 'paging' })).id);
      const seen = await collectPages<SessionItem>(
        (cursor) => page(`/api/sessions?kind=paging&limit=3${cursor ? `&cursor=${cursor}` : ''}`),
        async (pageIndex) => {
          await insertSession(t.db, { kind: 'paging' });
          // An update (as a new event would make) of one listed and one not yet listed session.
          await t.db.query('UPDATE sessions SET updated_at = now(), status = $2 WHERE id = ANY($1)', [
            [existing[6 - pageIndex], existing[pageIndex]],
            `updated-${pageIndex}`,
          ]);
        },
      );
      expect(seen.map((s) => s.id)).toEqual([...existing].reverse());
    });

    it('with updatedSince, lists changes in (updatedAt, id) order and lists a session changed while paging again', async () => {
      const base = Date.now() - 600_000;
      const since = new Date(base);
      const a = await insertSession(t.db, { kind: 'changes', updatedAt: new Date(base + 3000) });
      const b = await insertSession(t.db, { kind: 'changes', updatedAt: new Date(base + 1000) });
      const c = await insertSession(t.db, { kind: 'changes', updatedAt: new Date(base + 2000) });
      await insertSession(t.db, { kind: 'changes', updatedAt: new Date(base - 1000) }); // before updatedSince
      // Same updatedAt as c: the id breaks the tie.
      const d = await insertSession(t.db, { kind: 'changes', updatedAt: new Date(base + 2000) });
      const listing = `/api/sessions?kind=changes&updatedSince=${since.toISOString()}&limit=2`;
      const first = await page<SessionItem>(listing);
      expect(first.items.map((s) => s.id)).toEqual([b.id, c.id]);
      // b changes after it was listed: it moves behind the cursor and shows up again.
      await t.db.query('UPDATE sessions SET updated_at = now() WHERE id = $1', [b.id]);
      const rest = await collectPages<SessionItem>((cursor) =>
        page(`${listing}&cursor=${cursor ?? first.nextCursor}`),
      );
      expect(rest.map((s) => s.id)).toEqual([d.id, a.id, b.id]);
    });

    it('with a start range, lists newest started first by (startedAt, id), to the microsecond, and lists a session whose start moved earlier again', async () => {
      const t0 = new Date('2024-07-01T10:00:00Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const a = await insertSession(t.db, { kind: 'by-start', startedAt: at(3000) });
      const b = await insertSession(t.db, { kind: 'by-start', startedAt: at(1000) });
      const c = await insertSession(t.db, { kind: 'by-start', startedAt: at(2000) });
      const d = await insertSession(t.db, { kind: 'by-start', startedAt: at(2000) }); // ties with c
      const e = await insertSession(t.db, { kind: 'by-start' });
      const h = await insertSession(t.db, { kind: 'by-start' });
      await insertSession(t.db, { kind: 'by-start' }); // never started: not in a start range
      await insertSession(t.db, { kind: 'by-start', startedAt: at(10_000) }); // at startedBefore: excluded
      // e and h start 2 and 1 µs after t0: a cursor between them must keep the microseconds.
      await t.db.query(
        `UPDATE sessions SET started_at = $2::timestamptz + (CASE WHEN id = $1 THEN 2 ELSE 1 END) * interval '1 microsecond'
         WHERE id IN ($1, $3)`,
        [e.id, t0, h.id],
      );
      const listing = `/api/sessions?kind=by-start&startedAfter=${t0.toISOString()}&startedBefore=${at(10_000).toISOString()}&limit=2`;
      const first = await page<SessionItem>(listing);
      expect(first.items.map((s) => s.id)).toEqual([a.id, d.id]);
      // a's start turns out earlier (a late event): it moves behind the cursor and is listed again.
      await t.db.query('UPDATE sessions SET started_at = $2 WHERE id = $1', [a.id, at(500)]);
      const rest = await collectPages<SessionItem>((cursor) =>
        page(`${listing}&cursor=${cursor ?? first.nextCursor}`),
      );
      expect(rest.map((s) => s.id)).toEqual([c.id, b.id, a.id, e.id, h.id]);
    });

    it('with updatedSince, holds back changes newer than a still-open transaction, so a late commit is not skipped', async () => {
      const since = new Date(Date.now() - 60_000).toISOString();
      const early = await insertSession(t.db, { kind: 'late-commit' });
      const late = await insertSession(t.db, { kind: 'late-commit' });
      const writer = await t.db.connect();
      try {
        await writer.query('BEGIN');
        await writer.query('SELECT 1'); // the transaction starts here; its updated_at is this moment
        await new Promise((r) => setTimeout(r, 20));
        // Committed meanwhile by someone else, with a later updated_at.
        await t.db.query('UPDATE sessions SET updated_at = now(), status = $2 WHERE id = $1', [
          early.id,
          'moved',
        ]);
        await writer.query('UPDATE sessions SET updated_at = now(), status = $2 WHERE id = $1', [
          late.id,
          'late',
        ]);
        const during = await page<SessionItem & { status: string | null }>(
          `/api/sessions?kind=late-commit&updatedSince=${since}`,
        );
        // `late` as last committed (before the open transaction started) is listed; `early`'s change is newer
        // than the open transaction's start, so it waits: listing it now would put the cursor past the
        // change `late` is about to commit with an older updatedAt.
        expect(during.items.map((s) => [s.id, s.status])).toEqual([[late.id, null]]);
        await writer.query('COMMIT');
      } finally {
        writer.release();
      }
      const after = await page<SessionItem & { status: string | null }>(
        `/api/sessions?kind=late-commit&updatedSince=${since}`,
      );
      expect(after.items.map((s) => [s.id, s.status])).toEqual([
        [late.id, 'late'],
        [early.id, 'moved'],
      ]);
    });

    it.each([
      ['an unknown filter', 'sort=id', 'sort'],
      ['an unknown provider', 'provider=zoom', 'provider'],
      ['a repeated provider', 'provider=wms&provider=perculus', 'provider'],
      ['limit 0', 'limit=0', 'limit'],
      ['limit above 500', 'limit=501', 'limit'],
      ['a non-numeric limit', 'limit=ten', 'limit'],
      ['a fractional limit', 'limit=2.5', 'limit'],
      ['an empty status', 'status=', 'status'],
      ['a timestamp without a time zone', 'updatedSince=2024-05-01T12:00:00', 'updatedSince'],
      ['an impossible date', 'startedAfter=2024-02-30', 'startedAfter'],
      ['an impossible time', 'startedBefore=2024-02-01T24:00:00Z', 'startedBefore'],
      ['a garbage cursor', 'cursor=not-a-cursor', 'cursor'],
      ['a cursor that is not base64url', 'cursor=%25%25', 'cursor'],
      ['a cursor of another listing', 'cursor=WyJkZWxpdmVyaWVzIiwiNTAxMiJd', 'cursor'],
      [
        'an id cursor with updatedSince',
        'updatedSince=2024-01-01&cursor=WyJzZXNzaW9uczppZCIsIjE3Il0',
        'cursor',
      ],
      [
        'an id cursor with a start range',
        'startedBefore=2024-01-01&cursor=WyJzZXNzaW9uczppZCIsIjE3Il0',
        'cursor',
      ],
      [
        'a start-range cursor without a start range',
        `cursor=${Buffer.from('["sessions:started","1714564800000000","17"]').toString('base64url')}`,
        'cursor',
      ],
      [
        'a cursor with an out-of-range id',
        `cursor=${Buffer.from('["sessions:id","9223372036854775808"]').toString('base64url')}`,
        'cursor',
      ],
    ])('answers 400 problem+json naming the parameter for %s', async (_name, query, parameter) => {
      const res = await get(`/api/sessions?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code: 'invalid-parameter', parameter });
    });
  });

  describe('GET /api/sessions/:provider/:externalId', () => {
    it('answers the state, times, attributes, parent, children, recordings and measurements', async () => {
      const agent = await insertSession(t.db, {
        provider: 'eyeson',
        externalId: 'agent/1',
        status: 'finished',
        startedAt: new Date('2024-05-01T10:00:00Z'),
        endedAt: new Date('2024-05-01T10:30:00Z'),
        attributes: { endReason: 'hangup' },
      });
      const supervisor = await insertSession(t.db, {
        provider: 'eyeson',
        externalId: 'supervisor-1',
        kind: 'supervisor',
        status: 'finished',
        parentId: agent.id,
      });
      const recording = await insertRecording(t.db, {
        provider: 'eyeson',
        externalId: 'rec-1',
        sessionId: agent.id,
        status: 'ready',
        durationMs: 1_800_000,
        sizeBytes: 52_428_800,
        url: 'https://cdn.example.com/rec-1.webm',
      });
      const measurement = await insertMeasurement(t.db, {
        provider: 'eyeson',
        externalId: 'm-1',
        sessionId: agent.id,
        status: 'completed',
      });
      const res = await get('/api/sessions/eyeson/agent%2F1').expect(200);
      expect(res.body).toMatchObject({
        id: agent.id,
        provider: 'eyeson',
        externalId: 'agent/1',
        kind: 'session',
        status: 'finished',
        startedAt: '2024-05-01T10:00:00.000Z',
        endedAt: '2024-05-01T10:30:00.000Z',
        attributes: { endReason: 'hangup' },
        parent: null,
        children: [
          {
            provider: 'eyeson',
            externalId: 'supervisor-1',
            kind: 'supervisor',
            status: 'finished',
            startedAt: null,
            endedAt: null,
          },
        ],
        recordings: [
          {
            id: recording.id,
            externalId: 'rec-1',
            status: 'ready',
            durationMs: 1_800_000,
            sizeBytes: 52_428_800,
            session: { provider: 'eyeson', externalId: 'agent/1' },
            urlExpired: false,
          },
        ],
        measurements: [{ id: measurement.id, externalId: 'm-1', status: 'completed' }],
      });
      const child = await get('/api/sessions/eyeson/supervisor-1').expect(200);
      expect(child.body).toMatchObject({
        id: supervisor.id,
        parent: { provider: 'eyeson', externalId: 'agent/1' },
        children: [],
        recordings: [],
        measurements: [],
      });
    });

    it('answers 404 problem+json for an unknown session, and for a known id under another provider', async () => {
      await insertSession(t.db, { provider: 'wms', externalId: 'only-wms' });
      for (const path of ['/api/sessions/wms/nope', '/api/sessions/perculus/only-wms']) {
        const res = await get(path).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 404, code: 'not-found' });
      }
    });

    it('answers 400 naming the parameter for an unknown provider or an over-long id', async () => {
      const res = await get('/api/sessions/zoom/abc').expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter: 'provider' });
      const long = await get(`/api/sessions/wms/${'x'.repeat(256)}`).expect(400);
      expect(long.body).toMatchObject({ code: 'invalid-parameter', parameter: 'externalId' });
    });
  });

  describe('GET /api/sessions/:provider/:externalId/events', () => {
    it("answers the timeline in the provider's order: occurredAt, then sequence (missing last), then id", async () => {
      const s = await insertSession(t.db, { externalId: 'timeline-order' });
      const other = await insertSession(t.db, { externalId: 'timeline-other' });
      const at = (seconds: number) => new Date(Date.UTC(2024, 4, 1, 12, 0, seconds));
      // Inserted out of order, as deliveries arrive.
      const e3 = await insertEvent(t.db, {
        sessionId: s.id,
        occurredAt: at(10),
        sequence: 3,
        type: 'C',
        severity: 'WARN',
        payload: { n: 3 },
      });
      const e1 = await insertEvent(t.db, { sessionId: s.id, occurredAt: at(5), sequence: 1, type: 'A' });
      const eNull = await insertEvent(t.db, {
        sessionId: s.id,
        occurredAt: at(10),
        sequence: null,
        type: 'D',
      });
      const e2 = await insertEvent(t.db, { sessionId: s.id, occurredAt: at(10), sequence: 2, type: 'B' });
      const eNull2 = await insertEvent(t.db, {
        sessionId: s.id,
        occurredAt: at(10),
        sequence: null,
        type: 'E',
      });
      await insertEvent(t.db, { sessionId: other.id, occurredAt: at(7), sequence: 1 });
      const body = await page<Record<string, unknown>>('/api/sessions/wms/timeline-order/events');
      expect(body.items.map((e) => e.id)).toEqual([e1.id, e2.id, e3.id, eNull.id, eNull2.id]);
      expect(body.items[2]).toEqual({
        id: e3.id,
        provider: 'wms',
        type: 'C',
        known: true,
        severity: 'WARN',
        occurredAt: '2024-05-01T12:00:10.000Z',
        receivedAt: expect.stringMatching(/Z$/),
        sequence: 3,
        session: { provider: 'wms', externalId: 'timeline-order' },
        recording: null,
        measurement: null,
        payload: { n: 3 },
      });
      expect(body.nextCursor).toBeNull();
    });

    it('pages the timeline without duplicates or gaps, through equal times and missing sequences, while new events arrive', async () => {
      const s = await insertSession(t.db, { externalId: 'timeline-paging' });
      const base = Date.UTC(2024, 4, 1, 12, 0, 0);
      for (let i = 0; i < 9; i++) {
        await insertEvent(t.db, {
          sessionId: s.id,
          occurredAt: new Date(base + Math.floor(i / 3) * 1000),
          sequence: i % 3 === 2 ? null : i,
        });
      }
      const seen = await collectPages<EventItem>(
        (cursor) =>
          page(`/api/sessions/wms/timeline-paging/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
        async (pageIndex) => {
          // New events keep arriving at the end of the timeline.
          if (pageIndex < 3) {
            await insertEvent(t.db, {
              sessionId: s.id,
              occurredAt: new Date(base + 60_000 + pageIndex),
              sequence: 100 + pageIndex,
            });
          }
        },
      );
      const expected = await t.db.query<{ id: string }>(
        'SELECT id FROM events WHERE session_id = $1 ORDER BY occurred_at, sequence, id',
        [s.id],
      );
      expect(seen.map((e) => e.id)).toEqual(expected.rows.map((r) => r.id));
      expect(seen).toHaveLength(12);
    });

    it('answers 404 for the timeline of an unknown session and 400 for a bad cursor', async () => {
      await get('/api/sessions/wms/no-such-session/events').expect(404);
      await insertSession(t.db, { externalId: 'timeline-400' });
      const res = await get(
        `/api/sessions/wms/timeline-400/events?cursor=${Buffer.from('["timeline","x",null,"1"]').toString('base64url')}`,
      ).expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter: 'cursor' });
      const unknown = await get('/api/sessions/wms/timeline-400/events?type=A').expect(400);
      expect(unknown.body).toMatchObject({ code: 'invalid-parameter', parameter: 'type' });
    });
  });
});
