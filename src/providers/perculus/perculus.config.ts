import { ConfigErrors, Env, readBool, readEnum, readInt, readSecrets } from 'src/config/env-readers';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    perculus: PerculusConfig;
  }
}

export interface PerculusConfig {
  secrets: string[];
  /** Perculus does not publish the HMAC algorithm or encoding of its token: both are configuration. */
  tokenAlgorithm: 'sha256' | 'sha1';
  tokenEncoding: 'hex' | 'base64';
  /** Oldest token accepted, in seconds. */
  tokenMaxAgeSeconds: number;
  /** How far in the future a token's timestamp may be (clock skew), in seconds. */
  tokenMaxFutureSkewSeconds: number;
  /**
   * Refuse (401 `token-replayed`, stored as rejected) a token already used by another `request_id`. The
   * token signs only its timestamp, so two genuine messages whose tokens are minted in the same second carry
   * the same token: an operator who sees such messages refused can turn this off (reuse is then logged and
   * recorded in the delivery's context instead).
   */
  refuseReplayedTokens: boolean;
}

export function parsePerculusConfig(env: Env, errors: ConfigErrors): PerculusConfig {
  return {
    secrets: readSecrets(env, 'PERCULUS_WEBHOOK_SECRETS', errors),
    tokenAlgorithm: readEnum(env, 'PERCULUS_TOKEN_ALGORITHM', errors, ['sha256', 'sha1'] as const, 'sha256'),
    tokenEncoding: readEnum(env, 'PERCULUS_TOKEN_ENCODING', errors, ['hex', 'base64'] as const, 'hex'),
    tokenMaxAgeSeconds: readInt(env, 'PERCULUS_TOKEN_MAX_AGE_SECONDS', errors, 300, { min: 1, max: 86_400 }),
    tokenMaxFutureSkewSeconds: readInt(env, 'PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS', errors, 30, {
      min: 0,
      max: 3_600,
    }),
    refuseReplayedTokens: readBool(env, 'PERCULUS_REFUSE_REPLAYED_TOKENS', errors, true),
  };
}
