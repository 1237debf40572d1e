import type { Env } from 'src/config/env-readers';

/**
 * The values `.env.example` configures besides the providers' secrets (each provider's simulator holds its
 * own; a spec keeps both in step), so that a service started with `.env.example` and the simulator agree
 * without any flag.
 */
export const EXAMPLE_ENV = {
  PORT: '3000',
  API_KEYS: 'dev-api-key-change-me-0123456789',
} as const;

/** The first entry of a list variable (the one a sender signs with), from the environment, else `fallback`. */
export function firstOf(env: Env, name: string, fallback: string): string {
  const value = env[name]?.split(/[,\n]/)[0]?.trim();
  return value ? value : fallback;
}

/** Where the service listens: HOOKTRAIL_URL, else localhost on PORT (3000). */
export const defaultBaseUrl = (env: Env): string =>
  (env.HOOKTRAIL_URL ?? `http://localhost:${env.PORT ?? EXAMPLE_ENV.PORT}`).replace(/\/+$/, '');
