import { createHash } from 'node:crypto';
import type { IngestPlan } from 'src/ingestion/ingestion.types';
import { UploadFailedDto, UploadReadyDto } from 'src/providers/eyeson/dto/recording-upload.dto';
import {
  SessionFinishedDto,
  SupervisorSessionFinishedDto,
} from 'src/providers/eyeson/dto/session-finished.dto';
import { EyesonEventDto } from 'src/providers/eyeson/dto/eyeson-event.dto';
import {
  EYESON_STATUS,
  EyesonDelivery,
  EyesonEvent,
  idempotencyKey,
  planEyeson,
} from 'src/providers/eyeson/eyeson.mapper';

const REF = 'call-42';
const RECEIVED = new Date('2024-05-01T13:00:00.000Z');
const d = (iso: string) => new Date(iso);

const uploadReady = (): Record<string, unknown> => ({
  status: 'upload_ready',
  msg: 'Upload successful',
  rec_id: 'rec-1',
  client_id: 'client-agent-12',
  recording_started_at: '2024-05-01T12:00:05.000Z',
  recording_first_frame_written_at: '2024-05-01T12:00:05.420Z',
  recording_first_peerframe_captured_at: '2024-05-01T12:00:05.180+00:00',
  recording_stopped_at: '2024-05-01T12:10:05.000Z',
  recording_file_duration_ms: 599580,
  recording_file_size_bytes: 73400320,
});
const uploadFailed = (): Record<string, unknown> => ({
  status: 'upload_failed',
  msg: 'S3 unavailable',
  rec_id: 'rec-1',
  client_id: 'client-agent-12',
  upload_status_code: 503,
});
const sessionFinished = (): Record<string, unknown> => ({
  status: 'session_finished',
  msg: 'Session finished',
  rec_id: 'rec-1',
  client_id: 'client-agent-12',
  started_at: '2024-05-01T12:00:00.000Z',
  stopped_at: '2024-05-01T12:10:10.000Z',
});
const supervisorFinished = (): Record<string, unknown> => ({
  status: 'supervisor_session_finished',
  supervisor_session_id: 'sup-9',
  supervisor_client_id: 'client-supervisor-3',
  agent_session_id: 'agent-session-55',
  agent_client_id: 'client-agent-12',
  started_at: '2024-05-01T12:02:00.000Z',
  stopped_at: '2024-05-01T12:07:00.000Z',
});

/** Builds the tagged event the service would have validated (the mapper trusts its input's types). */
function delivery(payload: Record<string, unknown>, reference = REF): EyesonDelivery {
  const body = JSON.stringify(payload);
  const as = <T extends object>(cls: new () => T): T => Object.assign(new cls(), payload);
  const kind = payload.status;
  const event: EyesonEvent =
    kind === 'upload_ready'
      ? { kind, data: as(UploadReadyDto) }
      : kind === 'upload_failed'
        ? { kind, data: as(UploadFailedDto) }
        : kind === 'session_finished'
          ? { kind, data: as(SessionFinishedDto) }
          : kind === 'supervisor_session_finished'
            ? { kind, data: as(SupervisorSessionFinishedDto) }
            : { kind: 'other', data: as(EyesonEventDto) };
  return {
    reference,
    event,
    payload,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    receivedAt: RECEIVED,
  };
}

