import {
  apiClient,
  eventually,
  insertEvent,
  insertMeasurement,
  insertRecording,
  insertSession,
} from './support/query-fixtures';
import { sinceTxBound } from 'src/query/events/events.service';
import { startTestApp, TestApp } from './support/test-app';

interface EventItem {
  id: string;
  type: string;
  provider: string;
}
interface FeedPage {
  items: EventItem[];
  nextCursor: string | null;
}

describe('query API: event feed', () => {
  let t: TestApp;
  const { get } = apiClient(() => t);
  const feed = async (query: string): Promise<FeedPage> =>
    (await get(`/api/events?${query}`).expect(200)).body;

  /**
   * Polls like a client: follows nextCursor until a page is shorter than the limit (caught up). Events
   * show up once every older transaction on the server is over, so `eventually` polls again until the
   * expected events are there.
   */
  async function pollToEnd(query: string, limit: number, cursor?: string, between?: () => Promise<void>) {
    const items: EventItem[] = [];
    for (let i = 0; i < 100; i++) {
      const body = await feed(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      items.push(...body.items);
      cursor = body.nextCursor ?? undefined;
      if (body.items.length < limit) return { items, cursor };
      if (between) await between();
    }
    throw new Error('feed did not catch up');
  }

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists events across sessions in transaction order, with their session, recording and measurement', async () => {
    const s1 = await insertSession(t.db, { externalId: 'feed-s1' });
    const s2 = await insertSession(t.db, { provider: 'perculus', externalId: 'feed-s2' });
    const rec = await insertRecording(t.db, {
      provider: 'perculus',
      externalId: 'feed-rec',
      sessionId: s2.id,
    });
    const meas = await insertMeasurement(t.db, { externalId: 'feed-meas', sessionId: s1.id });
    const first = await insertEvent(t.db, {
      type: 'shape.A',
      sessionId: s1.id,
      measurementId: meas.id,
      occurredAt: new Date('2024-05-01T12:00:00Z'),
      sequence: 4,
      severity: 'INFO',
      payload: { event: 'A' },
    });
    // Two events in one transaction share a tx id; the id orders them.
    const client = await t.db.connect();
    let second: { id: string; txId: string };
    let third: { id: string; txId: string };
    try {
      await client.query('BEGIN');
      second = await insertEvent(client, {
        provider: 'perculus',
        type: 'shape.B',
        sessionId: s2.id,
        recordingId: rec.id,
      });
      third = await insertEvent(client, { type: 'shape.C', known: false });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(second.txId).toBe(third.txId);
    const body = await eventually(
      () => feed('limit=10'),
      (page) => page.items.length >= 3,
    );
    expect(body.items.map((e) => e.id)).toEqual([first.id, second.id, third.id]);
    expect(body.items[0]).toEqual({
      id: first.id,
      provider: 'wms',
      type: 'shape.A',
      known: true,
      severity: 'INFO',
      occurredAt: '2024-05-01T12:00:00.000Z',
      receivedAt: expect.stringMatching(/Z$/),
      sequence: 4,
      session: { provider: 'wms', externalId: 'feed-s1' },
      recording: null,
      measurement: { provider: 'wms', externalId: 'feed-meas' },
      payload: { event: 'A' },
    });
    expect(body.items[1]).toMatchObject({
      session: { provider: 'perculus', externalId: 'feed-s2' },
      recording: { provider: 'perculus', externalId: 'feed-rec' },
    });
    expect(body.items[2]).toMatchObject({ known: false, session: null, sequence: null });
  });

  it('filters by provider, by type, and by received time (since, inclusive)', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const a = await insertEvent(t.db, { provider: 'eyeson', type: 'filter.upload_ready', receivedAt: old });
    const b = await insertEvent(t.db, {
      provider: 'eyeson',
      type: 'filter.session_finished',
      receivedAt: new Date('2020-01-02T00:00:00Z'),
    });
    const c = await insertEvent(t.db, {
      provider: 'millicast',
      type: 'filter.upload_ready',
      receivedAt: new Date('2020-01-03T00:00:00Z'),
    });
    const all = await eventually(
      () => feed('limit=500'),
      (page) => page.items.some((e) => e.id === c.id),
    );
    expect(all.items.map((e) => e.id)).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    const ids = async (query: string) =>
      (await feed(`${query}&limit=500`)).items.filter((e) => e.type.startsWith('filter.')).map((e) => e.id);
    expect(await ids('provider=eyeson')).toEqual([a.id, b.id]);
    expect(await ids('type=filter.upload_ready')).toEqual([a.id, c.id]);
    expect(await ids('provider=millicast&type=filter.upload_ready')).toEqual([c.id]);
    expect(await ids('since=2020-01-02T00:00:00Z')).toEqual([b.id, c.id]);
    expect(await ids('since=2020-01-02T01:00:00%2B01:00&provider=eyeson')).toEqual([b.id]);
  });

  it('starts a since page at a transaction near since, and still finds every event received after it', async () => {
    // A history recorded as it arrived: event i received at T0 + i minutes, written a second later.
    const t0 = Date.UTC(2021, 5, 1);
    const minute = 60_000;
    const history: Array<{ id: string; txId: string }> = [];
    for (let i = 0; i < 40; i++) {
      history.push(
        await insertEvent(t.db, {
          type: 'bound.history',
          receivedAt: new Date(t0 + i * minute),
          recordedAt: new Date(t0 + i * minute + 1000),
        }),
      );
    }
    // A replay: received long ago, written (and given its transaction) only now.
    const replayed = await insertEvent(t.db, {
      type: 'bound.history',
      receivedAt: new Date(t0 + 5 * minute),
    });
    const ids = async (since: Date) =>
      (await feed(`since=${since.toISOString()}&limit=500`)).items
        .filter((e) => e.type === 'bound.history')
        .map((e) => e.id);

    await eventually(
      () => ids(new Date(t0)),
      (found) => found.includes(replayed.id),
    );
    const since = new Date(t0 + 30 * minute);
    expect(await ids(since)).toEqual(history.slice(30).map((e) => e.id));
    expect(await ids(new Date(t0 + 3 * minute))).toEqual([...history.slice(3).map((e) => e.id), replayed.id]);

    // The scan starts close to since: above the events recorded well before it, at or below the first one
    // received after it.
    const { rows } = await t.db.query<{ bound: string }>(`SELECT (${sinceTxBound('$1')}) AS bound`, [since]);
    const bound = BigInt(rows[0].bound);
    expect(bound).toBeGreaterThan(BigInt(history[25].txId));
    expect(bound).toBeLessThanOrEqual(BigInt(history[30].txId));
  });

  it('pages without duplicates or gaps while new events arrive, and hands back the cursor when caught up', async () => {
    const before = await pollToEnd('provider=wms&type=paging', 500);
    expect(before.items).toEqual([]);
    expect(before.cursor).toBeUndefined();
    const inserted: string[] = [];
    for (let i = 0; i < 7; i++) inserted.push((await insertEvent(t.db, { type: 'paging' })).id);
    const seen: EventItem[] = [];
    let cursor: string | undefined;
    const polled = await eventually(
      async () => {
        const round = await pollToEnd('provider=wms&type=paging', 3, cursor, async () => {
          if (inserted.length < 10) inserted.push((await insertEvent(t.db, { type: 'paging' })).id);
        });
        seen.push(...round.items);
        cursor = round.cursor;
        return { items: seen, cursor };
      },
      (p) => p.items.length >= inserted.length,
    );
    expect(polled.items.map((e) => e.id)).toEqual(inserted);
    expect(inserted.length).toBeGreaterThan(7); // events did arrive while paging
    // Caught up: an empty page echoes the cursor, and the next event comes after it.
    const idle = await feed(`provider=wms&type=paging&cursor=${polled.cursor}`);
    expect(idle).toEqual({ items: [], nextCursor: polled.cursor });
    const next = await insertEvent(t.db, { type: 'paging' });
    const resumed = await eventually(
      () => feed(`provider=wms&type=paging&cursor=${polled.cursor}`),
      (page) => page.items.length > 0,
    );
    expect(resumed.items.map((e) => e.id)).toEqual([next.id]);
  });

  it('never skips an event whose transaction commits late: newer events wait until it is over', async () => {
    const start = await pollToEnd('type=late', 100);
    const writer = await t.db.connect();
    let slow: { id: string; txId: string };
    let fast: { id: string; txId: string };
    try {
      await writer.query('BEGIN');
      slow = await insertEvent(writer, { type: 'late' }); // older transaction, still open
      fast = await insertEvent(t.db, { type: 'late' }); // newer transaction, committed
      expect(BigInt(fast.txId)).toBeGreaterThan(BigInt(slow.txId));
      const during = await pollToEnd('type=late', 100, start.cursor);
      expect(during.items).toEqual([]);
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
    const after = await eventually(
      () => pollToEnd('type=late', 100, start.cursor),
      (p) => p.items.length >= 2,
    );
    expect(after.items.map((e) => e.id)).toEqual([slow.id, fast.id]);
  });

  it.each([
    ['an unknown filter', 'session=abc', 'session'],
    ['an unknown provider', 'provider=twitch', 'provider'],
    ['an over-long type', `type=${'x'.repeat(129)}`, 'type'],
    ['a since that is not a timestamp', 'since=1714564800', 'since'],
    ['a limit above 500', 'limit=100000', 'limit'],
    [
      'a cursor of a session timeline',
      'cursor=WyJ0aW1lbGluZSIsIjE3MTQ1NjQ4MjAwMDAwMDAiLCIzIiwiMTAwMSJd',
      'cursor',
    ],
    [
      'a cursor with a missing key',
      `cursor=${Buffer.from('["events","5"]').toString('base64url')}`,
      'cursor',
    ],
  ])('answers 400 problem+json naming the parameter for %s', async (_name, query, parameter) => {
    const res = await get(`/api/events?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter });
  });
});
