import { orderKey } from 'src/ingestion/order-key';
import type { WmsEnvelopeDto } from 'src/providers/wms/dto/wms-envelope.dto';
import { mapWmsEvent, wmsTime } from 'src/providers/wms/wms.mapper';

const M = 'f0c8ca8d-111d-4dcf-a69d-46ed39a2db06';
const event = (name: string, payload?: Record<string, unknown>, severity = 'INFO'): WmsEnvelopeDto => ({
  timestamp: 1689684577,
  sessionId: 'ryueiwoqfh910fu3rpqruvfiu',
  sequence: 3,
  event: name,
  severity,
  payload,
});

describe('mapWmsEvent', () => {
  it('maps the documented example to a timeline event keyed by (sessionId, sequence)', () => {
    const plan = mapWmsEvent({ ...event('MEASUREMENT_CREATED', { measurementId: M }), sequence: 0 });
    expect(plan.idempotencyKey).toBe('ryueiwoqfh910fu3rpqruvfiu:0');
    expect(plan.event).toMatchObject({
      type: 'MEASUREMENT_CREATED',
      known: true,
      severity: 'INFO',
      occurredAt: new Date('2023-07-18T12:49:37.000Z'),
      sequence: 0,
      sessionExternalId: 'ryueiwoqfh910fu3rpqruvfiu',
      measurementExternalId: M,
    });
    expect(plan.measurements).toEqual([
      expect.objectContaining({
        externalId: M,
        sessionExternalId: 'ryueiwoqfh910fu3rpqruvfiu',
        status: { value: 'created', rank: 1 },
      }),
    ]);
  });

  it.each([
    ['MEASUREMENT_CREATED', { measurementId: M }, 'created', 1],
    ['MEASUREMENT_STARTED', { measurementId: M }, 'started', 2],
    ['INTERMEDIATE_RESULTS', { measurementId: M, snr: 3, sequence: 1 }, 'started', 2],
    ['SCAN_COMPLETED', { measurementId: M }, 'scan-completed', 3],
    ['RESULTS_RECEIVED', { measurementId: M }, 'results-received', 4],
    ['MEASUREMENT_CANCELED', { measurementId: M }, 'canceled', 5],
    ['CONSTRAINT_VIOLATION', { measurementId: M }, 'constraint-violation', 5],
    ['LOW_SNR', { details: 'LOW_SNR', measurementId: M }, 'low-snr', 5],
    ['WEBSOCKET_RECONNECTION_FAILED', { measurementId: M }, 'error', 5],
    ['API_ERROR', { measurementId: M }, 'error', 5],
  ])('%s %j moves the measurement to %s (rank %i)', (name, payload, status, rank) => {
    const plan = mapWmsEvent(event(name, payload));
    expect(plan.measurements?.[0].status).toEqual({ value: status, rank });
  });

  it.each([
    ['PAGE_VISIBILITY_CHANGE', { measurementId: M, state: 'HIDDEN' }],
    ['WEBSOCKET_DISCONNECTED', { measurementId: M }],
    ['WEBSOCKET_RECONNECTED', { measurementId: M }],
    ['REDIRECTING_TO_CALLBACK', { measurementId: M }],
    ['PAGE_UNLOADED', { measurementId: M }],
  ])('%s links the measurement without changing its status', (name, payload) => {
    const plan = mapWmsEvent(event(name, payload));
    expect(plan.measurements).toHaveLength(1);
    expect(plan.measurements?.[0].status).toBeUndefined();
    expect(plan.event.measurementExternalId).toBe(M);
  });

  it.each([
    ['WMS_LOADED', 'active', 1, false],
    ['CAMERA_PERMISSION_DENIED', 'failed', 1, false],
    ['MEASUREMENT_CANCELED', 'canceled', 1, false],
    ['GENERAL_ERROR', 'failed', 1, false],
    ['REDIRECTING_TO_CALLBACK', 'redirected', 2, true],
    ['PAGE_UNLOADED', 'unloaded', 2, true],
  ])('%s gives the session status %s (rank %i), ends it: %s', (name, status, rank, ends) => {
    const plan = mapWmsEvent(
      event(name, name === 'GENERAL_ERROR' ? { details: 'CAMERA_START_ERROR' } : { measurementId: M }),
    );
    expect(plan.sessions?.[0].status).toEqual({ value: status, rank });
    expect(plan.sessions?.[0].endedAt).toEqual(ends ? wmsTime(1689684577) : null);
  });

  it('records each intermediate SNR as a sample of the measurement', () => {
    const plan = mapWmsEvent(event('INTERMEDIATE_RESULTS', { measurementId: M, snr: 12.5, sequence: 7 }));
    expect(plan.samples).toEqual([{ measurementExternalId: M, series: 'snr', sequence: 7, value: 12.5 }]);
  });

  it('keeps an unknown event on the timeline, flagged, without touching state', () => {
    const plan = mapWmsEvent(event('BRAND_NEW_EVENT', { measurementId: M }, 'WARN'));
    expect(plan.event).toMatchObject({ type: 'BRAND_NEW_EVENT', known: false, severity: 'WARN' });
    expect(plan.sessions?.[0].status).toBeUndefined();
    expect(plan.measurements?.[0].status).toBeUndefined();
    expect(plan.sessions?.[0].attributes).toEqual({ lastEvent: 'BRAND_NEW_EVENT', lastSeverity: 'WARN' });
  });

  it('orders events of the same second by sequence', () => {
    const a = mapWmsEvent({ ...event('CAMERA_STARTED'), sequence: 9 });
    const b = mapWmsEvent({ ...event('MEASUREMENT_STARTED'), sequence: 10 });
    const key = (p: typeof a) => orderKey(p.event.occurredAt, p.event.sequence, p.idempotencyKey);
    expect(key(a) < key(b)).toBe(true);
  });

  it.each([
    [1689684577, '2023-07-18T12:49:37.000Z'],
    [1689684577123, '2023-07-18T12:49:37.123Z'],
  ])('reads timestamp %d as %s', (ts, iso) => {
    expect(wmsTime(ts).toISOString()).toBe(iso);
  });
});
