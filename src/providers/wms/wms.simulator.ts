import { WMS_EVENTS, WmsEventName } from 'src/providers/wms/wms-events';
import { wmsMeasurementFlow, wmsSignature } from '../../../test/support/wms-sender';
import { stableUuid } from 'src/simulator/stable-id';
import { matchEvent, ProviderSimulator, SimContext, SimRequest } from 'src/simulator/simulator.types';

type Severity = 'INFO' | 'WARN' | 'ERROR';

/** Severity and payload of each documented event, as in the WMS events table. */
const WMS_EVENT_SHAPES: Record<
  WmsEventName,
  [Severity, (measurementId: string, sequence: number) => Record<string, unknown> | undefined]
> = {
  WMS_LOADED: ['INFO', () => undefined],
  CONFIGURATION_LOADED: ['INFO', () => undefined],
  CAMERA_PERMISSION_GRANTED: ['INFO', () => undefined],
  CAMERA_PERMISSION_DENIED: ['ERROR', () => undefined],
  CAMERA_STARTED: ['INFO', () => undefined],
  MEASUREMENT_STARTED: ['INFO', () => undefined],
  MEASUREMENT_CREATED: ['INFO', (measurementId) => ({ measurementId })],
  INTERMEDIATE_RESULTS: ['INFO', (measurementId, n) => ({ measurementId, snr: 3 + (n % 8), sequence: n })],
  SCAN_COMPLETED: ['INFO', (measurementId) => ({ measurementId })],
  RESULTS_RECEIVED: ['INFO', (measurementId) => ({ measurementId })],
  REDIRECTING_TO_CALLBACK: ['INFO', (measurementId) => ({ measurementId })],
  MEASUREMENT_CANCELED: ['WARN', (measurementId) => ({ measurementId })],
  CONSTRAINT_VIOLATION: ['ERROR', (measurementId) => ({ measurementId })],
  PAGE_UNLOADED: ['INFO', (measurementId) => ({ measurementId })],
  WEBSOCKET_DISCONNECTED: ['WARN', (measurementId) => ({ measurementId })],
  WEBSOCKET_RECONNECTED: ['INFO', (measurementId) => ({ measurementId })],
  WEBSOCKET_RECONNECTION_FAILED: ['ERROR', (measurementId) => ({ measurementId })],
  API_ERROR: ['ERROR', (measurementId) => ({ measurementId })],
  PAGE_VISIBILITY_CHANGE: ['INFO', (measurementId) => ({ measurementId, state: 'VISIBLE' })],
  LOW_SNR: ['ERROR', () => ({ details: 'LOW_SNR' })],
  GENERAL_ERROR: ['ERROR', () => ({ details: 'CAMERA_START_ERROR' })],
};

const EVENTS = Object.keys(WMS_EVENTS) as WmsEventName[];

/** The measurement a WMS session's events are about (stable, so separate sends agree). */
export const wmsMeasurementId = (sessionId: string): string => stableUuid('wms-measurement', sessionId);

/** The HMAC key as the service derives it from the configured secret (WMS_MAC_SECRET_ENCODING). */
export const wmsKey = (ctx: Pick<SimContext, 'secret' | 'env'>): string | Buffer =>
  ctx.env.WMS_MAC_SECRET_ENCODING?.toLowerCase() === 'base64'
    ? Buffer.from(ctx.secret, 'base64')
    : ctx.secret;

/** A signed WMS request for an event body (as WMS sends it: JSON, `X-WMS-Content-MAC`). */
export function wmsRequest(event: object, ctx: Pick<SimContext, 'secret' | 'env'>): SimRequest {
  const body = JSON.stringify(event);
  return {
    path: '/webhooks/wms',
    headers: { 'Content-Type': 'application/json', 'X-WMS-Content-MAC': wmsSignature(body, wmsKey(ctx)) },
    body,
  };
}

export const wmsSimulator: ProviderSimulator = {
  provider: 'wms',
  secretVariable: 'WMS_MAC_SECRETS',
  exampleSecret: 'dev-wms-mac-secret-change-me',
  events: EVENTS,
  sessionMeaning: 'the WMS sessionId (the measurement id is derived from it)',
  build(name, ctx) {
    const event = matchEvent('wms', name, EVENTS) as WmsEventName;
    const [severity, payload] = WMS_EVENT_SHAPES[event];
    const sequence = ctx.sequence ?? EVENTS.indexOf(event);
    const body = payload(wmsMeasurementId(ctx.session), sequence);
    return wmsRequest(
      {
        timestamp: Math.floor(ctx.at / 1000),
        sessionId: ctx.session,
        sequence,
        event,
        severity,
        ...(body === undefined ? {} : { payload: body }),
      },
      ctx,
    );
  },
  // 15:00 a measurement: camera, scan with intermediate results, final results, redirect.
  demo: {
    startHour: 6,
    session: 'checkup-1',
    steps: ({ session, start, secret, env }) =>
      wmsMeasurementFlow(session, wmsMeasurementId(session), Math.floor(start / 1000)).map((event) => ({
        label: `wms ${event.event}`,
        request: wmsRequest(event, { secret, env }),
      })),
    lookAround: (session) => ({
      title: 'the WMS measurement (with its SNR series) and the session timeline',
      paths: [
        `/api/measurements/wms/${encodeURIComponent(wmsMeasurementId(session))}`,
        `/api/sessions/wms/${encodeURIComponent(session)}/events`,
      ],
    }),
  },
};
