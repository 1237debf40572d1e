import { randomBytes } from 'node:crypto';
import type { Env } from 'src/config/env-readers';
import type { ProviderName } from 'src/config/provider-registry';
import { pathOfUrl } from '../../test/support/eyeson-sender';
import { wmsMeasurementFlow } from '../../test/support/wms-sender';
import { firstOf } from './defaults';
import { mintEyesonCallbackUrl, send, SimResponse } from './http-client';
import { millicastStream, MillicastStream } from './millicast.simulator';
import { SIMULATORS } from './simulators';
import type { SimContext, SimRequest } from './simulator.types';
import { wmsMeasurementId, wmsRequest } from './wms.simulator';

export interface DemoStep {
  provider: ProviderName;
  /** What the step sends, e.g. `perculus SessionStatusEvent.started`. */
  label: string;
  request: SimRequest;
}

/** The ids the demo's sessions got, to look them up afterwards. */
export interface DemoIds {
  runId: string;
  perculusSession: string;
  millicast: MillicastStream;
  wmsSession: string;
  wmsMeasurement: string;
  eyesonReference: string;
}

export interface DemoOptions {
  baseUrl: string;
  /** For minting the Eyeson callback URL (POST /api/eyeson/callback-urls). */
  apiKey: string;
  /** Secrets and signing options, as the service is configured (defaults: .env.example). */
  env: Env;
  /** The end of the replayed day, epoch ms (default: now). */
  now?: number;
  /** Makes the ids of this run unique (default: random), so the demo can be run again and again. */
  runId?: string;
  /** Pause between requests, ms (default 0). */
  delayMs?: number;
  onProgress?: (progress: { done: number; total: number; step: DemoStep; response: SimResponse }) => void;
}