describe('planEyeson', () => {
  const cases: Array<[string, Record<string, unknown>, IngestPlan]> = [
    [
      'upload_ready: a ready recording of the call with its server times, duration and size',
      uploadReady(),
      {
        idempotencyKey: 'upload_ready:["call-42","rec-1"]',
        event: {
          type: 'upload_ready',
          known: true,
          occurredAt: d('2024-05-01T12:10:05.000Z'),
          payload: uploadReady(),
          sessionExternalId: REF,
          recordingExternalId: 'rec-1',
        },
        recordings: [
          {
            externalId: 'rec-1',
            sessionExternalId: REF,
            kind: 'recording',
            status: { value: 'ready', rank: 30 },
            startedAt: d('2024-05-01T12:00:05.000Z'),
            endedAt: d('2024-05-01T12:10:05.000Z'),
            durationMs: 599580,
            sizeBytes: 73400320,
            attributes: {
              clientId: 'client-agent-12',
              firstFrameWrittenAt: '2024-05-01T12:00:05.420Z',
              firstPeerFrameCapturedAt: '2024-05-01T12:00:05.180Z',
            },
          },
        ],
      },
    ],
    [
      'upload_failed: a failed recording with the upload HTTP status, placed at its arrival',
      uploadFailed(),
      {
        idempotencyKey: 'upload_failed:["call-42","rec-1",503]',
        event: {
          type: 'upload_failed',
          known: true,
          severity: 'error',
          occurredAt: RECEIVED,
          payload: uploadFailed(),
          sessionExternalId: REF,
          recordingExternalId: 'rec-1',
        },
        recordings: [
          {
            externalId: 'rec-1',
            sessionExternalId: REF,
            kind: 'recording',
            status: { value: 'failed', rank: 20 },
            error: 'Upload failed with HTTP status 503: S3 unavailable',
            attributes: { clientId: 'client-agent-12', uploadStatusCode: 503 },
          },
        ],
      },
    ],
    [
      'session_finished: the reference is the session; it links the affected recording',
      sessionFinished(),
      {
        idempotencyKey: 'session_finished:["call-42","client-agent-12","2024-05-01T12:00:00.000Z"]',
        event: {
          type: 'session_finished',
          known: true,
          occurredAt: d('2024-05-01T12:10:10.000Z'),
          payload: sessionFinished(),
          sessionExternalId: REF,
          recordingExternalId: 'rec-1',
        },
        sessions: [
          {
            externalId: REF,
            kind: 'session',
            status: { value: 'finished', rank: 100 },
            startedAt: d('2024-05-01T12:00:00.000Z'),
            endedAt: d('2024-05-01T12:10:10.000Z'),
            attributes: { clientId: 'client-agent-12' },
          },
        ],
        recordings: [{ externalId: 'rec-1', sessionExternalId: REF }],
      },
    ],
    [
      'session_finished without rec_id or client_id: only the session',
      { ...sessionFinished(), rec_id: undefined, client_id: null, msg: undefined },
      {
        idempotencyKey: 'session_finished:["call-42",null,"2024-05-01T12:00:00.000Z"]',
        event: {
          type: 'session_finished',
          known: true,
          occurredAt: d('2024-05-01T12:10:10.000Z'),
          payload: { ...sessionFinished(), rec_id: undefined, client_id: null, msg: undefined },
          sessionExternalId: REF,
          recordingExternalId: undefined,
        },
        sessions: [
          {
            externalId: REF,
            kind: 'session',
            status: { value: 'finished', rank: 100 },
            startedAt: d('2024-05-01T12:00:00.000Z'),
            endedAt: d('2024-05-01T12:10:10.000Z'),
            attributes: {},
          },
        ],
        recordings: [],
      },
    ],
    [
      'supervisor_session_finished: a supervisor session under the call (the reference) it joined',
      supervisorFinished(),
      {
        idempotencyKey: 'supervisor_session_finished:["call-42","sup-9"]',
        event: {
          type: 'supervisor_session_finished',
          known: true,
          occurredAt: d('2024-05-01T12:07:00.000Z'),
          payload: supervisorFinished(),
          sessionExternalId: REF,
        },
        sessions: [
          {
            externalId: 'sup-9',
            kind: 'supervisor',
            parentExternalId: REF,
            status: { value: 'finished', rank: 100 },
            startedAt: d('2024-05-01T12:02:00.000Z'),
            endedAt: d('2024-05-01T12:07:00.000Z'),
            attributes: {
              reference: REF,
              supervisorClientId: 'client-supervisor-3',
              agentSessionId: 'agent-session-55',
              agentClientId: 'client-agent-12',
            },
          },
        ],
      },
    ],
    [
      'an unknown status: kept on the call timeline, flagged, no state change',
      { status: 'recording_paused', rec_id: 'rec-1' },
      {
        idempotencyKey: `recording_paused:["call-42","${createHash('sha256')
          .update(JSON.stringify({ status: 'recording_paused', rec_id: 'rec-1' }))
          .digest('hex')}"]`,
        event: {
          type: 'recording_paused',
          known: false,
          occurredAt: RECEIVED,
          payload: { status: 'recording_paused', rec_id: 'rec-1' },
          sessionExternalId: REF,
        },
      },
    ],
  ];

  it.each(cases)('maps %s', (_what, payload, expected) => {
    expect(planEyeson(delivery(payload))).toEqual(expected);
  });

  it.each([
    ['upload_ready', uploadReady()],
    ['upload_failed', uploadFailed()],
    ['session_finished', sessionFinished()],
    ['supervisor_session_finished', supervisorFinished()],
    ['an unknown status', { status: 'something_new' }],
  ])('files %s under the reference of the URL it came to', (_what, payload) => {
    const a = planEyeson(delivery(payload, 'call-a'));
    const b = planEyeson(delivery(payload, 'call-b'));
    expect(a.event.sessionExternalId).toBe('call-a');
    expect(b.event.sessionExternalId).toBe('call-b');
    // The same event body at two callback URLs is two events, not a duplicate.
    expect(a.idempotencyKey).not.toBe(b.idempotencyKey);
  });

  it.each([
    ['the same upload_ready re-sent', true, uploadReady(), uploadReady()],
    ['upload_ready with a different message only', true, uploadReady(), { ...uploadReady(), msg: 'ok' }],
    ['upload_ready for another recording', false, uploadReady(), { ...uploadReady(), rec_id: 'rec-2' }],
    [
      'two upload failures with different HTTP codes',
      false,
      uploadFailed(),
      { ...uploadFailed(), upload_status_code: 500 },
    ],
    [
      'session_finished of another client',
      false,
      sessionFinished(),
      { ...sessionFinished(), client_id: 'c-2' },
    ],
    [
      'session_finished of a later session',
      false,
      sessionFinished(),
      { ...sessionFinished(), started_at: '2024-05-02T09:00:00Z' },
    ],
    ['the same unknown event re-sent', true, { status: 'x_new' }, { status: 'x_new' }],
    ['two different unknown events', false, { status: 'x_new', n: 1 }, { status: 'x_new', n: 2 }],
  ])('idempotency: %s → same key: %s', (_what, same, first, second) => {
    const a = planEyeson(delivery(first)).idempotencyKey;
    const b = planEyeson(delivery(second)).idempotencyKey;
    expect(a === b).toBe(same);
  });

  it('ranks a ready upload above a failed one, so a retry that succeeded wins in any order', () => {
    expect(EYESON_STATUS.recordingReady.rank).toBeGreaterThan(EYESON_STATUS.recordingFailed.rank);
    const ready = planEyeson(delivery(uploadReady())).recordings?.[0].status;
    const failed = planEyeson(delivery(uploadFailed())).recordings?.[0].status;
    expect(ready?.rank).toBeGreaterThan(failed?.rank ?? Infinity);
  });

  it.each([
    ['no zone (read as UTC, not host time)', '2024-05-01T12:00:00', '2024-05-01T12:00:00.000Z'],
    ['Z', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['an offset with colon', '2024-05-01T14:00:00+02:00', '2024-05-01T12:00:00.000Z'],
    ['an offset without colon', '2024-05-01T07:00:00-0500', '2024-05-01T12:00:00.000Z'],
    ['microseconds', '2024-05-01T12:00:00.123456Z', '2024-05-01T12:00:00.123Z'],
  ])('reads a time with %s', (_what, value, expected) => {
    const plan = planEyeson(delivery({ ...sessionFinished(), started_at: value }));
    expect(plan.sessions?.[0].startedAt?.toISOString()).toBe(expected);
  });

  it('keeps keys within the column for very long ids, stable for the same parts', () => {
    const parts = ['x'.repeat(128), 'r'.repeat(255), 'c'.repeat(255)];
    const key = idempotencyKey('session_finished', parts);
    expect(key).toMatch(/^session_finished:sha256:[0-9a-f]{64}$/);
    expect(idempotencyKey('session_finished', [...parts])).toBe(key);
    expect(idempotencyKey('session_finished', [...parts.slice(0, 2), 'd'.repeat(255)])).not.toBe(key);
    const longest = { ...sessionFinished(), client_id: 'c'.repeat(255) };
    expect(planEyeson(delivery(longest, 'x'.repeat(128))).idempotencyKey.length).toBeLessThanOrEqual(512);
    expect(idempotencyKey('s', ['a|b', 'c'])).not.toBe(idempotencyKey('s', ['a', 'b|c']));
  });
});
