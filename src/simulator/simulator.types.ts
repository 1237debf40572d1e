import type { Env } from 'src/config/env-readers';
import type { ProviderName } from 'src/config/provider-registry';

/** One HTTP request exactly as a provider would send it. */
export interface SimRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface SimContext {
  /** The provider's secret exactly as configured in the service (the first entry of its variable). */
  secret: string;
  /** The thing the event is about, in the provider's terms (its `sessionMeaning`). */
  session: string;
  /** When the event happened, epoch ms. */
  at: number;
  /** The environment, for signing options the service reads too. */
  env: Env;
  /** For providers that number the events of a session: this one's number (default: the provider's). */
  sequence?: number;
}

export interface ProviderSimulator {
  provider: ProviderName;
  /** The variable that configures the provider's secrets in the service (its first entry signs). */
  secretVariable: string;
  /** Its first secret in `.env.example` (a spec keeps them in step): signs when the environment has none. */
  exampleSecret: string;
  /** Every documented event, as `send` accepts it. */
  events: readonly string[];
  /** What `session` means for this provider, for `--help`. */
  sessionMeaning: string;
  /** Builds and signs the request (asynchronously where the provider's SDK signs so). */
  build(event: string, ctx: SimContext): SimRequest | Promise<SimRequest>;
  /** The request path as printed (a path that carries a credential is shortened). */
  displayPath?(path: string): string;
  /** The provider's scene in `npm run demo`. */
  demo?: DemoScene;
}

/** One request of the demo, labelled for the progress line (`<provider> <event>`). */
export interface DemoStepRequest {
  label: string;
  request: SimRequest;
}

/** What a scene gets to build its requests. */
export interface DemoSceneContext {
  /** The scene's session id for this run (`session`, with the run's suffix when it has one). */
  session: string;
  /** When the scene starts, epoch ms. */
  start: number;
  /** The provider's signing secret (environment, else `.env.example`). */
  secret: string;
  env: Env;
  /** POSTs JSON to the service's API with the API key, for a scene that needs the service first. */
  postApi(
    path: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> | null; text: string }>;
}

/** What to look at after the demo: a comment, then API paths to GET (and files to download). */
export interface DemoLookAround {
  title: string;
  paths: string[];
  downloads?: Array<{ path: string; file: string }>;
}

/** A provider's part of the demo day: a realistic session of it, signed as the provider signs. */
export interface DemoScene {
  /** Hours after the start of the demo day when the scene begins; scenes are sent in this order. */
  startHour: number;
  /**
   * The scene's session id: always the same, so that the README's examples find it after `npm run demo`
   * (a run given a name adds it: `<session>-<run>`).
   */
  session: string;
  steps(ctx: DemoSceneContext): DemoStepRequest[] | Promise<DemoStepRequest[]>;
  lookAround(session: string): DemoLookAround;
}

export class UnknownEventError extends Error {
  constructor(
    readonly provider: string,
    readonly event: string,
    readonly known: readonly string[],
  ) {
    super(`${provider} has no documented event "${event}"; one of: ${known.join(', ')}`);
  }
}

/** Finds `event` among `known` ignoring case (providers' docs disagree on case), else throws. */
export function matchEvent(provider: string, event: string, known: readonly string[]): string {
  const found = known.find((k) => k.toLowerCase() === event.toLowerCase());
  if (found === undefined) throw new UnknownEventError(provider, event, known);
  return found;
}