export interface DemoResult {
  ids: DemoIds;
  /** Providers the demo covered (those the simulator has). */
  providers: ProviderName[];
  total: number;
  /** Per provider, how many requests were answered with each `status` (accepted, duplicate) or HTTP code. */
  outcomes: Record<string, Record<string, number>>;
  failures: Array<{ label: string; status: number; body: string }>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A realistic working day, in order, ending now: a Perculus class in the morning, a Millicast live stream
 * (recorded, with thumbnails) at noon, a WMS measurement in the afternoon and an Eyeson recorded call with a
 * supervisor at the end. Each step is built and signed exactly as its provider does (see the simulators).
 */
export function planDemoDay(options: {
  ids: DemoIds;
  env: Env;
  now: number;
  eyesonCallbackPath?: string;
}): DemoStep[] {
  const { ids, env, now } = options;
  const dayStart = Math.floor((now - 10 * HOUR) / MINUTE) * MINUTE;
  const steps: DemoStep[] = [];
  const add = (
    provider: ProviderName,
    event: string,
    session: string,
    at: number,
    extra: Partial<SimContext> = {},
  ) => {
    const simulator = SIMULATORS[provider];
    if (simulator === undefined) return;
    const secret = firstOf(env, simulator.secretVariable);
    steps.push({
      provider,
      label: `${provider} ${event}`,
      request: simulator.build(event, { secret, session, at, env, ...extra }),
    });
  };

  // 09:00 a Perculus class of 50 minutes; its report and video are ready a little later.
  const classStart = dayStart + HOUR;
  add('perculus', 'SessionStatusEvent.started', ids.perculusSession, classStart);
  add('perculus', 'SessionStatusEvent.finished', ids.perculusSession, classStart + 50 * MINUTE);
  add('perculus', 'SessionReportEvent.ready', ids.perculusSession, classStart + 58 * MINUTE);
  add('perculus', 'SingleVideoEvent.ready', ids.perculusSession, classStart + 71 * MINUTE);

  // 11:00 a two-hour Millicast live stream, transcoded and recorded, with viewers and thumbnails.
  const live = dayStart + 3 * HOUR;
  const stream = ids.millicast.streamId;
  add('millicast', 'transcoder.ACTIVE', stream, live - 2 * MINUTE);
  add('millicast', 'viewerConnection.viewerAttempt', stream, live - MINUTE);
  add('millicast', 'feeds.started', stream, live);
  add('millicast', 'recordings.started', stream, live + 2_000);
  add('millicast', 'media.processing', stream, live + 2_500);
  add('millicast', 'viewerConnection.firstViewerConnection', stream, live + 15_000);
  for (const minutes of [0.5, 30, 60, 90, 119.5])
    add('millicast', 'thumbnail', stream, live + minutes * MINUTE);
  add('millicast', 'feeds.ended', stream, live + 2 * HOUR);
  add('millicast', 'recordings.completed', stream, live + 2 * HOUR + 40_000);
  add('millicast', 'media.completed', stream, live + 2 * HOUR + 45_000);
  add('millicast', 'viewerConnection.noActiveViewers', stream, live + 2 * HOUR + 60_000);
  add('millicast', 'transcoder.STOPPED', stream, live + 2 * HOUR + 2 * MINUTE);

  // 15:00 a WMS measurement: camera, scan with intermediate results, final results, redirect.
  if (SIMULATORS.wms !== undefined) {
    const secret = firstOf(env, 'WMS_MAC_SECRETS');
    const start = Math.floor((dayStart + 6 * HOUR) / 1000);
    for (const event of wmsMeasurementFlow(ids.wmsSession, ids.wmsMeasurement, start)) {
      steps.push({
        provider: 'wms',
        label: `wms ${event.event}`,
        request: wmsRequest(event, { secret, env }),
      });
    }
  }

  // 17:00 an Eyeson recorded support call of ten minutes; a supervisor listened in for five.
  const callEnd = dayStart + 8 * HOUR + 10 * MINUTE;
  const eyeson = { callbackPath: options.eyesonCallbackPath };
  add('eyeson', 'upload_ready', ids.eyesonReference, callEnd, eyeson);
  add('eyeson', 'supervisor_session_finished', ids.eyesonReference, callEnd, eyeson);
  add('eyeson', 'session_finished', ids.eyesonReference, callEnd, eyeson);
  return steps;
}

export function demoIds(runId: string): DemoIds {
  const wmsSession = `wms-${runId}`;
  return {
    runId,
    perculusSession: `class-${runId}`,
    millicast: millicastStream(`launch-${runId}`),
    wmsSession,
    wmsMeasurement: wmsMeasurementId(wmsSession),
    eyesonReference: `call-${runId}`,
  };
}

/** Replays the day against a running service. Never throws for an answer; reports every non-2xx. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const ids = demoIds(options.runId ?? randomBytes(3).toString('hex'));
  // Eyeson signs nothing: the service mints the callback URL StreamRec will call, as a team would.
  const eyesonCallbackPath =
    SIMULATORS.eyeson === undefined
      ? undefined
      : pathOfUrl(await mintEyesonCallbackUrl(baseUrl, options.apiKey, ids.eyesonReference));
  const steps = planDemoDay({ ids, env: options.env, now: options.now ?? Date.now(), eyesonCallbackPath });

  const outcomes: DemoResult['outcomes'] = {};
  const failures: DemoResult['failures'] = [];
  for (const [i, step] of steps.entries()) {
    const response = await send(baseUrl, step.request);
    const status =
      response.status < 300 && typeof response.json?.status === 'string'
        ? response.json.status
        : `HTTP ${response.status}`;
    const counts = (outcomes[step.provider] ??= {});
    counts[status] = (counts[status] ?? 0) + 1;
    if (response.status >= 300)
      failures.push({ label: step.label, status: response.status, body: response.text });
    options.onProgress?.({ done: i + 1, total: steps.length, step, response });
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  const providers = [...new Set(steps.map((s) => s.provider))];
  return { ids, providers, total: steps.length, outcomes, failures };
}
