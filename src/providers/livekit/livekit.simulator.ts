import { randomBytes } from 'node:crypto';
import { LIVEKIT_EVENTS, LivekitEventName } from 'src/providers/livekit/livekit.mapper';
import { livekitBody, livekitKeyOf, livekitToken } from 'src/providers/livekit/livekit-sender';
import { LIVEKIT_CONTENT_TYPE } from 'src/providers/livekit/livekit.service';
import { stableHex } from 'src/simulator/stable-id';
import { matchEvent, ProviderSimulator, SimContext, SimRequest } from 'src/simulator/simulator.types';

const MINUTE = 60_000;

/** A room's sid (stable, so separate sends about one room name agree). */
export const livekitRoomSid = (roomName: string): string => `RM_${stableHex(12, 'livekit-room', roomName)}`;

const seconds = (ms: number): string => String(Math.floor(ms / 1000));
const nanos = (ms: number): string => `${Math.floor(ms)}000000`;

interface Extra {
  /** The participant an event is about (default `alice`). */
  identity?: string;
  /** Track kind for track events (default audio from the microphone). */
  video?: boolean;
  /** When the room (or egress, ingress) started, epoch ms (default ten minutes before the event). */
  since?: number;
}

/** The WebhookEvent LiveKit sends for `event` in room `ctx.session` at `ctx.at`. */
function livekitEvent(event: LivekitEventName, ctx: SimContext, extra: Extra = {}): Record<string, unknown> {
  const roomName = ctx.session;
  const roomSid = livekitRoomSid(roomName);
  const since = extra.since ?? ctx.at - 10 * MINUTE;
  const identity = extra.identity ?? 'alice';
  const room = { sid: roomSid, name: roomName, emptyTimeout: 300, creationTime: seconds(since) };
  const participant = {
    sid: `PA_${stableHex(12, 'livekit-participant', roomName, identity)}`,
    identity,
    name: identity[0].toUpperCase() + identity.slice(1),
    state: event === 'participant_joined' ? 'JOINED' : 'ACTIVE',
    joinedAt: seconds(event === 'participant_joined' ? ctx.at : since),
    kind: 'STANDARD',
  };
  const track = extra.video
    ? {
        sid: `TR_${stableHex(12, 'livekit-video', roomName, identity)}`,
        type: 'VIDEO',
        source: 'CAMERA',
        width: 1280,
        height: 720,
        mimeType: 'video/VP8',
      }
    : {
        sid: `TR_${stableHex(12, 'livekit-audio', roomName, identity)}`,
        type: 'AUDIO',
        source: 'MICROPHONE',
        mimeType: 'audio/opus',
      };
  const egressId = `EG_${stableHex(12, 'livekit-egress', roomName)}`;
  const file = `recordings/${roomName}.mp4`;
  const egress = (status: string) => ({
    egressId,
    roomId: roomSid,
    roomName,
    status,
    startedAt: nanos(since),
    updatedAt: nanos(ctx.at),
    roomComposite: { roomName, layout: 'speaker' },
    ...(status === 'EGRESS_COMPLETE'
      ? {
          endedAt: nanos(ctx.at),
          fileResults: [
            {
              filename: file,
              startedAt: nanos(since),
              endedAt: nanos(ctx.at),
              duration: nanos(ctx.at - since),
              size: '48211968',
              location: `https://storage.example.com/livekit/${file}`,
            },
          ],
        }
      : {}),
  });
  const ingress = (status: string) => ({
    ingressId: `IN_${stableHex(12, 'livekit-ingress', roomName)}`,
    name: `${roomName}-rtmp`,
    inputType: 'RTMP_INPUT',
    roomName,
    participantIdentity: 'studio-feed',
    state: {
      status,
      roomId: roomSid,
      startedAt: nanos(since),
      ...(status === 'ENDPOINT_INACTIVE' ? { endedAt: nanos(ctx.at) } : {}),
    },
  });
  const body: Record<string, unknown> = {
    event,
    id: `EV_${randomBytes(9).toString('base64url')}`,
    createdAt: seconds(ctx.at),
  };
  switch (event) {
    case 'room_started':
      return { ...body, room: { ...room, creationTime: seconds(ctx.at) } };
    case 'room_finished':
      return { ...body, room };
    case 'participant_joined':
    case 'participant_left':
    case 'participant_connection_aborted':
      return { ...body, room, participant };
    case 'track_published':
    case 'track_unpublished':
      return { ...body, room, participant, track };
    case 'egress_started':
      return { ...body, egressInfo: egress('EGRESS_STARTING') };
    case 'egress_updated':
      return { ...body, egressInfo: egress('EGRESS_ACTIVE') };
    case 'egress_ended':
      return { ...body, egressInfo: egress('EGRESS_COMPLETE') };
    case 'ingress_started':
      return { ...body, ingressInfo: ingress('ENDPOINT_PUBLISHING') };
    case 'ingress_ended':
      return { ...body, ingressInfo: ingress('ENDPOINT_INACTIVE') };
  }
}

