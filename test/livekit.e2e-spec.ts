import { randomBytes } from 'node:crypto';
import { livekitBody, livekitKeyOf, livekitToken } from 'src/providers/livekit/livekit-sender';
import { apiClient } from './support/query-fixtures';
import { waitForProjection } from './support/projection';
import { shuffled } from './support/state';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';

const KEY = livekitKeyOf(TEST_ENV.LIVEKIT_WEBHOOK_KEYS);
const T = Math.floor(Date.now() / 1000) - 3600;
const ns = (s: number) => `${T + s}000000000`;

/** A WebhookEvent of room `room` (sid RM_<room>) `seconds` after T, with a fresh event id. */
function livekitEvent(event: string, room: string, seconds: number, fields: Record<string, unknown> = {}) {
  return {
    event,
    id: `EV_${randomBytes(8).toString('hex')}`,
    createdAt: String(T + seconds),
    ...(fields.egressInfo || fields.ingressInfo
      ? {}
      : { room: { sid: `RM_${room}`, name: room, creationTime: String(T) } }),
    ...fields,
  };
}

const participant = (room: string, identity: string) => ({
  sid: `PA_${room}_${identity}`,
  identity,
  joinedAt: String(T + 1),
  kind: 'STANDARD',
});

/** The day of one room, as LiveKit posts it. */
function roomDay(room: string) {
  const egress = (status: string, extra: Record<string, unknown> = {}) => ({
    egressInfo: {
      egressId: `EG_${room}`,
      roomId: `RM_${room}`,
      roomName: room,
      status,
      startedAt: ns(10),
      roomComposite: { roomName: room, layout: 'speaker' },
      ...extra,
    },
  });
  return [
    livekitEvent('room_started', room, 0),
    livekitEvent('participant_joined', room, 1, { participant: participant(room, 'alice') }),
    livekitEvent('track_published', room, 2, {
      participant: participant(room, 'alice'),
      track: { sid: `TR_${room}`, type: 'AUDIO', source: 'MICROPHONE' },
    }),
    livekitEvent('participant_joined', room, 3, { participant: participant(room, 'bob') }),
    livekitEvent('egress_started', room, 10, egress('EGRESS_STARTING')),
    livekitEvent('egress_updated', room, 11, egress('EGRESS_ACTIVE')),
    livekitEvent('ingress_started', room, 20, {
      ingressInfo: {
        ingressId: `IN_${room}`,
        inputType: 'RTMP_INPUT',
        roomName: room,
        state: { status: 'ENDPOINT_PUBLISHING', roomId: `RM_${room}`, startedAt: ns(20) },
      },
    }),
    livekitEvent('participant_connection_aborted', room, 500, { participant: participant(room, 'bob') }),
    livekitEvent('participant_left', room, 590, { participant: participant(room, 'alice') }),
    livekitEvent(
      'egress_ended',
      room,
      600,
      egress('EGRESS_COMPLETE', {
        endedAt: ns(599),
        fileResults: [
          {
            filename: `${room}.mp4`,
            location: `https://storage.example.com/${room}.mp4`,
            size: '48211968',
            duration: '589000000000',
          },
        ],
      }),
    ),
    livekitEvent('room_finished', room, 601),
  ];
}

