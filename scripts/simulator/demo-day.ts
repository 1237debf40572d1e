import { randomBytes } from 'node:crypto';
import type { Env } from 'src/config/env-readers';
import type { ProviderName } from 'src/config/provider-registry';
import type { DemoLookAround, DemoStepRequest, ProviderSimulator } from 'src/simulator/simulator.types';
import { firstOf } from './defaults';
import { postApi, send, SimResponse } from './http-client';
import { loadSimulators } from './simulators';

export interface DemoStep extends DemoStepRequest {
  provider: ProviderName;
}

/** The ids the demo's sessions got, to look them up afterwards. */
export interface DemoIds {
  runId: string;
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
  /** Makes the ids of this run unique (default: random), so the demo can be run again and again. */
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
  runId: string;
  env: Env;
  now: number;
  postApi: (path: string, body: unknown) => Promise<SimResponse>;
}): Promise<{ steps: DemoStep[]; ids: DemoIds }> {
  const { runId, env, now } = options;
  const dayStart = Math.floor((now - 10 * HOUR) / MINUTE) * MINUTE;
  const ids: DemoIds = { runId, sessions: {} };
  const steps: DemoStep[] = [];
  for (const scene of options.scenes) {
    const session = scene.demo.session(runId);
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

/** Replays the day against a running service. Never throws for an answer; reports every non-2xx. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const scenes = (await loadSimulators())
    .filter((s): s is Scene => s.demo !== undefined)
    .sort((a, b) => a.demo.startHour - b.demo.startHour);
  const { steps, ids } = await planDemoDay({
    scenes,
    runId: options.runId ?? randomBytes(3).toString('hex'),
    env: options.env,
    now: options.now ?? Date.now(),
    postApi: (path, body) => postApi(baseUrl, options.apiKey, path, body),
  });

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
  const lookAround = scenes
    .filter((s) => providers.includes(s.provider))
    .map((s) => s.demo.lookAround(ids.sessions[s.provider]));
  return { ids, providers, total: steps.length, outcomes, failures, lookAround };
}
