import { createHash, createHmac } from 'node:crypto';
import type { Pool } from 'pg';
import { StoredRow, storedDelivery } from 'src/ingestion/delivery.entity';
import { STORED } from 'src/ingestion/projection.sql';
import { MillicastService } from 'src/providers/millicast/millicast.service';
import {
  MILLICAST_DOC_EXAMPLES,
  millicastJsonRequest,
  millicastStreamFlow,
  millicastThumbnailRequest,
  SignedRequest,
  signMillicast,
  tinyJpeg,
} from './support/millicast-sender';
import { shuffled, stateSnapshot } from './support/state';
import { waitForProjection } from './support/projection';
import { send as sendRaw } from './support/webhook-routes';
import { startTestApp, TEST_API_KEY, TEST_ENV, TestApp } from './support/test-app';

/** The secret the test apps know (base64, as the dashboard shows it) and the one it was renewed to. */
const SECRET = TEST_ENV.MILLICAST_WEBHOOK_SECRETS;
const RENEWED = 'kq3V0mCq2mXWm1dYx5m8ZrC0yM7pN1h2Fv4sT9uQe6A=';

const ENV = {
  MILLICAST_WEBHOOK_SECRETS: `${RENEWED},${SECRET}`,
  MILLICAST_THUMBNAILS_PER_STREAM: '3',
  MILLICAST_THUMBNAIL_MAX_BYTES: '4kb',
};

/** superagent would JSON-serialise a Buffer sent as application/json, so JSON bodies go as their (identical) text. */
function send(t: TestApp, req: SignedRequest) {
  const isJson = req.headers['Content-Type'] === 'application/json';
  return t
    .http()
    .post(req.path)
    .set(req.headers)
    .send(isJson ? req.body.toString('utf8') : req.body);
}

async function sendAll(t: TestApp, requests: SignedRequest[]): Promise<void> {
  for (const req of requests) {
    const res = await send(t, req);
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 200,
      body: { status: 'accepted' },
    });
    await waitForProjection(t.baseUrl, res);
  }
}

const json = (hook: object, secret = SECRET) => millicastJsonRequest(hook, secret);

