import type {
  IngestPlan,
  MeasurementChange,
  SampleChange,
  SessionChange,
  StatusChange,
} from 'src/ingestion/ingestion.types';
import type { WmsEnvelopeDto } from 'src/providers/wms/dto/wms-envelope.dto';
import { isWmsEvent, WmsEventName } from 'src/providers/wms/wms-events';

/**
 * Session status. Most events describe the session's current state, so the newest one wins (same rank);
 * a redirect to the callback or an unloaded page ends the WMS page for good (higher rank).
 */
const SESSION_STATUS: Partial<Record<WmsEventName, StatusChange>> = {
  WMS_LOADED: { value: 'active', rank: 1 },
  CONFIGURATION_LOADED: { value: 'active', rank: 1 },
  CAMERA_PERMISSION_GRANTED: { value: 'active', rank: 1 },
  CAMERA_STARTED: { value: 'active', rank: 1 },
  MEASUREMENT_STARTED: { value: 'active', rank: 1 },
  MEASUREMENT_CREATED: { value: 'active', rank: 1 },
  INTERMEDIATE_RESULTS: { value: 'active', rank: 1 },
  SCAN_COMPLETED: { value: 'active', rank: 1 },
  RESULTS_RECEIVED: { value: 'active', rank: 1 },
  WEBSOCKET_RECONNECTED: { value: 'active', rank: 1 },
  MEASUREMENT_CANCELED: { value: 'canceled', rank: 1 },
  CONSTRAINT_VIOLATION: { value: 'canceled', rank: 1 },
  LOW_SNR: { value: 'canceled', rank: 1 },
  CAMERA_PERMISSION_DENIED: { value: 'failed', rank: 1 },
  WEBSOCKET_RECONNECTION_FAILED: { value: 'failed', rank: 1 },
  API_ERROR: { value: 'failed', rank: 1 },
  GENERAL_ERROR: { value: 'failed', rank: 1 },
  REDIRECTING_TO_CALLBACK: { value: 'redirected', rank: 2 },
  PAGE_UNLOADED: { value: 'unloaded', rank: 2 },
};

/**
 * Measurement lifecycle: created → started → scan-completed → results-received, or one of the failure
 * ends. Ranks only grow, so events arriving out of order still end in the right status.
 */
const MEASUREMENT_STATUS: Partial<Record<WmsEventName, StatusChange>> = {
  MEASUREMENT_CREATED: { value: 'created', rank: 1 },
  MEASUREMENT_STARTED: { value: 'started', rank: 2 },
  INTERMEDIATE_RESULTS: { value: 'started', rank: 2 },
  SCAN_COMPLETED: { value: 'scan-completed', rank: 3 },
  RESULTS_RECEIVED: { value: 'results-received', rank: 4 },
  MEASUREMENT_CANCELED: { value: 'canceled', rank: 5 },
  CONSTRAINT_VIOLATION: { value: 'constraint-violation', rank: 5 },
  LOW_SNR: { value: 'low-snr', rank: 5 },
  WEBSOCKET_RECONNECTION_FAILED: { value: 'error', rank: 5 },
  API_ERROR: { value: 'error', rank: 5 },
  GENERAL_ERROR: { value: 'error', rank: 5 },
};

const SESSION_ENDING: ReadonlySet<string> = new Set(['REDIRECTING_TO_CALLBACK', 'PAGE_UNLOADED']);
const MEASUREMENT_ENDING: ReadonlySet<string> = new Set(
  Object.entries(MEASUREMENT_STATUS)
    .filter(([, s]) => s.rank >= 4)
    .map(([name]) => name),
);

/** WMS documents Unix seconds; a value that can only be milliseconds (after year 5138 in seconds) is read as ms. */
export function wmsTime(timestamp: number): Date {
  return new Date(timestamp > 100_000_000_000 ? timestamp : timestamp * 1000);
}

export function wmsIdempotencyKey(body: Pick<WmsEnvelopeDto, 'sessionId' | 'sequence'>): string {
  return `${body.sessionId}:${body.sequence}`;
}

/** Pure: one validated WMS event → its timeline entry and the state it implies. */
export function mapWmsEvent(body: WmsEnvelopeDto): IngestPlan {
  const occurredAt = wmsTime(body.timestamp);
  const known = isWmsEvent(body.event);
  const measurementId =
    typeof body.payload?.measurementId === 'string' ? body.payload.measurementId : undefined;

  const session: SessionChange = {
    externalId: body.sessionId,
    startedAt: occurredAt,
    endedAt: SESSION_ENDING.has(body.event) ? occurredAt : null,
    status: known ? SESSION_STATUS[body.event as WmsEventName] : undefined,
    attributes: { lastEvent: body.event, lastSeverity: body.severity },
  };

  const measurements: MeasurementChange[] = [];
  const samples: SampleChange[] = [];
  if (measurementId !== undefined) {
    const status = known ? MEASUREMENT_STATUS[body.event as WmsEventName] : undefined;
    measurements.push({
      externalId: measurementId,
      sessionExternalId: body.sessionId,
      status,
      startedAt: status !== undefined && status.rank <= 2 ? occurredAt : null,
      endedAt: MEASUREMENT_ENDING.has(body.event) ? occurredAt : null,
    });
    if (body.event === 'INTERMEDIATE_RESULTS') {
      const payload = body.payload as { snr: number; sequence: number };
      samples.push({
        measurementExternalId: measurementId,
        series: 'snr',
        sequence: payload.sequence,
        value: payload.snr,
      });
    }
  }

  return {
    idempotencyKey: wmsIdempotencyKey(body),
    event: {
      type: body.event,
      known,
      severity: body.severity,
      occurredAt,
      sequence: body.sequence,
      payload: body,
      sessionExternalId: body.sessionId,
      measurementExternalId: measurementId,
    },
    sessions: [session],
    measurements,
    samples,
  };
}
