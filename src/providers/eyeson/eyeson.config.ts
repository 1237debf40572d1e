import { ConfigErrors, Env, readInstant, readInt, readSecrets } from 'src/config/env-readers';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    eyeson: EyesonConfig;
  }
}

export interface EyesonConfig {
  /** Secrets for callback-URL tokens: the first one signs new URLs, every one verifies. */
  secrets: string[];
  /** How long a newly minted callback URL is accepted, in days. */
  callbackUrlTtlDays: number;
  /**
   * Until when URLs minted before URLs expired (version 1, no expiry in the token) are still accepted;
   * null (the default) refuses them.
   */
  legacyUrlsUntil: Date | null;
  /** Deliveries per minute one callback URL's reference may make (beyond: 429, nothing stored); 0 = off. */
  deliveriesPerMinutePerReference: number;
}

export function parseEyesonConfig(env: Env, errors: ConfigErrors): EyesonConfig {
  return {
    secrets: readSecrets(env, 'EYESON_CALLBACK_SECRETS', errors, 16),
    callbackUrlTtlDays: readInt(env, 'EYESON_CALLBACK_URL_TTL_DAYS', errors, 7, { min: 1, max: 3650 }),
    legacyUrlsUntil: readInstant(env, 'EYESON_LEGACY_URLS_UNTIL', errors),
    deliveriesPerMinutePerReference: readInt(env, 'EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE', errors, 60, {
      min: 0,
      max: 1_000_000,
    }),
  };
}
