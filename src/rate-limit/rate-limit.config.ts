import { ConfigErrors, Env, readInt } from 'src/config/env-readers';

export interface RateLimitConfig {
  /** Requests per minute one API client may make to `/api/*`; 0 turns rate limiting off. */
  perMinute: number;
}

export function parseRateLimitConfig(env: Env, errors: ConfigErrors): RateLimitConfig {
  return { perMinute: readInt(env, 'API_RATE_LIMIT_PER_MINUTE', errors, 600, { min: 0, max: 1_000_000 }) };
}
