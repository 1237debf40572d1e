import type {
  IngestPlan,
  RecordingChange,
  SessionChange,
  StatusChange,
  TimelineEvent,
} from 'src/ingestion/ingestion.types';
import type {
  LivekitEgressInfo,
  LivekitEventDto,
  LivekitIngressInfo,
  LivekitParticipant,
  LivekitRoom,
} from 'src/providers/livekit/dto/livekit-event.dto';

/** Every event LiveKit documents (its SDK's `WebhookEventNames`). */
export const LIVEKIT_EVENTS = [
  'room_started',
  'room_finished',
  'participant_joined',
  'participant_left',
  'participant_connection_aborted',
  'track_published',
  'track_unpublished',
  'egress_started',
  'egress_updated',
  'egress_ended',
  'ingress_started',
  'ingress_ended',
] as const;
export type LivekitEventName = (typeof LIVEKIT_EVENTS)[number];

const isKnown = (event: string): event is LivekitEventName =>
  (LIVEKIT_EVENTS as readonly string[]).includes(event);

const ROOM_STATUS: Partial<Record<LivekitEventName, StatusChange>> = {
  room_started: { value: 'started', rank: 1 },
  room_finished: { value: 'finished', rank: 2 },
};

const PARTICIPANT_STATUS: Partial<Record<LivekitEventName, StatusChange>> = {
  participant_joined: { value: 'joined', rank: 1 },
  participant_left: { value: 'left', rank: 2 },
  participant_connection_aborted: { value: 'aborted', rank: 2 },
};

/** Egress lifecycle (`EgressStatus`); the four ends share the top rank, so updates out of order never go back. */
const EGRESS_STATUS: Record<string, StatusChange> = {
  EGRESS_STARTING: { value: 'starting', rank: 1 },
  EGRESS_ACTIVE: { value: 'active', rank: 2 },
  EGRESS_ENDING: { value: 'ending', rank: 3 },
  EGRESS_COMPLETE: { value: 'complete', rank: 4 },
  EGRESS_FAILED: { value: 'failed', rank: 4 },
  EGRESS_ABORTED: { value: 'aborted', rank: 4 },
  EGRESS_LIMIT_REACHED: { value: 'limit_reached', rank: 4 },
};

/** The egress request kinds, in `EgressInfo`'s `request` oneof. */
const EGRESS_KINDS = ['roomComposite', 'web', 'participant', 'trackComposite', 'track'] as const;

/** Unix seconds (protobuf JSON writes 64-bit integers as strings); 0 or absent means not set. */
export function livekitSeconds(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d+$/.test(value) || /^0+$/.test(value)) return undefined;
  return new Date(Number(value) * 1000);
}

/** Unix nanoseconds (egress and ingress times), to the millisecond; 0 or absent means not set. */
export function livekitNanos(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d+$/.test(value) || /^0+$/.test(value)) return undefined;
  return new Date(Number(BigInt(value) / 1_000_000n));
}

const nanosToMs = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d+$/.test(value) ? Number(BigInt(value) / 1_000_000n) : undefined;

const count = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;

/** A room's session id: its `sid` (unique per room instance; names are reused), else its name. */
const roomId = (room: LivekitRoom | undefined): string | undefined => room?.sid || room?.name || undefined;

function roomSession(
  externalId: string,
  name: string | undefined,
  change: Partial<SessionChange> = {},
): SessionChange {
  return {
    externalId,
    kind: 'room',
    ...change,
    attributes: { ...(name ? { name } : {}), ...change.attributes },
  };
}

/**
 * A participant is a child session of its room (`kind: participant`): it has a life of its own (joined,
 * left or aborted, with its times), so the room's children answer "who was there, when" from state, while
 * the join and leave events stay on the room's timeline beside its tracks.
 */
function participantSession(
  roomExternalId: string,
  participant: LivekitParticipant,
  event: LivekitEventName,
  at: Date,
): SessionChange | undefined {
  const id =
    participant.sid || (participant.identity ? `${roomExternalId}/${participant.identity}` : undefined);
  if (id === undefined) return undefined;
  const status = PARTICIPANT_STATUS[event];
  return {
    externalId: id,
    kind: 'participant',
    parentExternalId: roomExternalId,
    ...(status ? { status } : {}),
    ...(event === 'participant_joined' ? { startedAt: livekitSeconds(participant.joinedAt) ?? at } : {}),
    ...(status && status.rank === 2 ? { endedAt: at } : {}),
    attributes: {
      identity: participant.identity,
      ...(participant.name ? { name: participant.name } : {}),
      ...(participant.kind ? { participantKind: participant.kind } : {}),
      ...(participant.disconnectReason ? { disconnectReason: participant.disconnectReason } : {}),
    },
  };
}

