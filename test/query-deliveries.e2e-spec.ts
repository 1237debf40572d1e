import { apiClient, collectPages, insertDelivery } from './support/query-fixtures';
import { startTestApp, TestApp } from './support/test-app';

interface DeliveryItem {
  id: string;
  provider: string;
  status: string;
  headers: Record<string, string>;
  bodyPreview: string | null;
}

describe('query API: deliveries', () => {
  let t: TestApp;
  const { get, page } = apiClient(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists a rejected delivery with its error, kept headers minus signatures, size and counters, never the raw body', async () => {
    const body = Buffer.from(
      JSON.stringify({
        request_id: 'r-1',
        type: 'SessionStatusEvent',
        session_id: 42,
        token: '1714564800|abcdef0123',
      }),
    );
    const id = await insertDelivery(t.db, {
      provider: 'wms',
      status: 'rejected',
      headers: {
        'content-type': 'application/json',
        'x-wms-content-mac': 'hmac-sha256=deadbeef',
        'x-millicast-signature': 'sha1=cafe',
        'x-provider-trace': 'trace-1',
      },
      body,
      error: { status: 422, code: 'validation-failed', detail: 'session_id must be a string' },
      duplicateCount: 2,
      attempts: 3,
    });
    const res = await page<Record<string, unknown>>('/api/deliveries?status=rejected&provider=wms');
    expect(res.items).toEqual([
      {
        id,
        provider: 'wms',
        status: 'rejected',
        receivedAt: expect.stringMatching(/Z$/),
        processedAt: expect.stringMatching(/Z$/),
        requestId: expect.any(String),
        contentType: 'application/json',
        headers: { 'content-type': 'application/json', 'x-provider-trace': 'trace-1' },
        error: { status: 422, code: 'validation-failed', detail: 'session_id must be a string' },
        size: body.length,
        bodyPurged: false,
        bodySha256: null,
        bodyPreview: '{"request_id":"r-1","type":"SessionStatusEvent","session_id":42,"token":"[redacted]"}',
        eventId: null,
        duplicateCount: 2,
        lastDuplicateAt: expect.stringMatching(/Z$/),
        attempts: 3,
      },
    ]);
    expect(JSON.stringify(res)).not.toContain('abcdef0123');
    expect(JSON.stringify(res)).not.toContain('deadbeef');
  });

  it('previews only the first 2 KB of a text body, and nothing of a binary or purged one', async () => {
    const big = Buffer.from(JSON.stringify({ filler: 'é'.repeat(3000) }));
    await insertDelivery(t.db, { provider: 'perculus', status: 'failed', body: big });
    await insertDelivery(t.db, {
      provider: 'millicast',
      status: 'failed',
      contentType: 'image/jpeg',
      body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]),
    });
    await insertDelivery(t.db, { provider: 'eyeson', status: 'failed', body: null, bodySize: 512 });
    const res = await page<DeliveryItem & { size: number; bodyPurged: boolean }>(
      '/api/deliveries?status=failed',
    );
    const [purged, jpeg, text] = res.items;
    expect(purged).toMatchObject({ provider: 'eyeson', bodyPreview: null, bodyPurged: true, size: 512 });
    expect(jpeg).toMatchObject({ provider: 'millicast', bodyPreview: null, bodyPurged: false, size: 8 });
    expect(text.size).toBe(big.length);
    expect(Buffer.byteLength(text.bodyPreview ?? '')).toBeLessThanOrEqual(2048);
    expect(text.bodyPreview).toMatch(/^\{"filler":"é+$/);
  });

  it.each([
    ['status', 'status=projected', (d: DeliveryItem) => d.status === 'projected'],
    ['provider', 'provider=eyeson', (d: DeliveryItem) => d.provider === 'eyeson'],
    [
      'status and provider',
      'status=failed&provider=millicast',
      (d: DeliveryItem) => d.status === 'failed' && d.provider === 'millicast',
    ],
  ])('filters by %s', async (_name, filter, matches) => {
    await insertDelivery(t.db, { provider: 'eyeson', status: 'projected' });
    await insertDelivery(t.db, { provider: 'millicast', status: 'failed' });
    const all = await page<DeliveryItem>('/api/deliveries?limit=500');
    const filtered = await page<DeliveryItem>(`/api/deliveries?${filter}&limit=500`);
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.map((d) => d.id)).toEqual(all.items.filter(matches).map((d) => d.id));
  });

  it('pages newest first without duplicates or gaps while deliveries arrive', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await insertDelivery(t.db, { provider: 'perculus', status: 'rejected' }));
    const seen = await collectPages<DeliveryItem>(
      (cursor) =>
        page(`/api/deliveries?status=rejected&provider=perculus&limit=4${cursor ? `&cursor=${cursor}` : ''}`),
      async () => {
        await insertDelivery(t.db, { provider: 'perculus', status: 'rejected' });
      },
    );
    expect(seen.map((d) => d.id)).toEqual([...ids].reverse());
  });

  it.each([
    ['an unknown status', 'status=accepted', 'status'],
    ['an unknown filter', 'type=x', 'type'],
    ['an unknown provider', 'provider=', 'provider'],
    ['a cursor of another listing', 'cursor=WyJzZXNzaW9uczppZCIsIjE3Il0', 'cursor'],
  ])('answers 400 problem+json naming the parameter for %s', async (_name, query, parameter) => {
    const res = await get(`/api/deliveries?${query}`).expect(400);
    expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter });
  });
});
