import type { LivekitEventDto } from 'src/providers/livekit/dto/livekit-event.dto';
import { livekitNanos, livekitSeconds, mapLivekitEvent } from 'src/providers/livekit/livekit.mapper';

const T = 1_764_756_000; // Unix seconds
const ROOM = { sid: 'RM_hycBMAjmt6Ub', name: 'standup', creationTime: String(T) };
const ALICE = {
  sid: 'PA_alice',
  identity: 'alice',
  name: 'Alice',
  joinedAt: String(T + 5),
  kind: 'STANDARD',
};
/** The room's session as every event that names the room files it, and as it shows among the changes. */
const ROOM_SESSION = { externalId: ROOM.sid, kind: 'room' };
const ALICE_SESSION = { externalId: 'PA_alice' };
/** The egress's file, as LiveKit sends it (sizes and nanoseconds as strings) and as it is kept. */
const FILE = { filename: 'standup.mp4', location: 'https://s/standup.mp4' };
const FILE_SENT = { ...FILE, size: '4821', duration: '2380000000000' };
const FILE_KEPT = { ...FILE, sizeBytes: 4821, durationMs: 2_380_000 };
const at = (s: number) => new Date((T + s) * 1000);
const ns = (s: number) => `${T + s}000000000`;

function event(name: string, fields: Record<string, unknown>, seconds = 0): LivekitEventDto {
  return {
    event: name,
    id: `EV_${name}_${seconds}`,
    createdAt: String(T + seconds),
    ...fields,
  };
}

const egressInfo = (status: string, extra: Record<string, unknown> = {}) => ({
  egressId: 'EG_1',
  roomId: ROOM.sid,
  roomName: ROOM.name,
  status,
  startedAt: ns(10),
  roomComposite: { roomName: ROOM.name },
  ...extra,
});

const ingressInfo = (status: string, extra: Record<string, unknown> = {}) => ({
  ingressId: 'IN_1',
  name: 'studio',
  inputType: 'RTMP_INPUT',
  roomName: ROOM.name,
  state: { status, roomId: ROOM.sid, startedAt: ns(20), ...extra },
});