/** An egress is a recording of its room: its status, times, error and what it wrote (the first file is its URL). */
function egressRecording(
  info: LivekitEgressInfo,
  roomExternalId: string | undefined,
): RecordingChange | undefined {
  if (!info.egressId) return undefined;
  const files = info.fileResults ?? [];
  const first = files[0];
  const status = info.status ? EGRESS_STATUS[info.status] : undefined;
  const ended = status?.rank === 4;
  return {
    externalId: info.egressId,
    ...(roomExternalId ? { sessionExternalId: roomExternalId } : {}),
    kind: EGRESS_KINDS.find((k) => info[k] !== undefined) ?? 'egress',
    ...(status ? { status } : {}),
    ...(livekitNanos(info.startedAt) ? { startedAt: livekitNanos(info.startedAt) } : {}),
    ...(livekitNanos(info.endedAt) ? { endedAt: livekitNanos(info.endedAt) } : {}),
    ...(ended ? { error: info.error || null } : {}),
    ...(first
      ? {
          url: first.location || null,
          sizeBytes: count(first.size) ?? null,
          durationMs: nanosToMs(first.duration) ?? null,
        }
      : {}),
    attributes: {
      ...(info.roomName ? { roomName: info.roomName } : {}),
      ...(files.length > 0
        ? {
            files: files.map((f) => ({
              filename: f.filename,
              location: f.location,
              sizeBytes: count(f.size),
              durationMs: nanosToMs(f.duration),
            })),
          }
        : {}),
      ...(info.streamResults?.length ? { streams: info.streamResults } : {}),
      ...(info.segmentResults?.length ? { segments: info.segmentResults } : {}),
      ...(info.imageResults?.length ? { images: info.imageResults } : {}),
    },
  };
}

/**
 * An ingress is a session of its own (`kind: ingress`), a child of the room it publishes into. One ingress
 * can publish many times, so started and ended share a rank: the newest says what it does now.
 */
function ingressSession(
  info: LivekitIngressInfo,
  event: LivekitEventName,
  at: Date,
): SessionChange | undefined {
  if (!info.ingressId) return undefined;
  const state = info.state ?? {};
  const failed = state.status === 'ENDPOINT_ERROR' || Boolean(state.error);
  const value = event === 'ingress_started' ? 'publishing' : failed ? 'failed' : 'ended';
  return {
    externalId: info.ingressId,
    kind: 'ingress',
    ...(state.roomId ? { parentExternalId: state.roomId } : {}),
    status: { value, rank: 1 },
    ...(event === 'ingress_started' ? { startedAt: livekitNanos(state.startedAt) ?? at } : {}),
    ...(event === 'ingress_ended' ? { endedAt: livekitNanos(state.endedAt) ?? at } : {}),
    attributes: {
      ...(info.name ? { name: info.name } : {}),
      ...(info.inputType ? { inputType: info.inputType } : {}),
      ...(info.roomName ? { roomName: info.roomName } : {}),
      ...(info.participantIdentity ? { participantIdentity: info.participantIdentity } : {}),
      ...(state.error ? { error: state.error } : {}),
    },
  };
}

/**
 * Pure: one LiveKit webhook → its timeline event and the state it implies. Rooms are sessions of kind
 * `room`; participants, tracks, egress and ingress events go on their room's timeline; an egress is a
 * recording with its file results; participants and ingresses are child sessions of the room.
 */
export function mapLivekitEvent(body: LivekitEventDto): IngestPlan {
  const occurredAt = livekitSeconds(body.createdAt) ?? new Date(0);
  const known = isKnown(body.event);
  const sessions: SessionChange[] = [];
  const recordings: RecordingChange[] = [];
  const event: TimelineEvent = { type: body.event, known, occurredAt, payload: body };

  const roomExternalId =
    roomId(body.room) ?? (body.egressInfo?.roomId || body.ingressInfo?.state?.roomId || undefined);
  const roomName = body.room?.name ?? body.egressInfo?.roomName ?? body.ingressInfo?.roomName;
  if (roomExternalId !== undefined) {
    const status = known ? ROOM_STATUS[body.event as LivekitEventName] : undefined;
    sessions.push(
      roomSession(roomExternalId, roomName, {
        ...(status ? { status } : {}),
        ...(body.event === 'room_started'
          ? { startedAt: livekitSeconds(body.room?.creationTime) ?? occurredAt }
          : {}),
        ...(body.event === 'room_finished' ? { endedAt: occurredAt } : {}),
      }),
    );
    event.sessionExternalId = roomExternalId;
  }
  if (known && roomExternalId !== undefined && body.participant && body.event.startsWith('participant_')) {
    const participant = participantSession(
      roomExternalId,
      body.participant,
      body.event as LivekitEventName,
      occurredAt,
    );
    if (participant) sessions.push(participant);
  }
  if (known && body.egressInfo && body.event.startsWith('egress_')) {
    const recording = egressRecording(body.egressInfo, roomExternalId);
    if (recording) {
      recordings.push(recording);
      event.recordingExternalId = recording.externalId;
    }
  }
  if (known && body.ingressInfo && body.event.startsWith('ingress_')) {
    const ingress = ingressSession(body.ingressInfo, body.event as LivekitEventName, occurredAt);
    if (ingress) {
      sessions.push(ingress);
      event.sessionExternalId ??= ingress.externalId;
    }
  }
  return {
    idempotencyKey: body.id,
    event,
    ...(sessions.length > 0 ? { sessions } : {}),
    ...(recordings.length > 0 ? { recordings } : {}),
  };
}
