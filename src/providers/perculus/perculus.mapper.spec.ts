import { orderKey } from 'src/ingestion/order-key';
import type { IngestPlan, RawDelivery } from 'src/ingestion/ingestion.types';
import { perculusFamily, planPerculus, VIDEO_URL_LIFETIME_MS } from 'src/providers/perculus/perculus.mapper';
import { PerculusService } from 'src/providers/perculus/perculus.service';

const RECEIVED = new Date('2024-05-01T13:05:00.000Z');
const TOKEN = '1714568700|ffbba36a444b2ffbe8b62a251ce4c48fcb1aa812def726606e097f56d0c5f1cf';

/** Decodes through the real DTOs (as the ingestion does), then maps. */
async function plan(body: Record<string, unknown>): Promise<IngestPlan> {
  const raw: RawDelivery = {
    provider: 'perculus',
    receivedAt: RECEIVED,
    requestId: 'corr-1',
    contentType: 'application/json',
    headers: {},
    context: {},
    body: Buffer.from(JSON.stringify(body)),
  };
  const service = new PerculusService();
  const decoded = await service.decode(raw);
  if (!decoded.ok) throw new Error(`not decoded: ${decoded.rejection.detail}`);
  return service.plan(decoded.value, raw);
}

const msg = (fields: Record<string, unknown>) => ({
  request_id: 'r-1',
  session_id: 's-1',
  token: TOKEN,
  ...fields,
});
const status = (value: string, date: unknown = '2024-05-01T12:00:00Z') =>
  msg({ type: 'SessionStatusEvent', status: value, date });

