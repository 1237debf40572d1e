import { ConfigErrors, Env, readInt } from 'src/config/env-readers';

export interface RateLimitConfig {
  /** Requests per minute one API key may make to `/api/*`; 0 turns rate limiting off. */
  perMinute: number;
  /** Failed API authentications per minute one client address may make before it gets 429; 0 = no limit. */
  authFailuresPerMinute: number;
}

export function parseRateLimitConfig(env: Env, errors: ConfigErrors): RateLimitConfig {
  return {
    perMinute: readInt(env, 'API_RATE_LIMIT_PER_MINUTE', errors, 600, { min: 0, max: 1_000_000 }),
    authFailuresPerMinute: readInt(env, 'API_AUTH_FAILURES_PER_MINUTE', errors, 60, {
      min: 0,
      max: 1_000_000,
    }),
  };
}
