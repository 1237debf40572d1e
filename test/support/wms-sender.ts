import { createHmac } from 'node:crypto';

export interface WmsEvent {
  timestamp: number;
  sessionId: string;
  sequence: number;
  event: string;
  severity: string;
  payload?: Record<string, unknown>;
}

/** The header WMS sends, computed as in its documentation: HMAC-SHA256 keyed with the MAC secret, hex. */
export function wmsSignature(body: string | Buffer, macSecret: string | Buffer): string {
  return 'hmac-sha256=' + createHmac('sha256', macSecret).update(body).digest('hex');
}

/** The documented sample verbatim: `hmac.update(requestBody.toString(), 'ascii')`. */
export function wmsSampleSignature(body: Buffer, macSecret: string): string {
  const hmac = createHmac('sha256', macSecret);
  hmac.update(body.toString(), 'ascii');
  return 'hmac-sha256=' + hmac.digest('hex');
}

/** A realistic measurement session as WMS emits it, sequence 0..n. */
export function wmsMeasurementFlow(sessionId: string, measurementId: string, start = 1689684577): WmsEvent[] {
  const events: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['WMS_LOADED', 'INFO', undefined],
    ['CONFIGURATION_LOADED', 'INFO', undefined],
    ['CAMERA_PERMISSION_GRANTED', 'INFO', undefined],
    ['CAMERA_STARTED', 'INFO', undefined],
    ['MEASUREMENT_STARTED', 'INFO', undefined],
    ['MEASUREMENT_CREATED', 'INFO', { measurementId }],
    ['INTERMEDIATE_RESULTS', 'INFO', { measurementId, snr: 4, sequence: 1 }],
    ['INTERMEDIATE_RESULTS', 'INFO', { measurementId, snr: 7, sequence: 2 }],
    ['PAGE_VISIBILITY_CHANGE', 'INFO', { measurementId, state: 'VISIBLE' }],
    ['INTERMEDIATE_RESULTS', 'INFO', { measurementId, snr: 9, sequence: 3 }],
    ['SCAN_COMPLETED', 'INFO', { measurementId }],
    ['RESULTS_RECEIVED', 'INFO', { measurementId }],
    ['REDIRECTING_TO_CALLBACK', 'INFO', { measurementId }],
  ];
  return events.map(([event, severity, payload], sequence) => ({
    timestamp: start + sequence * 5,
    sessionId,
    sequence,
    event,
    severity,
    ...(payload ? { payload } : {}),
  }));
}