describe('planPerculus', () => {
  it('keys every message by its request_id', async () => {
    expect((await plan(status('started'))).idempotencyKey).toBe('r-1');
    expect((await plan({ ...status('started'), request_id: 9001 })).idempotencyKey).toBe('9001');
  });

  it.each([
    ['started', 10, { startedAt: new Date('2024-05-01T12:00:00Z') }],
    ['finished', 20, { endedAt: new Date('2024-05-01T12:00:00Z') }],
    ['Finished', 20, { endedAt: new Date('2024-05-01T12:00:00Z') }],
  ])(
    'a SessionStatusEvent %s gives the session that status (rank %i) and time',
    async (value, rank, times) => {
      const p = await plan(status(value));
      expect(p.sessions).toEqual([
        { externalId: 's-1', status: { value: value.toLowerCase(), rank }, ...times },
      ]);
      expect(p.event).toMatchObject({
        type: 'SessionStatusEvent',
        known: true,
        occurredAt: new Date('2024-05-01T12:00:00Z'),
        sessionExternalId: 's-1',
      });
    },
  );

  it('ranks finished above started, so a late started cannot undo finished', async () => {
    const started = await plan(status('started'));
    const finished = await plan(status('finished'));
    expect(finished.sessions?.[0].status?.rank).toBeGreaterThan(started.sessions?.[0].status?.rank ?? 99);
  });

  it('orders status events by their date, not by arrival', async () => {
    const started = await plan({ ...status('started', '2024-05-01T12:00:00Z'), request_id: 'zzz' });
    const finished = await plan({ ...status('finished', '2024-05-01T13:00:00Z'), request_id: 'aaa' });
    const version = (p: IngestPlan) => orderKey(p.event.occurredAt, p.event.sequence, p.idempotencyKey);
    expect(version(finished) > version(started)).toBe(true);
  });

  it.each([
    ['ISO 8601', '2024-05-01T12:00:00Z'],
    ['Unix seconds', 1714564800],
    ['Unix milliseconds', 1714564800000],
    ['Unix seconds as text', '1714564800'],
  ])('reads a date given as %s, and keeps the raw value in the payload', async (_name, date) => {
    const p = await plan(status('started', date));
    expect(p.event.occurredAt).toEqual(new Date('2024-05-01T12:00:00Z'));
    expect((p.event.payload as Record<string, unknown>).date).toBe(date);
  });

  it.each([
    ['ready', undefined, { reportStatus: 'ready', reportError: null }, null],
    ['failed', 'packing failed', { reportStatus: 'failed', reportError: 'packing failed' }, 'error'],
    ['failed', undefined, { reportStatus: 'failed', reportError: null }, 'error'],
  ])(
    'a SessionReportEvent %s (error %s) sets the report attributes',
    async (value, error, attributes, severity) => {
      const p = await plan(msg({ type: 'SessionReportEvent', status: value, ...(error ? { error } : {}) }));
      expect(p.sessions).toEqual([{ externalId: 's-1', attributes }]);
      expect(p.event).toMatchObject({
        known: true,
        severity,
        occurredAt: RECEIVED,
        sessionExternalId: 's-1',
      });
    },
  );

  it.each([
    [
      'ready',
      { video_url: 'https://cdn.example/v.mp4' },
      {
        url: 'https://cdn.example/v.mp4',
        urlExpiresAt: new Date(RECEIVED.getTime() + VIDEO_URL_LIFETIME_MS),
        error: null,
      },
    ],
    ['failed', { error: 'encoding failed' }, { url: null, urlExpiresAt: null, error: 'encoding failed' }],
    ['ready', { video_url: '' }, { url: null, urlExpiresAt: null, error: null }],
  ])('a SingleVideoEvent %s %j updates the session video recording', async (value, fields, expected) => {
    const p = await plan(msg({ type: 'SingleVideoEvent', status: value, ...fields }));
    expect(p.recordings).toEqual([
      {
        externalId: 's-1:video',
        sessionExternalId: 's-1',
        kind: 'video',
        status: { value, rank: 20 },
        ...expected,
      },
    ]);
    expect(p.event).toMatchObject({
      known: true,
      sessionExternalId: 's-1',
      recordingExternalId: 's-1:video',
    });
  });

  it('expires a video URL 24 hours after it was received', async () => {
    const p = await plan(msg({ type: 'SingleVideoEvent', status: 'ready', video_url: 'https://x/v' }));
    expect(p.recordings?.[0].urlExpiresAt).toEqual(new Date('2024-05-02T13:05:00.000Z'));
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['an unknown type', msg({ type: 'SessionRecordingEvent', status: 'ready' }), 's-1'],
    [
      'an unknown type without a session',
      { request_id: 'r-1', type: 'AccountEvent', token: TOKEN },
      undefined,
    ],
    ['an unknown session status', status('paused'), 's-1'],
    ['an unknown report status', msg({ type: 'SessionReportEvent', status: 'pending' }), 's-1'],
    ['an unknown video status', msg({ type: 'SingleVideoEvent', status: 'processing' }), 's-1'],
  ])('keeps %s on the timeline, flagged unknown, changing no state', async (_name, body, sessionId) => {
    const p = await plan(body);
    expect(p.event.known).toBe(false);
    expect(p.event.type).toBe(body.type);
    expect(p.event.sessionExternalId).toBe(sessionId);
    expect(p.sessions).toBeUndefined();
    expect(p.recordings).toBeUndefined();
  });

  it('stores the payload with the token MAC redacted and its timestamp kept', async () => {
    const p = await plan({ ...status('started'), extra: { nested: true } });
    expect(p.event.payload).toEqual({
      request_id: 'r-1',
      session_id: 's-1',
      type: 'SessionStatusEvent',
      status: 'started',
      date: '2024-05-01T12:00:00Z',
      extra: { nested: true },
      token: '1714568700|[redacted]',
    });
  });

  it('throws rather than guess when given an unvalidated message', () => {
    const body = { request_id: '', type: 'X', session_id: 's' };
    expect(() => planPerculus({ family: null, body, plain: body }, RECEIVED)).toThrow('request_id');
  });
});

describe('perculusFamily', () => {
  it.each([
    ['SessionStatusEvent', 'SessionStatusEvent'],
    ['sessionstatusevent', 'SessionStatusEvent'],
    ['session_status_event', 'SessionStatusEvent'],
    ['SessionStatus', 'SessionStatusEvent'],
    ['SessionReportEvent', 'SessionReportEvent'],
    ['session-report', 'SessionReportEvent'],
    ['SingleVideoEvent', 'SingleVideoEvent'],
    ['SINGLE_VIDEO_EVENT', 'SingleVideoEvent'],
    ['SessionEvent', null],
    ['Video', null],
    [42, null],
  ])('reads type %j as %s', (type, family) => {
    expect(perculusFamily(type)).toBe(family);
  });
});
