import type { Env } from 'src/config/env-readers';
import type { ProviderName } from 'src/config/provider-registry';
import type { DemoLookAround, DemoStepRequest, ProviderSimulator } from 'src/simulator/simulator.types';
import { firstOf } from './defaults';
import { deliveryOutcome, postApi, send, SimResponse } from './http-client';
import { loadSimulators } from './simulators';

export interface DemoStep extends DemoStepRequest {
  provider: ProviderName;
}

/** The ids the demo's sessions got, to look them up afterwards. */
export interface DemoIds {
  /** Each provider's scene session (session id, stream, reference), by provider. */
  sessions: Record<ProviderName, string>;
}

export interface DemoOptions {
  baseUrl: string;
  /** For a provider whose scene needs the API first (e.g. to mint a callback URL). */
  apiKey: string;
  /** Secrets and signing options, as the service is configured (defaults: .env.example). */
  env: Env;
  /** The end of the replayed day, epoch ms (default: now). */
  now?: number;
  /**
   * Names a separate set of sessions: appended to every scene's session id. Without it the scenes use their
   * fixed ids (the README's examples), and a repeated run sends another day to the same sessions.
   */
  runId?: string;
  /** Pause between requests, ms (default 0). */
  delayMs?: number;
  onProgress?: (progress: { done: number; total: number; step: DemoStep; response: SimResponse }) => void;
}

export interface DemoResult {
  ids: DemoIds;
  /** Providers the demo covered (those with a demo scene). */
  providers: ProviderName[];
  total: number;
  /** Per provider, how many requests were answered with each `status` (accepted, duplicate) or HTTP code. */
  outcomes: Record<string, Record<string, number>>;
  failures: Array<{ label: string; status: number; body: string }>;
  /** What to look at afterwards, scene by scene. */
  lookAround: DemoLookAround[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Scene = ProviderSimulator & { demo: NonNullable<ProviderSimulator['demo']> };

/**
 * A realistic working day ending now: each provider's scene (its simulator's `demo`, e.g. a class in the
 * morning, a measurement in the afternoon) at its hour, in the order given (runDemo orders them by hour),
 * each request built and signed exactly as its provider does.
 */
export async function planDemoDay(options: {
  scenes: Scene[];
  runId?: string;
  env: Env;
  now: number;
  postApi: (path: string, body: unknown) => Promise<SimResponse>;
}): Promise<{ steps: DemoStep[]; ids: DemoIds }> {
  const { runId, env, now } = options;
  const dayStart = Math.floor((now - 10 * HOUR) / MINUTE) * MINUTE;
  const ids: DemoIds = { sessions: {} };
  const steps: DemoStep[] = [];
  for (const scene of options.scenes) {
    const session = runId === undefined ? scene.demo.session : `${scene.demo.session}-${runId}`;
    ids.sessions[scene.provider] = session;
    const requests = await scene.demo.steps({
      session,
      start: dayStart + scene.demo.startHour * HOUR,
      secret: firstOf(env, scene.secretVariable, scene.exampleSecret),
      env,
      postApi: options.postApi,
    });
    steps.push(...requests.map((r) => ({ provider: scene.provider, ...r })));
  }
  return { steps, ids };
}

/**
 * Replays the day against a running service and waits until the service has projected it, so that the
 * queries that follow see the whole day. Never throws for an answer; reports every non-2xx, and every
 * delivery the service then failed or rejected.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const scenes = (await loadSimulators())
    .filter((s): s is Scene => s.demo !== undefined)
    .sort((a, b) => a.demo.startHour - b.demo.startHour);
  const { steps, ids } = await planDemoDay({
    scenes,
    runId: options.runId,
    env: options.env,
    now: options.now ?? Date.now(),
    postApi: (path, body) => postApi(baseUrl, options.apiKey, path, body),
  });

  const outcomes: DemoResult['outcomes'] = {};
  const failures: DemoResult['failures'] = [];
  const accepted: Array<{ step: DemoStep; response: SimResponse; deliveryId: string }> = [];
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
    else if (typeof response.json?.deliveryId === 'string')
      accepted.push({ step, response, deliveryId: response.json.deliveryId });
    options.onProgress?.({ done: i + 1, total: steps.length, step, response });
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  for (const { step, response, deliveryId } of accepted) {
    const outcome = await deliveryOutcome(baseUrl, options.apiKey, deliveryId);
    if (outcome !== null && outcome.status !== 'projected') {
      const body = `${outcome.status}: ${JSON.stringify(outcome.error)}`;
      failures.push({ label: step.label, status: response.status, body });
    }
  }
  const providers = [...new Set(steps.map((s) => s.provider))];
  const lookAround = scenes
    .filter((s) => providers.includes(s.provider))
    .map((s) => s.demo.lookAround(ids.sessions[s.provider]));
  return { ids, providers, total: steps.length, outcomes, failures, lookAround };
}
