import { createHash } from 'node:crypto';
import type { IngestPlan, RecordingChange, StatusChange, TimelineEvent } from 'src/ingestion/ingestion.types';
import type { EyesonEventDto } from 'src/providers/eyeson/dto/eyeson-event.dto';
import { parseIsoDateTime } from 'src/providers/eyeson/dto/iso-date-time';
import type { UploadFailedDto, UploadReadyDto } from 'src/providers/eyeson/dto/recording-upload.dto';
import type {
  SessionFinishedDto,
  SupervisorSessionFinishedDto,
} from 'src/providers/eyeson/dto/session-finished.dto';

/** A validated StreamRec webhook, tagged by the `status` it was validated as. */
export type EyesonEvent =
  | { kind: 'upload_ready'; data: UploadReadyDto }
  | { kind: 'upload_failed'; data: UploadFailedDto }
  | { kind: 'session_finished'; data: SessionFinishedDto }
  | { kind: 'supervisor_session_finished'; data: SupervisorSessionFinishedDto }
  /** A status this version does not know: only the envelope (`status`) was validated. */
  | { kind: 'other'; data: EyesonEventDto };

/** What the mapper needs of one delivery. */
export interface EyesonDelivery {
  /** The reference bound in the callback URL the delivery came to (verified by the guard). */
  reference: string;
  event: EyesonEvent;
  /** The body as parsed, stored on the timeline untouched. */
  payload: Record<string, unknown>;
  /** SHA-256 (hex) of the raw body: the identity of an event this version cannot read. */
  bodySha256: string;
  receivedAt: Date;
}

/**
 * Status ranks. A recording can have a failed upload and later a successful one; `ready` outranks
 * `failed`, so the outcome does not depend on arrival order. Sessions only ever report their end.
 */
export const EYESON_STATUS = {
  recordingFailed: { value: 'failed', rank: 20 },
  recordingReady: { value: 'ready', rank: 30 },
  sessionFinished: { value: 'finished', rank: 100 },
} as const satisfies Record<string, StatusChange>;

export const SUPERVISOR_KIND = 'supervisor';
const MAX_KEY_LENGTH = 512;

/**
 * `<status>:<JSON array of the ids>`: unambiguous whatever characters the ids hold. A key longer than the
 * column is replaced by a digest of the same parts (stable for the same event, so still de-duplicates).
 */
