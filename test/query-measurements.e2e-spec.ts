import {
  apiClient,
  collectPages,
  insertMeasurement,
  insertSample,
  insertSession,
} from './support/query-fixtures';
import { startTestApp, TestApp } from './support/test-app';

interface MeasurementItem {
  id: string;
  externalId: string;
}

describe('query API: measurements', () => {
  let t: TestApp;
  const { get, page } = apiClient(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers one measurement with its series grouped by name and ordered by sequence', async () => {
    const session = await insertSession(t.db, { externalId: 'wms-session-1' });
    const m = await insertMeasurement(t.db, {
      externalId: 'meas-1',
      sessionId: session.id,
      status: 'completed',
    });
    const at = (s: number) => new Date(Date.UTC(2024, 4, 1, 12, 0, s));
    // Stored out of order, as intermediate results may arrive.
    await insertSample(t.db, m.id, 'snr', 2, 4.5, at(20));
    await insertSample(t.db, m.id, 'snr', 0, 1.25, at(10));
    await insertSample(t.db, m.id, 'hr', 0, 72, at(10));
    await insertSample(t.db, m.id, 'snr', 1, 3, at(15));
    const res = await get('/api/measurements/wms/meas-1').expect(200);
    expect(res.body).toEqual({
      id: m.id,
      provider: 'wms',
      externalId: 'meas-1',
      status: 'completed',
      session: { provider: 'wms', externalId: 'wms-session-1' },
      startedAt: null,
      endedAt: null,
      attributes: {},
      firstEventAt: null,
      lastEventAt: null,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
      series: {
        hr: [{ sequence: 0, value: 72, occurredAt: '2024-05-01T12:00:10.000Z' }],
        snr: [
          { sequence: 0, value: 1.25, occurredAt: '2024-05-01T12:00:10.000Z' },
          { sequence: 1, value: 3, occurredAt: '2024-05-01T12:00:15.000Z' },
          { sequence: 2, value: 4.5, occurredAt: '2024-05-01T12:00:20.000Z' },
        ],
      },
      seriesTruncated: false,
    });
    await insertMeasurement(t.db, { externalId: 'meas-empty' });
    const empty = await get('/api/measurements/wms/meas-empty').expect(200);
    expect(empty.body).toMatchObject({ series: {}, seriesTruncated: false, session: null });
  });

  it.each([
    ['provider', 'provider=eyeson', ['m-eyeson']],
    ['status', 'status=m-canceled', ['m-canceled']],
  ])('filters by %s', async (_name, filter, expected) => {
    if (!(await t.db.query("SELECT 1 FROM measurements WHERE external_id = 'm-eyeson'")).rowCount) {
      await insertMeasurement(t.db, { provider: 'eyeson', externalId: 'm-eyeson' });
      await insertMeasurement(t.db, { externalId: 'm-canceled', status: 'm-canceled' });
    }
    const body = await page<MeasurementItem>(`/api/measurements?${filter}`);
    expect(body.items.map((m) => m.externalId)).toEqual(expected);
  });

  it('pages newest first without duplicates or gaps while measurements arrive', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertMeasurement(t.db, { status: 'paging' })).id);
    const seen = await collectPages<MeasurementItem>(
      (cursor) => page(`/api/measurements?status=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      async () => {
        await insertMeasurement(t.db, { status: 'paging' });
      },
    );
    expect(seen.map((m) => m.id)).toEqual([...ids].reverse());
  });

  it('with updatedSince, lists changes in (updatedAt, id) order', async () => {
    const base = Date.now() - 600_000;
    const second = await insertMeasurement(t.db, { status: 'changes', updatedAt: new Date(base + 2000) });
    const first = await insertMeasurement(t.db, { status: 'changes', updatedAt: new Date(base + 1000) });
    await insertMeasurement(t.db, { status: 'changes', updatedAt: new Date(base - 1) });
    const body = await page<MeasurementItem>(
      `/api/measurements?status=changes&updatedSince=${new Date(base).toISOString()}`,
    );
    expect(body.items.map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it('answers 404 for an unknown measurement and 400 naming the parameter for bad input', async () => {
    expect((await get('/api/measurements/wms/nope').expect(404)).body).toMatchObject({ code: 'not-found' });
    for (const [query, parameter] of [
      ['session=x', 'session'],
      ['provider=WMS', 'provider'],
      ['updatedSince=2024-13-01', 'updatedSince'],
      ['limit=1000', 'limit'],
      ['cursor=WyJtZWFzdXJlbWVudHM6aWQiLCJ4Il0', 'cursor'],
    ]) {
      const res = await get(`/api/measurements?${query}`).expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter });
    }
  });
});