describe('LiveKit webhooks', () => {
  let t: TestApp;
  const { get } = apiClient(() => t);

  /** Posts `body` as LiveKit does: its token (made with the SDK) in Authorization, application/webhook+json. */
  async function post(
    body: string,
    { token, contentType = 'application/webhook+json' }: { token?: string | null; contentType?: string } = {},
  ) {
    const req = t.http().post('/webhooks/livekit').set('Content-Type', contentType);
    const auth = token === undefined ? await livekitToken(body, KEY) : token;
    if (auth !== null) req.set('Authorization', auth);
    return req.send(body);
  }

  /** Posts and checks the answer's status (showing the body when it differs). */
  async function postExpecting(status: number, ...args: Parameters<typeof post>) {
    const res = await post(...args);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    return res;
  }

  const stored = async (id: string) =>
    (
      await t.db.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE provider = 'livekit' AND body::text LIKE $1`,
        [`%${id}%`],
      )
    ).rows[0].n as number;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('folds a room day, sent in any order, into the room, its participants, ingress and recording', async () => {
    const events = roomDay('standup');
    for (const event of shuffled(events, 19)) {
      const res = await post(livekitBody(event));
      expect({ event: event.event, status: res.status, body: res.body }).toMatchObject({
        event: event.event,
        status: 200,
        body: { status: 'accepted' },
      });
      await waitForProjection(t.baseUrl, res);
    }
    const room = (await get('/api/sessions/livekit/RM_standup').expect(200)).body;
    expect(room).toMatchObject({
      kind: 'room',
      status: 'finished',
      startedAt: new Date(T * 1000).toISOString(),
      endedAt: new Date((T + 601) * 1000).toISOString(),
      attributes: { name: 'standup' },
    });
    expect(
      room.children.map((c: Record<string, unknown>) => [c.externalId, c.kind, c.status]).sort(),
    ).toEqual([
      ['IN_standup', 'ingress', 'publishing'],
      ['PA_standup_alice', 'participant', 'left'],
      ['PA_standup_bob', 'participant', 'aborted'],
    ]);
    const recording = (await get('/api/recordings/livekit/EG_standup').expect(200)).body;
    expect(recording).toMatchObject({
      kind: 'roomComposite',
      status: 'complete',
      session: { externalId: 'RM_standup' },
      url: 'https://storage.example.com/standup.mp4',
      sizeBytes: 48211968,
      durationMs: 589_000,
      endedAt: new Date((T + 599) * 1000).toISOString(),
    });
    // The room's timeline is in createdAt order, whatever the order of arrival.
    const timeline = (await get('/api/sessions/livekit/RM_standup/events?limit=100').expect(200)).body;
    expect(timeline.items.map((e: { type: string }) => e.type)).toEqual(events.map((e) => e.event));
  });

  it('answers an event sent again (same id) as a duplicate', async () => {
    const body = livekitBody(livekitEvent('room_started', 'again', 0));
    const first = await postExpecting(200, body);
    const second = await postExpecting(200, body);
    expect(second.body).toMatchObject({ status: 'duplicate', deliveryId: first.body.deliveryId });
  });

  it('accepts a token of any configured key pair (rotation) and refuses a removed one', async () => {
    const old = { apiKey: 'APIold', apiSecret: 'old-livekit-api-secret-0123456789abcdef' };
    const current = { apiKey: 'APInew', apiSecret: 'new-livekit-api-secret-0123456789abcdef' };
    const both = await startTestApp({
      LIVEKIT_WEBHOOK_KEYS: `${old.apiKey}:${old.apiSecret},${current.apiKey}:${current.apiSecret}`,
    });
    try {
      for (const key of [old, current]) {
        const body = livekitBody(livekitEvent('room_started', `rotation-${key.apiKey}`, 0));
        const res = await both
          .http()
          .post('/webhooks/livekit')
          .set('Content-Type', 'application/webhook+json')
          .set('Authorization', await livekitToken(body, key))
          .send(body);
        expect({ key: key.apiKey, status: res.status }).toEqual({ key: key.apiKey, status: 200 });
      }
    } finally {
      await both.close();
    }
    const body = livekitBody(livekitEvent('room_started', 'rotated-out', 0));
    const res = await postExpecting(401, body, { token: await livekitToken(body, old) });
    expect(res.body).toMatchObject({ code: 'signature-mismatch' });
  });

  it('refuses a tampered body (401), storing nothing', async () => {
    const event = livekitEvent('room_started', 'tampered', 0);
    const token = await livekitToken(livekitBody(event), KEY);
    const tampered = livekitBody({ ...event, room: { sid: 'RM_tampered', name: 'someone-else' } });
    const res = await postExpecting(401, tampered, { token });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'signature-mismatch' });
    expect(await stored(event.id)).toBe(0);
  });

  it('refuses a token signed with a wrong secret (401), storing nothing', async () => {
    const event = livekitEvent('room_started', 'wrong-secret', 0);
    const body = livekitBody(event);
    const token = await livekitToken(body, {
      apiKey: KEY.apiKey,
      apiSecret: 'not-the-livekit-api-secret-0123456789',
    });
    const res = await postExpecting(401, body, { token });
    expect(res.body).toMatchObject({ code: 'signature-mismatch' });
    expect(await stored(event.id)).toBe(0);
  });

  it('refuses an expired token (401 token-expired), storing nothing', async () => {
    const event = livekitEvent('room_started', 'expired', 0);
    const body = livekitBody(event);
    const res = await postExpecting(401, body, { token: await livekitToken(body, KEY, '-2m') });
    expect(res.body).toMatchObject({ code: 'token-expired' });
    expect(await stored(event.id)).toBe(0);
  });

  it('refuses a delivery without a token or with a malformed one (401), even when the body is not JSON', async () => {
    expect((await postExpecting(401, '{}', { token: null })).body).toMatchObject({
      code: 'signature-missing',
    });
    expect((await postExpecting(401, 'not json', { token: 'not.a.jwt' })).body).toMatchObject({
      code: 'signature-mismatch',
    });
  });

  it('answers a signed delivery of another content type 415, stored as rejected', async () => {
    const event = livekitEvent('room_started', 'content-type', 0);
    const res = await postExpecting(415, livekitBody(event), { contentType: 'application/json' });
    expect(res.body).toMatchObject({ code: 'unsupported-media-type' });
    const { rows } = await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
    expect(rows).toEqual([{ status: 'rejected' }]);
  });

  it.each([
    ['not JSON', '{"event":"room_started",', 400, 'malformed-body'],
    [
      'a field of the wrong type for the protocol',
      '{"event":"room_started","id":"EV_x1","createdAt":"soon"}',
      422,
      'validation-failed',
    ],
    ['no id', '{"event":"room_started","createdAt":"1764756000"}', 422, 'validation-failed'],
  ])('stores a signed body that is %s as rejected', async (_name, body, status, code) => {
    const res = await postExpecting(status, body);
    expect(res.body).toMatchObject({ code });
    const { rows } = await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
    expect(rows).toEqual([{ status: 'rejected' }]);
  });
});