async function deliveryCount(db: Pool): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE provider = 'millicast'`);
  return rows[0].n;
}

async function session(db: Pool, externalId: string) {
  const { rows } = await db.query(
    `SELECT s.kind, s.status, s.started_at, s.ended_at, s.attributes, p.external_id AS parent
     FROM sessions s LEFT JOIN sessions p ON p.id = s.parent_id WHERE s.provider = 'millicast' AND s.external_id = $1`,
    [externalId],
  );
  return rows[0];
}

async function recording(db: Pool, externalId: string) {
  const { rows } = await db.query(
    `SELECT r.kind, r.status, r.started_at, r.duration_ms, r.size_bytes, r.error, r.attributes, s.external_id AS session
     FROM recordings r LEFT JOIN sessions s ON s.id = r.session_id WHERE r.provider = 'millicast' AND r.external_id = $1`,
    [externalId],
  );
  return rows[0];
}

async function thumbnails(db: Pool, streamId?: string) {
  const { rows } = await db.query(
    `SELECT stream_id, feed_id, token_id, captured_at, size_bytes, md5(image) AS md5 FROM millicast_thumbnails
     WHERE $1::text IS NULL OR stream_id = $1 ORDER BY stream_id, captured_at`,
    [streamId ?? null],
  );
  return rows;
}

describe('Dolby.io Real-time Streaming (Millicast) webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(ENV);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the documented examples, signed as Millicast signs them', () => {
    const responses = new Map<string, { status: number; body: Record<string, unknown> }>();
    beforeAll(async () => {
      for (const { name, hook } of MILLICAST_DOC_EXAMPLES) {
        const res = await send(t, json(hook));
        if (res.status === 200) await waitForProjection(t.baseUrl, res);
        responses.set(name, { status: res.status, body: res.body });
      }
    });

    it.each(MILLICAST_DOC_EXAMPLES.map((e) => [e.name, e.hook] as const))(
      'accepts %s and stores its exact bytes',
      async (name, hook) => {
        const res = responses.get(name);
        expect(res).toMatchObject({ status: 200, body: { status: 'accepted' } });
        const { rows } = await t.db.query(
          `SELECT d.status, d.body, e.type, e.known FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
          [res?.body.deliveryId],
        );
        expect(rows).toEqual([
          {
            status: 'projected',
            body: Buffer.from(JSON.stringify(hook)),
            type: `${String(hook.type)}.${String(hook.event)}`,
            known: true,
          },
        ]);
      },
    );

    it('folds the feed hooks into an ended feed under its stream', async () => {
      expect(await session(t.db, '369e4a86-f937-4254-bd9f-99dc484d2bd6')).toEqual({
        kind: 'feed',
        status: 'ended',
        started_at: new Date(1638463486359),
        ended_at: new Date(1638463500963),
        attributes: {
          streamId: 'ZG6NWV/sample_stream',
          accountId: 'ZG6NWV',
          name: 'sample_stream',
          active: false,
        },
        parent: 'ZG6NWV/sample_stream',
      });
      expect(await session(t.db, 'ZG6NWV/sample_stream')).toMatchObject({
        kind: 'stream',
        status: null,
        attributes: { accountId: 'ZG6NWV', name: 'sample_stream' },
        parent: null,
      });
    });

    it('folds the recording hooks into a deleted recording that keeps its metadata', async () => {
      expect(await recording(t.db, '7975')).toEqual({
        kind: 'recording',
        status: 'deleted',
        started_at: new Date(1639296462755),
        duration_ms: '1000',
        size_bytes: '92791',
        error: null,
        attributes: expect.objectContaining({
          streamName: 'sample_stream',
          tokenId: '142366',
          format: 'MPEG-4',
          sizes: { concat: 92791, dash: 97934, thumbnails: 0 },
          tracks: [expect.objectContaining({ type: 'video' }), expect.objectContaining({ type: 'audio' })],
          removedAt: '2021-12-13T08:07:51.400Z',
        }),
        session: null,
      });
      expect(await recording(t.db, '7976')).toMatchObject({
        kind: 'recording',
        status: 'failed',
        error: expect.any(String),
      });
    });

    it('folds the media hooks into clip and recording assets of their stream', async () => {
      expect(await recording(t.db, 'c6631104197a4091943775697948adbe')).toMatchObject({
        kind: 'clip',
        status: 'completed',
        started_at: new Date(1725259930643),
        duration_ms: '60040',
        size_bytes: '4410213',
        attributes: expect.objectContaining({
          expiresAt: new Date(1733900336143).toISOString(),
          format: 'MPEG-4',
        }),
        session: 'dkxfvY/test-record-clip',
      });
      expect(await recording(t.db, '7d2d3a3f0b4e4a4c9f1e2b3c4d5e6f70')).toMatchObject({
        kind: 'recording',
        status: 'failed',
        session: 'dkxfvY/test-record-clip',
      });
      expect(await recording(t.db, '0f1e2d3c4b5a69788796a5b4c3d2e1f0')).toMatchObject({
        kind: 'recording',
        status: 'deleted',
      });
      expect(await session(t.db, 'dkxfvY/test-record-clip')).toMatchObject({ kind: 'stream' });
    });

    it('records each transcoder as a session with its status', async () => {
      const { rows } = await t.db.query(
        `SELECT external_id, kind, status, ended_at, attributes->>'cluster' AS cluster FROM sessions
         WHERE provider = 'millicast' AND kind = 'transcoder' ORDER BY external_id`,
      );
      expect(rows).toEqual([
        {
          external_id: '009ff40-2988-47aa-8ac7-dc904b971cf',
          kind: 'transcoder',
          status: 'deleted',
          ended_at: new Date(1724890175017),
          cluster: 'lon-1',
        },
        {
          external_id: '0d09f40-2988-47aa-8ac7-dca04b971cf',
          kind: 'transcoder',
          status: 'active',
          ended_at: null,
          cluster: 'lon-1',
        },
        {
          external_id: 'fddcbce-e3a3-4efe-8a42-060c31189a2',
          kind: 'transcoder',
          status: 'stopped',
          ended_at: null,
          cluster: 'lon-1',
        },
      ]);
    });

    it("puts viewer-connection events on the stream's timeline", async () => {
      const { rows } = await t.db.query(
        `SELECT e.type, e.known FROM events e JOIN sessions s ON s.id = e.session_id
         WHERE s.provider = 'millicast' AND s.external_id = 'ABC123/myAwesomeStream' ORDER BY e.occurred_at`,
      );
      expect(rows).toEqual([
        { type: 'viewerConnection.viewerAttempt', known: true },
        { type: 'viewerConnection.firstViewerConnection', known: true },
        { type: 'viewerConnection.NoActiveViewers', known: true },
      ]);
      expect(await session(t.db, 'ABC123/myAwesomeStream')).toMatchObject({
        kind: 'stream',
        attributes: { accountId: 'ABC123', name: 'myAwesomeStream' },
      });
    });
  });

  describe('ordering and duplicates', () => {
    const feedHook = (event: string, timestamp: number, extra: Record<string, unknown>) => ({
      type: 'feeds',
      event,
      timestamp,
      data: { feedId: 'late-feed', accountId: 'ACC', name: 'late', streamId: 'ACC/late', ...extra },
    });

    it('answers a re-sent hook as a duplicate and keeps one event', async () => {
      const req = json(feedHook('started', 1700000100000, { feedId: 'dup-feed', started: 1700000099000 }));
      const first = await send(t, req).expect(200);
      const second = await send(t, req).expect(200);
      expect(first.body.status).toBe('accepted');
      expect(second.body).toEqual({ status: 'duplicate', deliveryId: first.body.deliveryId });
      const delivery = await waitForProjection(t.baseUrl, second);
      expect(delivery).toMatchObject({ status: 'projected', duplicateCount: 1 });
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1`, [
        delivery.eventId,
      ]);
      expect(rows[0]).toEqual({ n: 1 });
    });

    it('never makes an ended feed live again when its started hook arrives late', async () => {
      await sendAll(t, [
        json(
          feedHook('ended', 1700000200000, { started: 1700000150000, ended: 1700000199000, active: false }),
        ),
        json(feedHook('started', 1700000150100, { started: 1700000150000, active: true })),
      ]);
      expect(await session(t.db, 'late-feed')).toMatchObject({
        status: 'ended',
        started_at: new Date(1700000150000),
        ended_at: new Date(1700000199000),
        attributes: expect.objectContaining({ active: false }),
      });
    });

    it('keeps a feed ended even when its started hook carries a later timestamp (the rank decides)', async () => {
      const skewed = (event: string, timestamp: number, extra: Record<string, unknown>) =>
        feedHook(event, timestamp, { feedId: 'skewed-feed', ...extra });
      await sendAll(t, [
        json(skewed('ended', 1700000250000, { ended: 1700000249000, active: false })),
        json(skewed('started', 1700000250500, { started: 1700000240000, active: true })),
      ]);
      expect(await session(t.db, 'skewed-feed')).toMatchObject({ status: 'ended' });
    });

    it('keeps a media asset completed even when a processing hook carries a later timestamp', async () => {
      const media = (event: string, timestamp: number) => ({
        type: 'media',
        event,
        timestamp,
        data: { mediaAssetId: 'skewed-asset', streamId: 'ACC/late', type: 'clip', metadata: {} },
      });
      await sendAll(t, [json(media('completed', 1700000370000)), json(media('processing', 1700000370500))]);
      expect(await recording(t.db, 'skewed-asset')).toMatchObject({ status: 'completed' });
    });

    it('never undoes a completed media asset with a late processing hook', async () => {
      const media = (event: string, timestamp: number, metadata: Record<string, unknown>) => ({
        type: 'media',
        event,
        timestamp,
        data: {
          mediaAssetId: 'late-asset',
          streamId: 'ACC/late',
          type: 'clip',
          startTime: 1700000300000,
          metadata,
        },
      });
      await sendAll(t, [
        json(media('completed', 1700000360000, { sizes: { concat: 1000 }, duration: 2 })),
        json(media('processing', 1700000300100, {})),
      ]);
      expect(await recording(t.db, 'late-asset')).toMatchObject({
        status: 'completed',
        size_bytes: '1000',
        duration_ms: '2000',
      });
    });

    it('keeps a hook of an unknown type or event on the timeline, flagged, without state', async () => {
      const unknownType = await send(
        t,
        json({ type: 'liveClips', event: 'created', timestamp: 1700000400000, data: { anything: [1, 2] } }),
      ).expect(200);
      const unknownEvent = await send(
        t,
        json({
          type: 'feeds',
          event: 'paused',
          timestamp: 1700000400001,
          data: { feedId: 'never-a-session' },
        }),
      ).expect(200);
      const { rows } = await t.db.query(
        `SELECT type, known, session_id, recording_id FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [
          [
            (await waitForProjection(t.baseUrl, unknownType)).eventId,
            (await waitForProjection(t.baseUrl, unknownEvent)).eventId,
          ],
        ],
      );
      expect(rows).toEqual([
        { type: 'liveClips.created', known: false, session_id: null, recording_id: null },
        { type: 'feeds.paused', known: false, session_id: null, recording_id: null },
      ]);
      expect(await session(t.db, 'never-a-session')).toBeUndefined();
    });

    it('gives the same state for a stream flow sent shuffled as sent in order', async () => {
      const flow = millicastStreamFlow('PERM', SECRET);
      const inOrder = await startTestApp(ENV);
      try {
        await sendAll(inOrder, flow);
        const expected: Record<string, unknown[]> = {
          ...(await stateSnapshot(inOrder.db, 'millicast')),
          thumbnails: await thumbnails(inOrder.db),
        };
        expect(expected.thumbnails).toHaveLength(3);
        expect(expected.recordings).toHaveLength(3);
        expect(expected.sessions).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ external_id: 'PERM-feed-a', status: 'ended' }),
            expect.objectContaining({ external_id: 'PERM-feed-b', status: 'live' }),
            expect.objectContaining({ external_id: 'PERM-tc', status: 'deleted' }),
          ]),
        );
        for (const order of [[...flow].reverse(), shuffled(flow, 1), shuffled(flow, 2)]) {
          const other = await startTestApp(ENV);
          try {
            await sendAll(other, order);
            const actual = {
              ...(await stateSnapshot(other.db, 'millicast')),
              thumbnails: await thumbnails(other.db),
            };
            expect(actual).toEqual(expected);
          } finally {
            await other.close();
          }
        }
      } finally {
        await inOrder.close();
      }
    });
  });

  describe('validation', () => {
    it('rejects a known hook without the id its state hangs on with 422 and stores the rejection', async () => {
      const res = await send(
        t,
        json({
          type: 'feeds',
          event: 'started',
          timestamp: 1700000500000,
          data: { streamId: 'ACC/x', started: 1 },
        }),
      ).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'validation-failed', stored: true });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'data.feedId' })]),
      );
      const { rows } = await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
      expect(rows).toEqual([{ status: 'rejected' }]);
    });

    it('refuses bodies that are not valid UTF-8 with 400, storing each as rejected with its exact bytes', async () => {
      // Two deliveries that differ only in an invalid byte: decoded leniently, both would read as one event.
      for (const byte of [0xff, 0xfe]) {
        const body = Buffer.concat([
          Buffer.from('{"type":"feeds","event":"started","timestamp":1700000500000,"data":{"feedId":"utf8-'),
          Buffer.from([byte]),
          Buffer.from('","streamId":"U/utf8"}}'),
        ]);
        const res = await sendRaw(t.baseUrl, {
          path: '/webhooks/millicast',
          headers: {
            'content-type': 'application/json',
            'x-millicast-signature': signMillicast(body, SECRET),
          },
          body,
        });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'malformed-body', stored: true });
        expect(res.body?.detail).toContain('UTF-8');
        const { rows } = await t.db.query(`SELECT status, body FROM deliveries WHERE id = $1`, [
          res.body?.deliveryId,
        ]);
        expect(rows).toEqual([{ status: 'rejected', body }]);
      }
      expect(await session(t.db, 'utf8-\ufffd')).toBeUndefined();
    });

    it('rejects an envelope without a timestamp with 422', async () => {
      const res = await send(t, json({ type: 'feeds', event: 'started', data: {} })).expect(422);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'timestamp' })]),
      );
    });
  });

  describe('signatures', () => {
    const hook = {
      type: 'feeds',
      event: 'started',
      timestamp: 1700000600000,
      data: { feedId: 'sig', streamId: 'A/s' },
    };
    const body = Buffer.from(JSON.stringify(hook));
    const good = signMillicast(body, SECRET);

    it.each<[string, Record<string, string | string[]>, string]>([
      ['no signature header', {}, 'signature-missing'],
      ['a repeated signature header', { 'X-Millicast-Signature': [good, good] }, 'signature-malformed'],
      ['a wrong prefix', { 'X-Millicast-Signature': `sha256=${good.slice(5)}` }, 'signature-malformed'],
      ['bad hex', { 'X-Millicast-Signature': `sha1=${'g'.repeat(40)}` }, 'signature-malformed'],
      ['a digest of the wrong length', { 'X-Millicast-Signature': good.slice(0, -4) }, 'signature-malformed'],
      [
        'a signature of another body',
        { 'X-Millicast-Signature': signMillicast('{}', SECRET) },
        'signature-mismatch',
      ],
      [
        'a signature made with the raw (not base64-decoded) secret',
        { 'X-Millicast-Signature': 'sha1=' + createHmac('sha1', SECRET).update(body).digest('hex') },
        'signature-mismatch',
      ],
      [
        'a signature under a secret that is not configured',
        {
          'X-Millicast-Signature': signMillicast(body, Buffer.from('some-other-webhook').toString('base64')),
        },
        'signature-mismatch',
      ],
    ])('refuses %s with 401 problem+json and stores nothing', async (_name, headers, code) => {
      const before = await deliveryCount(t.db);
      const res = await t
        .http()
        .post('/webhooks/millicast')
        .set('Content-Type', 'application/json')
        .set(headers)
        .send(body.toString('utf8'))
        .expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code });
      expect(await deliveryCount(t.db)).toBe(before);
    });

    it('accepts the renewed and the previous secret while both are configured', async () => {
      const a = { ...hook, data: { ...hook.data, feedId: 'rotation-old' } };
      const b = { ...hook, data: { ...hook.data, feedId: 'rotation-new' } };
      await send(t, json(a, SECRET)).expect(200);
      await send(t, json(b, RENEWED)).expect(200);
    });

    it('refuses the previous secret once it is removed from MILLICAST_WEBHOOK_SECRETS', async () => {
      const renewedOnly = await startTestApp({ ...ENV, MILLICAST_WEBHOOK_SECRETS: RENEWED });
      try {
        const old = await send(renewedOnly, json(hook, SECRET)).expect(401);
        expect(old.body.code).toBe('signature-mismatch');
        await send(renewedOnly, json(hook, RENEWED)).expect(200);
      } finally {
        await renewedOnly.close();
      }
    });
  });

  describe('thumbnails', () => {
    const STREAM = 'ZG6NWV/sample_stream';
    const api = (path: string) => t.http().get(path).set('Authorization', `Bearer ${TEST_API_KEY}`);
    /** A thumbnail as served: its bytes in `body`. */
    const download = (path: string) =>
      api(path)
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
    const thumb = (image: Buffer, streamId: string, timestamp: number, feedId = 'feed-1') =>
      millicastThumbnailRequest(image, { streamId, timestamp, feedId, tokenId: '142366' }, SECRET);

    it('round-trips a JPEG thumbnail byte for byte, with the stream id URL-encoded or in two segments', async () => {
      const image = tinyJpeg('round trip');
      const res = await send(t, thumb(image, STREAM, 1638463516000)).expect(200);
      expect(res.body.status).toBe('accepted');
      const { eventId } = await waitForProjection(t.baseUrl, res);

      for (const path of [
        `/api/millicast/streams/${encodeURIComponent(STREAM)}/thumbnail`,
        '/api/millicast/streams/ZG6NWV/sample_stream/thumbnail',
      ]) {
        const got = await download(path);
        expect(got.headers['content-type']).toBe('image/jpeg');
        expect(Buffer.isBuffer(got.body) && got.body.equals(image)).toBe(true);
        expect(got.headers['x-thumbnail-captured-at']).toBe(new Date(1638463516000).toISOString());
      }

      const { rows } = await t.db.query(
        `SELECT e.type, e.known, e.payload, s.external_id AS session FROM events e JOIN sessions s ON s.id = e.session_id WHERE e.id = $1`,
        [eventId],
      );
      expect(rows).toEqual([
        {
          type: 'thumbnail',
          known: true,
          session: STREAM,
          payload: {
            streamId: STREAM,
            feedId: 'feed-1',
            tokenId: '142366',
            timestamp: 1638463516000,
            capturedAt: new Date(1638463516000).toISOString(),
            contentType: 'image/jpeg',
            sizeBytes: image.length,
            sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          },
        },
      ]);
    });

    it('needs an API key to read a thumbnail', async () => {
      const res = await t
        .http()
        .get(`/api/millicast/streams/${encodeURIComponent(STREAM)}/thumbnail`)
        .expect(401);
      expect(res.body.code).toBe('unauthorized');
    });

    it('answers 404 problem+json for a stream without thumbnails', async () => {
      const res = await api(`/api/millicast/streams/${encodeURIComponent('NOPE/none')}/thumbnail`).expect(
        404,
      );
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, code: 'not-found' });
    });

    it('answers 400 problem+json for a stream id longer than a stream id can be', async () => {
      const res = await api(
        `/api/millicast/streams/${encodeURIComponent(`A/${'s'.repeat(260)}`)}/thumbnail`,
      ).expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter', parameter: 'streamId' });
    });

    it('keeps only the newest N per stream by capture time, whatever order they arrive in', async () => {
      const stream = 'KEEP/latest';
      const base = 1700000700000;
      const images = [0, 1, 2, 3, 4].map((i) => tinyJpeg(`keep ${i}`));
      // Arrival order 4, 0, 2, 1, 3: the newest arrives first, the oldest ones late.
      await sendAll(
        t,
        [4, 0, 2, 1, 3].map((i) => thumb(images[i], stream, base + i * 30_000)),
      );
      const kept = await thumbnails(t.db, stream);
      expect(kept.map((r) => r.captured_at)).toEqual([2, 3, 4].map((i) => new Date(base + i * 30_000)));
      const latest = await download(`/api/millicast/streams/${encodeURIComponent(stream)}/thumbnail`);
      expect((latest.body as Buffer).equals(images[4])).toBe(true);
      // Every thumbnail stays on the timeline even when its image was pruned.
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM events e JOIN sessions s ON s.id = e.session_id WHERE s.external_id = $1 AND e.type = 'thumbnail'`,
        [stream],
      );
      expect(rows[0].n).toBe(5);
    });

    it('keeps thumbnails of other streams untouched when pruning', async () => {
      const before = await thumbnails(t.db, STREAM);
      await sendAll(t, [thumb(tinyJpeg('other stream'), 'OTHER/stream', 1700000800000)]);
      expect(await thumbnails(t.db, STREAM)).toEqual(before);
    });

    it('refuses a thumbnail whose signature is over other bytes', async () => {
      const req = thumb(tinyJpeg('signed'), STREAM, 1700000900000);
      const res = await send(t, { ...req, body: tinyJpeg('swapped') }).expect(401);
      expect(res.body.code).toBe('signature-mismatch');
    });

    it('rejects a thumbnail above MILLICAST_THUMBNAIL_MAX_BYTES with 422 and stores the rejection', async () => {
      const big = tinyJpeg('x'.repeat(5000));
      const res = await send(t, thumb(big, STREAM, 1700001000000)).expect(422);
      expect(res.body).toMatchObject({ code: 'thumbnail-too-large', stored: true });
      const { rows } = await t.db.query(`SELECT status, body_size FROM deliveries WHERE id = $1`, [
        res.body.deliveryId,
      ]);
      expect(rows).toEqual([{ status: 'rejected', body_size: big.length }]);
    });

    it('rejects a thumbnail without its stream id header with 422', async () => {
      const req = thumb(tinyJpeg('anonymous'), STREAM, 1700001100000);
      const { 'X-Millicast-Stream-Id': _dropped, ...headers } = req.headers;
      const res = await send(t, { ...req, headers }).expect(422);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'x-millicast-stream-id' })]),
      );
    });

    it('rejects a body labelled image/jpeg that is not a JPEG with 422', async () => {
      const res = await send(t, thumb(Buffer.from('not an image at all'), STREAM, 1700001200000)).expect(422);
      expect(res.body.code).toBe('validation-failed');
    });

    it('keeps one copy of a projected thumbnail: the inbox holds its SHA-256, size and a 2 kB preview', async () => {
      const image = tinyJpeg(`one copy ${'x'.repeat(3000)}`); // under MILLICAST_THUMBNAIL_MAX_BYTES (4 kB)
      const big = {
        type: 'liveClips',
        event: 'created',
        timestamp: 1700001250000,
        data: { note: 'y'.repeat(3000) },
      };
      const [thumbnail, hook] = [
        await send(t, thumb(image, 'ONECOPY/stream', 1700001250000)).expect(200),
        await send(t, json(big)).expect(200),
      ];
      for (const res of [thumbnail, hook])
        expect(await waitForProjection(t.baseUrl, res)).toMatchObject({ status: 'projected' });
      const inbox = async (id: string) =>
        (await t.db.query(`SELECT body, body_size, body_sha256 FROM deliveries WHERE id = $1`, [id]))
          .rows[0] as { body: Buffer; body_size: number; body_sha256: Buffer | null };

      const kept = await inbox(thumbnail.body.deliveryId);
      expect(kept.body.equals(image.subarray(0, 2048))).toBe(true);
      expect(kept.body_size).toBe(image.length);
      expect(kept.body_sha256?.equals(createHash('sha256').update(image).digest())).toBe(true);
      // The image itself is served whole from its own table.
      const served = await download(
        `/api/millicast/streams/${encodeURIComponent('ONECOPY/stream')}/thumbnail`,
      );
      expect(Buffer.isBuffer(served.body) && served.body.equals(image)).toBe(true);
      // A JSON hook of the same size is the only copy of its body: kept whole.
      const whole = await inbox(hook.body.deliveryId);
      expect(whole.body_sha256).toBeNull();
      expect(whole.body.length).toBe(whole.body_size);
      expect(whole.body_size).toBeGreaterThan(3000);
    });

    it('keeps what replay needs: the delivery rebuilt from the inbox decodes to the same thumbnail', async () => {
      const image = tinyJpeg('replay');
      const res = await send(t, thumb(image, 'REPLAY/stream', 1700001300000, 'feed-replay')).expect(200);
      const { rows } = await t.db.query<StoredRow>(`SELECT ${STORED} FROM deliveries WHERE id = $1`, [
        res.body.deliveryId,
      ]);
      const raw = storedDelivery(rows[0], 'millicast');
      if (raw === null) throw new Error('the inbox did not keep the thumbnail whole');
      const decoded = await t.app.get(MillicastService).decode(raw);
      expect(decoded).toEqual({
        ok: true,
        value: {
          family: 'thumbnail',
          meta: {
            streamId: 'REPLAY/stream',
            feedId: 'feed-replay',
            tokenId: '142366',
            timestamp: 1700001300000,
            contentType: 'image/jpeg',
          },
          image,
        },
      });
    });
  });
});
