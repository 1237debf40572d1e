import type {
  IngestPlan,
  RecordingChange,
  SessionChange,
  TimelineEvent,
} from 'src/ingestion/ingestion.types';
import type { PerculusEnvelopeDto } from 'src/providers/perculus/dto/perculus-envelope.dto';
import type { SessionReportEventDto } from 'src/providers/perculus/dto/session-report-event.dto';
import type { SessionStatusEventDto } from 'src/providers/perculus/dto/session-status-event.dto';
import type { SingleVideoEventDto } from 'src/providers/perculus/dto/single-video-event.dto';
import { parsePerculusDate, perculusId } from 'src/providers/perculus/perculus-values';

/** The event families Perculus documents. */
export type PerculusFamily = 'SessionStatusEvent' | 'SessionReportEvent' | 'SingleVideoEvent';

/** A decoded Perculus message: the validated DTO of its family, and the parsed body as received. */
export type PerculusMessage = { plain: Record<string, unknown> } & (
  | { family: 'SessionStatusEvent'; body: SessionStatusEventDto }
  | { family: 'SessionReportEvent'; body: SessionReportEventDto }
  | { family: 'SingleVideoEvent'; body: SingleVideoEventDto }
  | { family: null; body: PerculusEnvelopeDto }
);

/** Session lifecycle: a late `started` never undoes `finished`. */
export const SESSION_RANK = { started: 10, finished: 20 } as const;
/** Both outcomes of a video are final; between two of them the newer wins. */
export const VIDEO_RANK = { ready: 20, failed: 20 } as const;
/** Perculus documents that a `video_url` expires 24 hours after it is sent. */
export const VIDEO_URL_LIFETIME_MS = 24 * 60 * 60 * 1000;

const FAMILIES: Record<string, PerculusFamily> = {
  sessionstatus: 'SessionStatusEvent',
  sessionreport: 'SessionReportEvent',
  singlevideo: 'SingleVideoEvent',
};

/**
 * Which documented family a `type` names. The exact spellings are not published, so case, separators and
 * a trailing `Event` are ignored: `SessionStatusEvent`, `session_status_event` and `sessionStatus` match.
 */
export function perculusFamily(type: unknown): PerculusFamily | null {
  if (typeof type !== 'string') return null;
  const key = type
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .replace(/event$/, '');
  return FAMILIES[key] ?? null;
}

/** The recording that holds a session's video. */
export const videoRecordingId = (sessionId: string): string => `${sessionId}:video`;

/** The stored payload: the body as received, but the token's MAC replaced (its timestamp is kept). */
function payloadOf(plain: Record<string, unknown>): Record<string, unknown> {
  const { token } = plain;
  if (token === undefined) return plain;
  const timestamp = typeof token === 'string' ? token.split('|')[0] : '';
  return { ...plain, token: `${timestamp}|[redacted]` };
}

const text = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value.length > 0 ? value : null;

const statusOf = (status: string): string => status.trim().toLowerCase();

function isOneOf<K extends string>(ranks: Record<K, number>, value: string): value is K {
  return Object.prototype.hasOwnProperty.call(ranks, value);
}

/**
 * Pure mapping of a validated Perculus message to its timeline event and state changes. `request_id` is
 * the idempotency key. A known family with a status this code does not know is kept, flagged unknown, and
 * changes no state.
 */
export function planPerculus(message: PerculusMessage, receivedAt: Date): IngestPlan {
  const idempotencyKey = perculusId(message.body.request_id);
  if (idempotencyKey === null) throw new Error('request_id was not validated');
  const event = (fields: Partial<TimelineEvent>): TimelineEvent => ({
    type: message.body.type,
    known: true,
    occurredAt: receivedAt,
    payload: payloadOf(message.plain),
    ...fields,
  });

  if (message.family === null) {
    const sessionId = perculusId(message.body.session_id) ?? undefined;
    return { idempotencyKey, event: event({ known: false, sessionExternalId: sessionId }) };
  }

  const sessionId = perculusId(message.body.session_id);
  if (sessionId === null) throw new Error('session_id was not validated');
  const status = statusOf(message.body.status);

  switch (message.family) {
    case 'SessionStatusEvent': {
      const date = parsePerculusDate(message.body.date);
      if (date === null) throw new Error('date was not validated');
      if (!isOneOf(SESSION_RANK, status)) {
        return {
          idempotencyKey,
          event: event({ known: false, occurredAt: date, sessionExternalId: sessionId }),
        };
      }
      const session: SessionChange = {
        externalId: sessionId,
        status: { value: status, rank: SESSION_RANK[status] },
        ...(status === 'started' ? { startedAt: date } : { endedAt: date }),
      };
      return {
        idempotencyKey,
        event: event({ occurredAt: date, sessionExternalId: sessionId }),
        sessions: [session],
      };
    }

    case 'SessionReportEvent': {
      if (status !== 'ready' && status !== 'failed') {
        return { idempotencyKey, event: event({ known: false, sessionExternalId: sessionId }) };
      }
      const session: SessionChange = {
        externalId: sessionId,
        // Newest report wins key by key; a later `ready` clears an earlier failure's error.
        attributes: { reportStatus: status, reportError: text(message.body.error) },
      };
      return {
        idempotencyKey,
        event: event({ severity: status === 'failed' ? 'error' : null, sessionExternalId: sessionId }),
        sessions: [session],
      };
    }

    case 'SingleVideoEvent': {
      if (!isOneOf(VIDEO_RANK, status)) {
        return { idempotencyKey, event: event({ known: false, sessionExternalId: sessionId }) };
      }
      const url = text(message.body.video_url);
      const recording: RecordingChange = {
        externalId: videoRecordingId(sessionId),
        sessionExternalId: sessionId,
        kind: 'video',
        status: { value: status, rank: VIDEO_RANK[status] },
        url,
        urlExpiresAt: url === null ? null : new Date(receivedAt.getTime() + VIDEO_URL_LIFETIME_MS),
        error: text(message.body.error),
      };
      return {
        idempotencyKey,
        event: event({
          severity: status === 'failed' ? 'error' : null,
          sessionExternalId: sessionId,
          recordingExternalId: recording.externalId,
        }),
        recordings: [recording],
      };
    }
  }
}
