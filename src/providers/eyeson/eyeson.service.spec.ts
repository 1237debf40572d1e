import type { RawDelivery } from 'src/ingestion/ingestion.types';
import { EyesonService } from 'src/providers/eyeson/eyeson.service';

const service = new EyesonService();

function raw(
  body: unknown,
  context: Record<string, string> = { reference: 'call-42' },
  contentType = 'application/json',
): RawDelivery {
  return {
    provider: 'eyeson',
    receivedAt: new Date('2024-05-01T13:00:00Z'),
    requestId: 'req-1',
    contentType,
    headers: {},
    context,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

const valid: Record<string, Record<string, unknown>> = {
  upload_ready: {
    status: 'upload_ready',
    rec_id: 'rec-1',
    recording_started_at: '2024-05-01T12:00:05Z',
    recording_stopped_at: '2024-05-01T12:10:05Z',
    recording_file_duration_ms: 599580,
    recording_file_size_bytes: 73400320,
  },
  upload_failed: { status: 'upload_failed', rec_id: 'rec-1', upload_status_code: 503 },
  session_finished: {
    status: 'session_finished',
    started_at: '2024-05-01T12:00:00Z',
    stopped_at: '2024-05-01T12:10:10Z',
  },
  supervisor_session_finished: {
    status: 'supervisor_session_finished',
    supervisor_session_id: 'sup-9',
    started_at: '2024-05-01T12:02:00Z',
    stopped_at: '2024-05-01T12:07:00Z',
  },
};

describe('EyesonService.decode', () => {
  it.each(Object.entries(valid))('accepts a minimal %s and tags it with its status', async (status, body) => {
    const result = await service.decode(raw({ ...body, extra_field_added_later: { x: 1 } }));
    expect(result).toMatchObject({ ok: true, value: { reference: 'call-42', event: { kind: status } } });
    // The stored payload is the body as sent, extra fields included.
    if (result.ok) expect(result.value.payload).toHaveProperty('extra_field_added_later', { x: 1 });
  });

  it('accepts an unknown status after validating only the status', async () => {
    const result = await service.decode(raw({ status: 'recording_paused', anything: [1, 2] }));
    expect(result).toMatchObject({
      ok: true,
      value: { event: { kind: 'other', data: { status: 'recording_paused' } } },
    });
  });

  it.each([
    ['status missing', { rec_id: 'r' }, 'status'],
    ['status not a string', { status: 7 }, 'status'],
    ['status empty', { status: '' }, 'status'],
    [
      'duration as a string',
      { ...valid.upload_ready, recording_file_duration_ms: '599580' },
      'recording_file_duration_ms',
    ],
    [
      'duration fractional',
      { ...valid.upload_ready, recording_file_duration_ms: 1.5 },
      'recording_file_duration_ms',
    ],
    ['size negative', { ...valid.upload_ready, recording_file_size_bytes: -1 }, 'recording_file_size_bytes'],
    [
      'size beyond a safe integer',
      { ...valid.upload_ready, recording_file_size_bytes: 2 ** 60 },
      'recording_file_size_bytes',
    ],
    ['rec_id missing', { ...valid.upload_ready, rec_id: undefined }, 'rec_id'],
    ['rec_id empty', { ...valid.upload_failed, rec_id: '' }, 'rec_id'],
    ['rec_id too long', { ...valid.upload_failed, rec_id: 'r'.repeat(256) }, 'rec_id'],
    [
      'stopped time not ISO 8601',
      { ...valid.upload_ready, recording_stopped_at: '01.05.2024 12:10' },
      'recording_stopped_at',
    ],
    ['a date without a time', { ...valid.session_finished, started_at: '2024-05-01' }, 'started_at'],
    ['an impossible date', { ...valid.session_finished, stopped_at: '2024-02-30T12:00:00Z' }, 'stopped_at'],
    ['a Unix timestamp for a time', { ...valid.session_finished, stopped_at: 1714565410 }, 'stopped_at'],
    [
      'peer frame time malformed',
      { ...valid.upload_ready, recording_first_peerframe_captured_at: 'yesterday' },
      'recording_first_peerframe_captured_at',
    ],
    [
      'upload status code missing',
      { ...valid.upload_failed, upload_status_code: undefined },
      'upload_status_code',
    ],
    [
      'upload status code out of range',
      { ...valid.upload_failed, upload_status_code: 1000 },
      'upload_status_code',
    ],
    [
      'supervisor session id missing',
      { ...valid.supervisor_session_finished, supervisor_session_id: undefined },
      'supervisor_session_id',
    ],
    [
      'agent session id not a string',
      { ...valid.supervisor_session_finished, agent_session_id: 55 },
      'agent_session_id',
    ],
  ])('rejects %s with 422 naming the field', async (_what, body, path) => {
    const result = await service.decode(raw(body));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection).toMatchObject({ status: 422, code: 'validation-failed' });
      expect(result.rejection.errors?.map((e) => e.path)).toContain(path);
    }
  });

  it.each([
    ['malformed JSON', '{"status":', 'application/json', 400],
    ['an empty body', '', 'application/json', 400],
    ['a JSON array', '[]', 'application/json', 422],
    ['a form post', 'status=upload_ready', 'application/x-www-form-urlencoded', 415],
  ])('rejects %s', async (_what, body, contentType, status) => {
    const result = await service.decode(raw(body, { reference: 'call-42' }, contentType));
    expect(result).toMatchObject({ ok: false, rejection: { status } });
  });

  it.each([
    ['no reference', {}],
    ['an invalid reference', { reference: 'a/b' }],
  ])(
    'rejects a delivery whose stored context has %s (a replay without the guard finding)',
    async (_what, context) => {
      const result = await service.decode(raw(valid.upload_failed, context));
      expect(result).toMatchObject({ ok: false, rejection: { status: 422 } });
    },
  );
});