describe('mapLivekitEvent', () => {
  it.each([
    [
      'room_started: a session of kind room, started at its creation time',
      event('room_started', { room: ROOM }),
      {
        event: { type: 'room_started', known: true, occurredAt: at(0), sessionExternalId: ROOM.sid },
        sessions: [
          {
            ...ROOM_SESSION,
            status: { value: 'started', rank: 1 },
            startedAt: at(0),
            attributes: { name: 'standup' },
          },
        ],
      },
    ],
    [
      'room_finished: the room ends, at a higher rank than started',
      event('room_finished', { room: ROOM }, 2400),
      {
        sessions: [{ ...ROOM_SESSION, status: { value: 'finished', rank: 2 }, endedAt: at(2400) }],
      },
    ],
    [
      'participant_joined: on the room timeline, and a child session of the room',
      event('participant_joined', { room: ROOM, participant: ALICE }, 5),
      {
        event: { type: 'participant_joined', sessionExternalId: ROOM.sid },
        sessions: [
          ROOM_SESSION,
          {
            ...ALICE_SESSION,
            kind: 'participant',
            parentExternalId: ROOM.sid,
            status: { value: 'joined', rank: 1 },
            startedAt: at(5),
            attributes: { identity: 'alice', name: 'Alice', participantKind: 'STANDARD' },
          },
        ],
      },
    ],
    [
      'participant_left: the participant ends',
      event('participant_left', { room: ROOM, participant: ALICE }, 600),
      {
        sessions: [
          { externalId: ROOM.sid },
          { ...ALICE_SESSION, status: { value: 'left', rank: 2 }, endedAt: at(600) },
        ],
      },
    ],
    [
      'participant_connection_aborted: the participant ends as aborted',
      event('participant_connection_aborted', { room: ROOM, participant: ALICE }, 60),
      {
        sessions: [{ externalId: ROOM.sid }, { ...ALICE_SESSION, status: { value: 'aborted', rank: 2 } }],
      },
    ],
    [
      'track_published: on the room timeline, no state of its own',
      event('track_published', { room: ROOM, participant: ALICE, track: { sid: 'TR_1', type: 'AUDIO' } }, 6),
      {
        event: { type: 'track_published', known: true, sessionExternalId: ROOM.sid },
        sessions: [ROOM_SESSION],
      },
    ],
    [
      'egress_started: a recording of the room, starting',
      event('egress_started', { egressInfo: egressInfo('EGRESS_STARTING') }, 10),
      {
        event: { sessionExternalId: ROOM.sid, recordingExternalId: 'EG_1' },
        sessions: [{ ...ROOM_SESSION, attributes: { name: 'standup' } }],
        recordings: [
          {
            externalId: 'EG_1',
            sessionExternalId: ROOM.sid,
            kind: 'roomComposite',
            status: { value: 'starting', rank: 1 },
            startedAt: at(10),
            attributes: { roomName: 'standup' },
          },
        ],
      },
    ],
    [
      'egress_updated: active',
      event('egress_updated', { egressInfo: egressInfo('EGRESS_ACTIVE') }, 11),
      { recordings: [{ externalId: 'EG_1', status: { value: 'active', rank: 2 } }] },
    ],
    [
      'egress_ended: complete, with its file result as URL, size and duration',
      event(
        'egress_ended',
        {
          egressInfo: egressInfo('EGRESS_COMPLETE', {
            endedAt: ns(2390),
            fileResults: [FILE_SENT],
          }),
        },
        2391,
      ),
      {
        recordings: [
          {
            externalId: 'EG_1',
            status: { value: 'complete', rank: 4 },
            endedAt: at(2390),
            error: null,
            url: FILE.location,
            sizeBytes: FILE_KEPT.sizeBytes,
            durationMs: FILE_KEPT.durationMs,
            attributes: { roomName: 'standup', files: [FILE_KEPT] },
          },
        ],
      },
    ],
    [
      'egress_ended: failed, with its error',
      event('egress_ended', { egressInfo: egressInfo('EGRESS_FAILED', { error: 'upload failed' }) }, 30),
      { recordings: [{ externalId: 'EG_1', status: { value: 'failed', rank: 4 }, error: 'upload failed' }] },
    ],
    [
      'egress of a web page (no room): a recording without a session',
      event('egress_started', {
        egressInfo: { egressId: 'EG_web', status: 'EGRESS_STARTING', web: { url: 'https://x' } },
      }),
      { event: { recordingExternalId: 'EG_web' }, recordings: [{ externalId: 'EG_web', kind: 'web' }] },
    ],
    [
      'ingress_started: a child session of the room, publishing',
      event('ingress_started', { ingressInfo: ingressInfo('ENDPOINT_PUBLISHING') }, 20),
      {
        event: { sessionExternalId: ROOM.sid },
        sessions: [
          ROOM_SESSION,
          {
            externalId: 'IN_1',
            kind: 'ingress',
            parentExternalId: ROOM.sid,
            status: { value: 'publishing', rank: 1 },
            startedAt: at(20),
            attributes: { name: 'studio', inputType: 'RTMP_INPUT', roomName: 'standup' },
          },
        ],
      },
    ],
    [
      'ingress_ended: ended (same rank: an ingress can publish again)',
      event('ingress_ended', { ingressInfo: ingressInfo('ENDPOINT_INACTIVE', { endedAt: ns(1800) }) }, 1801),
      {
        sessions: [
          { externalId: ROOM.sid },
          { externalId: 'IN_1', status: { value: 'ended', rank: 1 }, endedAt: at(1800) },
        ],
      },
    ],
    [
      'ingress_ended with an error: failed',
      event('ingress_ended', { ingressInfo: ingressInfo('ENDPOINT_ERROR', { error: 'no input' }) }, 40),
      { sessions: [{ externalId: ROOM.sid }, { externalId: 'IN_1', status: { value: 'failed', rank: 1 } }] },
    ],
  ])('%s', (_name, body, expected) => {
    const plan = mapLivekitEvent(body);
    expect(plan).toMatchObject(expected);
    expect(plan.idempotencyKey).toBe(body.id);
    expect(plan.event.payload).toBe(body);
  });

  it('keeps an event it does not know on the room timeline, flagged unknown, with no state change', () => {
    const plan = mapLivekitEvent(event('room_metadata_changed', { room: ROOM }, 3));
    expect(plan.event).toMatchObject({ type: 'room_metadata_changed', known: false, occurredAt: at(3) });
    expect(plan.sessions).toEqual([{ ...ROOM_SESSION, attributes: { name: 'standup' } }]);
    expect(plan.recordings).toBeUndefined();
  });

  it('files a room by its name when LiveKit gives no sid', () => {
    const plan = mapLivekitEvent(event('room_started', { room: { name: 'lobby' } }));
    expect(plan.sessions?.[0]).toMatchObject({ externalId: 'lobby', kind: 'room' });
  });

  it.each([
    ['seconds', livekitSeconds(String(T)), new Date(T * 1000)],
    ['zero seconds (unset)', livekitSeconds('0'), undefined],
    ['nanoseconds to the millisecond', livekitNanos('1764756000123456789'), new Date(1_764_756_000_123)],
    ['absent nanoseconds', livekitNanos(undefined), undefined],
  ])('reads %s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});
