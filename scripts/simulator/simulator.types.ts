import type { Env } from 'src/config/env-readers';
import type { ProviderName } from 'src/config/provider-registry';
import type { SecretVariable } from './defaults';

/** One HTTP request exactly as a provider would send it. */
export interface SimRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface SimContext {
  /**
   * The provider's secret as configured in the service: the WMS MAC secret, the Millicast webhook secret
   * (base64, as the dashboard shows it), the Perculus secret or the Eyeson callback secret.
   */
  secret: string;
  /** The thing the event is about: WMS session, Perculus session, Millicast stream name, Eyeson reference. */
  session: string;
  /** When the event happened, epoch ms. */
  at: number;
  /** The environment, for signing options the service reads too (e.g. PERCULUS_TOKEN_ALGORITHM). */
  env: Env;
  /** WMS: the event's sequence number in its session (default: the event's place in a measurement). */
  sequence?: number;
  /** Eyeson: the path of a callback URL minted by the service (default: computed from the secret). */
  callbackPath?: string;
}

export interface ProviderSimulator {
  provider: ProviderName;
  /** The variable that configures the provider's secrets in the service (its first entry signs). */
  secretVariable: SecretVariable;
  /** Every documented event, as `send` accepts it. */
  events: readonly string[];
  /** What `session` means for this provider, for `--help`. */
  sessionMeaning: string;
  build(event: string, ctx: SimContext): SimRequest;
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
