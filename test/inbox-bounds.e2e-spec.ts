import { createHash } from 'node:crypto';
import { millicastThumbnailRequest, tinyJpeg } from './support/millicast-sender';
import { perculusEvents, perculusRequest, perculusToken } from './support/perculus-sender';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

const PERCULUS_SECRET = TEST_ENV.PERCULUS_WEBHOOK_SECRETS;
const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();
const route = (provider: string) => WEBHOOK_ROUTES.find((r) => r.provider === provider)!;

async function stored(t: TestApp, id: unknown) {
  const { rows } = await t.db.query<{ body: Buffer | null; body_size: number; body_sha256: Buffer | null }>(
    `SELECT body, body_size, body_sha256 FROM deliveries WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** A Perculus message re-sent under the token another message used: refused, and kept as a record. */
async function refusedReplay(t: TestApp, padding: string) {
  const token = perculusToken(PERCULUS_SECRET);
  const first = perculusEvents.sessionStatus('bounds-1', 'started', '2024-05-01T09:00:00Z');
  const firstRes = await send(t.baseUrl, {
    ...perculusRequest({ ...first, token }, PERCULUS_SECRET),
    body: Buffer.from(JSON.stringify({ ...first, token })),
  });
  expect(firstRes.status).toBe(200);
  const replayed = {
    ...perculusEvents.sessionStatus('bounds-2', 'finished', '2024-05-01T10:00:00Z'),
    token,
    padding,
  };
  const body = Buffer.from(JSON.stringify(replayed));
  const res = await send(t.baseUrl, { ...perculusRequest(replayed, PERCULUS_SECRET), body });
  expect(res.body).toMatchObject({ code: 'token-replayed', stored: true });
  return { body, row: await stored(t, res.body?.deliveryId) };
}

describe('what the inbox keeps of deliveries it does not apply (defaults)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INBOX_REJECTED_BODY_BYTES_PER_HOUR: '10kb' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps a refused delivery (a replayed Perculus token) as SHA-256, size and a 2 kB preview', async () => {
    const { body, row } = await refusedReplay(t, 'x'.repeat(100_000));
    expect(row).toEqual({ body: body.subarray(0, 2048), body_size: body.length, body_sha256: sha256(body) });
  });

  it('keeps 20 rejected 100 kB bodies sent to one Eyeson URL as previews, not 2 MB', async () => {
    const eyeson = route('eyeson');
    const valid = eyeson.signEvent(eyeson.event('flood', 1));
    const body = Buffer.from(JSON.stringify({ status: 'upload_ready', rec_id: 7, pad: 'y'.repeat(100_000) }));
    const ids: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await send(t.baseUrl, { ...valid, body });
      expect(res.status).toBe(422);
      ids.push(res.body?.deliveryId);
    }
    const { rows } = await t.db.query<{ kept: string; hashed: number }>(
      `SELECT sum(length(body))::text AS kept, count(body_sha256)::int AS hashed FROM deliveries WHERE id = ANY($1)`,
      [ids],
    );
    expect(rows[0]).toEqual({ kept: String(20 * 2048), hashed: 20 });
  });

  it('keeps signed rejected bodies whole until their credential spends its hourly budget, then previews', async () => {
    const wms = route('wms');
    const body = Buffer.from(JSON.stringify({ not: 'a wms event', pad: 'z'.repeat(3_000) }));
    const rows = [];
    for (let i = 0; i < 5; i++) {
      const res = await send(t.baseUrl, wms.sign(body));
      expect(res.status).toBe(422);
      rows.push(await stored(t, res.body?.deliveryId));
    }
    // 10 kB a credential an hour: three ~3 kB bodies fit, the next are previews (small ones always fit whole).
    expect(rows.map((r) => r.body?.length)).toEqual([body.length, body.length, body.length, 2048, 2048]);
    expect(rows.map((r) => r.body_sha256)).toEqual([null, null, null, sha256(body), sha256(body)]);
    const small = await send(t.baseUrl, wms.sign('{"not":"a wms event"}'));
    expect((await stored(t, small.body?.deliveryId)).body).toEqual(Buffer.from('{"not":"a wms event"}'));
  });
});

describe('what the inbox keeps of deliveries it does not apply (INBOX_UNVERIFIED_BODIES=full)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INBOX_UNVERIFIED_BODIES: 'full' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps a refused delivery whole when the setting asks for it', async () => {
    const { body, row } = await refusedReplay(t, 'x'.repeat(10_000));
    expect(row).toEqual({ body, body_size: body.length, body_sha256: null });
  });
});

describe('thumbnails across all streams (MILLICAST_THUMBNAILS_TOTAL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MILLICAST_THUMBNAILS_TOTAL: '5' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the newest few whatever the number of streams', async () => {
    for (let i = 0; i < 64; i++) {
      const image = tinyJpeg(`total-${i}`);
      const request = millicastThumbnailRequest(
        image,
        { streamId: `TOTAL/stream-${i}`, timestamp: 1_700_000_000_000 + i },
        TEST_ENV.MILLICAST_WEBHOOK_SECRETS,
      );
      const res = await send(t.baseUrl, request);
      expect(res.status).toBe(200);
    }
    const { rows } = await t.db.query<{ stream_id: string }>(
      `SELECT stream_id FROM millicast_thumbnails ORDER BY id`,
    );
    expect(rows.map((r) => r.stream_id)).toEqual([59, 60, 61, 62, 63].map((i) => `TOTAL/stream-${i}`));
  });
});