/** Posted as LiveKit's server posts it: protobuf JSON, `application/webhook+json`, the SDK-made token. */
async function livekitRequest(event: Record<string, unknown>, secret: string): Promise<SimRequest> {
  const body = livekitBody(event);
  return {
    path: '/webhooks/livekit',
    headers: {
      'Content-Type': LIVEKIT_CONTENT_TYPE,
      Authorization: await livekitToken(body, livekitKeyOf(secret)),
    },
    body,
  };
}

export const livekitSimulator: ProviderSimulator = {
  provider: 'livekit',
  secretVariable: 'LIVEKIT_WEBHOOK_KEYS',
  exampleSecret: 'APIdevlivekit:dev-livekit-api-secret-change-me-0123456789',
  events: LIVEKIT_EVENTS,
  sessionMeaning: 'the room name (its sid is derived from it)',
  build(name, ctx) {
    const event = matchEvent('livekit', name, LIVEKIT_EVENTS) as LivekitEventName;
    return livekitRequest(livekitEvent(event, ctx), ctx.secret);
  },
  // 18:00 a recorded team meeting of 40 minutes: two people, an RTMP studio feed, a room composite recording.
  demo: {
    startHour: 9,
    session: 'standup',
    async steps({ session, start, secret, env }) {
      const scene: Array<[LivekitEventName, number, Extra?]> = [
        ['room_started', 0],
        ['participant_joined', 0.2, { identity: 'alice' }],
        ['track_published', 0.3, { identity: 'alice' }],
        ['participant_joined', 1, { identity: 'bob' }],
        ['track_published', 1.1, { identity: 'bob', video: true }],
        ['egress_started', 2, { since: start + 2 * MINUTE }],
        ['egress_updated', 2.1, { since: start + 2 * MINUTE }],
        ['ingress_started', 5, { since: start + 5 * MINUTE }],
        ['ingress_ended', 30, { since: start + 5 * MINUTE }],
        ['track_unpublished', 38, { identity: 'bob', video: true }],
        ['participant_left', 38.1, { identity: 'bob' }],
        ['egress_ended', 39, { since: start + 2 * MINUTE }],
        ['participant_left', 39.5, { identity: 'alice' }],
        ['room_finished', 40, { since: start }],
      ];
      return Promise.all(
        scene.map(async ([event, minutes, extra]) => ({
          label: `livekit ${event}`,
          request: await livekitRequest(
            livekitEvent(
              event,
              { secret, session, at: start + minutes * MINUTE, env },
              { since: start, ...extra },
            ),
            secret,
          ),
        })),
      );
    },
    lookAround: (session) => ({
      title: 'the LiveKit room: its participants and ingress (children), timeline and recording',
      paths: [
        `/api/sessions/livekit/${encodeURIComponent(livekitRoomSid(session))}`,
        `/api/sessions/livekit/${encodeURIComponent(livekitRoomSid(session))}/events`,
        '/api/recordings?provider=livekit',
      ],
    }),
  },
};
