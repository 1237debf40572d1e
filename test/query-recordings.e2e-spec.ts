import { apiClient, collectPages, insertRecording, insertSession } from './support/query-fixtures';
import { startTestApp, TestApp } from './support/test-app';

interface RecordingItem {
  id: string;
  externalId: string;
  status: string | null;
  urlExpired: boolean;
}

describe('query API: recordings', () => {
  let t: TestApp;
  const { get, page } = apiClient(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers one recording with its session, sizes as numbers and urlExpired from urlExpiresAt', async () => {
    const session = await insertSession(t.db, { provider: 'perculus', externalId: '4711' });
    await insertRecording(t.db, {
      provider: 'perculus',
      externalId: 'video-fresh',
      sessionId: session.id,
      kind: 'video',
      status: 'ready',
      durationMs: 2_700_000,
      sizeBytes: 9_007_199_254,
      url: 'https://cdn.example.com/fresh.mp4',
      urlExpiresAt: new Date(Date.now() + 3_600_000),
    });
    await insertRecording(t.db, {
      provider: 'perculus',
      externalId: 'video-stale',
      status: 'ready',
      url: 'https://cdn.example.com/stale.mp4',
      urlExpiresAt: new Date(Date.now() - 1000),
    });
    await insertRecording(t.db, {
      provider: 'perculus',
      externalId: 'video-failed',
      status: 'failed',
      error: 'disk full',
    });

    const fresh = await get('/api/recordings/perculus/video-fresh').expect(200);
    expect(fresh.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      provider: 'perculus',
      externalId: 'video-fresh',
      kind: 'video',
      status: 'ready',
      session: { provider: 'perculus', externalId: '4711' },
      startedAt: null,
      endedAt: null,
      durationMs: 2_700_000,
      sizeBytes: 9_007_199_254,
      url: 'https://cdn.example.com/fresh.mp4',
      urlExpiresAt: expect.stringMatching(/Z$/),
      urlExpired: false,
      error: null,
      attributes: {},
      firstEventAt: null,
      lastEventAt: null,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect((await get('/api/recordings/perculus/video-stale').expect(200)).body.urlExpired).toBe(true);
    const failed = await get('/api/recordings/perculus/video-failed').expect(200);
    expect(failed.body).toMatchObject({ urlExpired: false, url: null, error: 'disk full', session: null });
  });

  it.each([
    ['provider', 'provider=millicast', ['r-millicast']],
    ['status', 'status=r-deleted', ['r-deleted']],
  ])('filters by %s', async (_name, filter, expected) => {
    if (!(await t.db.query("SELECT 1 FROM recordings WHERE external_id = 'r-millicast'")).rowCount) {
      await insertRecording(t.db, { provider: 'millicast', externalId: 'r-millicast', status: 'r-ready' });
      await insertRecording(t.db, { provider: 'perculus', externalId: 'r-deleted', status: 'r-deleted' });
    }
    const body = await page<RecordingItem>(`/api/recordings?${filter}`);
    expect(body.items.map((r) => r.externalId)).toEqual(expected);
  });

  it('pages newest first without duplicates or gaps while recordings arrive and change', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertRecording(t.db, { status: 'paging' })).id);
    const seen = await collectPages<RecordingItem>(
      (cursor) => page(`/api/recordings?status=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      async () => {
        await insertRecording(t.db, { status: 'paging' });
        await t.db.query('UPDATE recordings SET updated_at = now() WHERE id = $1', [ids[0]]);
      },
    );
    expect(seen.map((r) => r.id)).toEqual([...ids].reverse());
  });

  it('with updatedSince, lists changes in (updatedAt, id) order across pages', async () => {
    const base = Date.now() - 600_000;
    const late = await insertRecording(t.db, { status: 'changes', updatedAt: new Date(base + 2000) });
    const early = await insertRecording(t.db, { status: 'changes', updatedAt: new Date(base + 1000) });
    await insertRecording(t.db, { status: 'changes', updatedAt: new Date(base - 1000) });
    const since = new Date(base).toISOString();
    const seen = await collectPages<RecordingItem>((cursor) =>
      page(
        `/api/recordings?status=changes&updatedSince=${since}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      ),
    );
    expect(seen.map((r) => r.id)).toEqual([early.id, late.id]);
  });

  it('answers 404 for an unknown recording and 400 naming the parameter for bad input', async () => {
    const missing = await get('/api/recordings/wms/nope').expect(404);
    expect(missing.body).toMatchObject({ code: 'not-found' });
    for (const [query, parameter] of [
      ['kind=video', 'kind'],
      ['provider=youtube', 'provider'],
      ['updatedSince=yesterday', 'updatedSince'],
      ['limit=-1', 'limit'],
      ['cursor=WyJzZXNzaW9uczppZCIsIjE3Il0', 'cursor'],
    ]) {
      const res = await get(`/api/recordings?${query}`).expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter });
    }
    const badProvider = await get('/api/recordings/youtube/x').expect(400);
    expect(badProvider.body).toMatchObject({ code: 'invalid-parameter', parameter: 'provider' });
  });
});