export function idempotencyKey(status: string, parts: ReadonlyArray<string | number | null>): string {
  const key = `${status}:${JSON.stringify(parts)}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${status}:sha256:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

/**
 * The attributes that have a value (a null would erase an older event's value in the merge). `msg` is not
 * state: it stays in the event payload on the timeline (a failed upload's goes into `error`).
 */
function present(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
}

const iso = (value: string | null | undefined): string | undefined =>
  value ? parseIsoDateTime(value).toISOString() : undefined;

function timelineEvent(d: EyesonDelivery, type: string, extra: Partial<TimelineEvent>): TimelineEvent {
  return {
    type,
    known: true,
    occurredAt: d.receivedAt,
    payload: d.payload,
    sessionExternalId: d.reference,
    ...extra,
  };
}

function uploadReady(d: EyesonDelivery, e: UploadReadyDto): IngestPlan {
  const stoppedAt = parseIsoDateTime(e.recording_stopped_at);
  const recording: RecordingChange = {
    externalId: e.rec_id,
    sessionExternalId: d.reference,
    kind: 'recording',
    status: EYESON_STATUS.recordingReady,
    startedAt: parseIsoDateTime(e.recording_started_at),
    endedAt: stoppedAt,
    durationMs: e.recording_file_duration_ms,
    sizeBytes: e.recording_file_size_bytes,
    attributes: present({
      clientId: e.client_id,
      firstFrameWrittenAt: iso(e.recording_first_frame_written_at),
      // Client clock (RTCP sync), unlike every other time here: compare only with client-side times.
      firstPeerFrameCapturedAt: iso(e.recording_first_peerframe_captured_at),
    }),
  };
  return {
    idempotencyKey: idempotencyKey(e.status, [d.reference, e.rec_id]),
    event: timelineEvent(d, e.status, { occurredAt: stoppedAt, recordingExternalId: e.rec_id }),
    recordings: [recording],
  };
}

function uploadFailed(d: EyesonDelivery, e: UploadFailedDto): IngestPlan {
  const reason = `Upload failed with HTTP status ${e.upload_status_code}`;
  return {
    // The status code is part of the identity: a second failed attempt with another code is a new event.
    idempotencyKey: idempotencyKey(e.status, [d.reference, e.rec_id, e.upload_status_code]),
    // No provider time in this event: it is placed at its arrival.
    event: timelineEvent(d, e.status, { severity: 'error', recordingExternalId: e.rec_id }),
    recordings: [
      {
        externalId: e.rec_id,
        sessionExternalId: d.reference,
        kind: 'recording',
        status: EYESON_STATUS.recordingFailed,
        error: e.msg ? `${reason}: ${e.msg}` : reason,
        attributes: present({ clientId: e.client_id, uploadStatusCode: e.upload_status_code }),
      },
    ],
  };
}

function sessionFinished(d: EyesonDelivery, e: SessionFinishedDto): IngestPlan {
  const startedAt = parseIsoDateTime(e.started_at);
  const stoppedAt = parseIsoDateTime(e.stopped_at);
  const recId = e.rec_id || undefined;
  return {
    idempotencyKey: idempotencyKey(e.status, [d.reference, e.client_id ?? null, startedAt.toISOString()]),
    event: timelineEvent(d, e.status, { occurredAt: stoppedAt, recordingExternalId: recId }),
    // The event names no session: the reference in the URL is the session.
    sessions: [
      {
        externalId: d.reference,
        kind: 'session',
        status: EYESON_STATUS.sessionFinished,
        startedAt,
        endedAt: stoppedAt,
        attributes: present({ clientId: e.client_id }),
      },
    ],
    recordings: recId === undefined ? [] : [{ externalId: recId, sessionExternalId: d.reference }],
  };
}

/**
 * A supervisor who joined the call. Its URL was minted for the call's reference (the agent session), so
 * the reference is the parent; Eyeson's `agent_session_id` is kept as an attribute.
 */
function supervisorSessionFinished(d: EyesonDelivery, e: SupervisorSessionFinishedDto): IngestPlan {
  const stoppedAt = parseIsoDateTime(e.stopped_at);
  return {
    idempotencyKey: idempotencyKey(e.status, [d.reference, e.supervisor_session_id]),
    event: timelineEvent(d, e.status, { occurredAt: stoppedAt }),
    sessions: [
      {
        externalId: e.supervisor_session_id,
        kind: SUPERVISOR_KIND,
        parentExternalId: d.reference,
        status: EYESON_STATUS.sessionFinished,
        startedAt: parseIsoDateTime(e.started_at),
        endedAt: stoppedAt,
        attributes: present({
          reference: d.reference,
          supervisorClientId: e.supervisor_client_id,
          agentSessionId: e.agent_session_id,
          agentClientId: e.agent_client_id,
        }),
      },
    ],
  };
}

/** Unknown status: kept on the call's timeline, flagged, identified by its exact bytes; no state change. */
function other(d: EyesonDelivery, e: EyesonEventDto): IngestPlan {
  return {
    idempotencyKey: idempotencyKey(e.status, [d.reference, d.bodySha256]),
    event: timelineEvent(d, e.status, { known: false }),
  };
}

/** Pure: a validated delivery → timeline event and state changes. */
export function planEyeson(d: EyesonDelivery): IngestPlan {
  const { event } = d;
  switch (event.kind) {
    case 'upload_ready':
      return uploadReady(d, event.data);
    case 'upload_failed':
      return uploadFailed(d, event.data);
    case 'session_finished':
      return sessionFinished(d, event.data);
    case 'supervisor_session_finished':
      return supervisorSessionFinished(d, event.data);
    case 'other':
      return other(d, event.data);
  }
}
