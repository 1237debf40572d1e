import type { RawDelivery } from 'src/ingestion/ingestion.types';
import { PerculusService } from 'src/providers/perculus/perculus.service';

const raw = (body: unknown, contentType: string | null = 'application/json'): RawDelivery => ({
  provider: 'perculus',
  receivedAt: new Date('2024-05-01T13:05:00.000Z'),
  requestId: 'corr-1',
  contentType,
  headers: {},
  context: {},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

const base = { request_id: 'r-1', session_id: 's-1', token: '1|x' };

describe('PerculusService.decode', () => {
  it.each<[string, unknown, number, string]>([
    [
      'a SessionStatusEvent without date',
      { ...base, type: 'SessionStatusEvent', status: 'started' },
      422,
      'date',
    ],
    [
      'a SessionStatusEvent with an unreadable date',
      { ...base, type: 'SessionStatusEvent', status: 'started', date: '01.05.2024' },
      422,
      'date must be an ISO 8601 date-time',
    ],
    [
      'a known event without session_id',
      { request_id: 'r-1', type: 'SessionReportEvent', status: 'ready' },
      422,
      'session_id',
    ],
    ['a known event without status', { ...base, type: 'SingleVideoEvent' }, 422, 'status'],
    [
      'a video with a numeric video_url',
      { ...base, type: 'SingleVideoEvent', status: 'ready', video_url: 5 },
      422,
      'video_url',
    ],
    [
      'a report with an object error',
      { ...base, type: 'SessionReportEvent', status: 'failed', error: {} },
      422,
      'error',
    ],
    ['an unknown event without request_id', { type: 'Whatever' }, 422, 'request_id'],
    ['an event without type', { request_id: 'r-1' }, 422, 'type'],
    ['a JSON array', [], 422, 'JSON object'],
    ['malformed JSON', '{"request_id":', 400, 'not valid JSON'],
  ])('rejects %s', async (_name, body, status, detail) => {
    const decoded = await new PerculusService().decode(raw(body));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.rejection.status).toBe(status);
    expect(decoded.rejection.detail).toContain(detail);
  });

  it('rejects a body that is not declared as JSON', async () => {
    const decoded = await new PerculusService().decode(raw(base, 'text/plain'));
    expect(decoded.ok ? 'ok' : decoded.rejection.status).toBe(415);
  });

  it.each<[string, Record<string, unknown>, string | null]>([
    [
      'a status event',
      { ...base, type: 'SessionStatusEvent', status: 'started', date: 1714564800 },
      'SessionStatusEvent',
    ],
    [
      'a report with a null error',
      { ...base, type: 'SessionReportEvent', status: 'ready', error: null },
      'SessionReportEvent',
    ],
    [
      'a video with extra fields',
      { ...base, type: 'SingleVideoEvent', status: 'ready', size: 5 },
      'SingleVideoEvent',
    ],
    ['an unknown event with a numeric session', { request_id: 7, type: 'NewEvent', session_id: 8 }, null],
  ])('accepts %s', async (_name, body, family) => {
    const decoded = await new PerculusService().decode(raw(body));
    expect(decoded.ok ? decoded.value.family : decoded.rejection.detail).toBe(family);
  });
});
