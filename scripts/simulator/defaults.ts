import type { Env } from 'src/config/env-readers';

/**
 * The values `.env.example` configures (a spec keeps the two in step), so that a service started with
 * `.env.example` and the simulator agree without any flag.
 */
export const EXAMPLE_ENV = {
  PORT: '3000',
  API_KEYS: 'dev-api-key-change-me-0123456789',
  WMS_MAC_SECRETS: 'dev-wms-mac-secret-change-me',
  MILLICAST_WEBHOOK_SECRETS: 'ZGV2LW1pbGxpY2FzdC1zZWNyZXQtY2hhbmdlLW1l',
  PERCULUS_WEBHOOK_SECRETS: 'dev-perculus-secret-change-me',
  EYESON_CALLBACK_SECRETS: 'dev-eyeson-callback-secret-change-me',
} as const;

/** The variables that configure a provider's secrets. */
export type SecretVariable =
  'WMS_MAC_SECRETS' | 'MILLICAST_WEBHOOK_SECRETS' | 'PERCULUS_WEBHOOK_SECRETS' | 'EYESON_CALLBACK_SECRETS';

/** The first entry of a list variable (the one a sender signs with), from the environment or the example. */
export function firstOf(env: Env, name: keyof typeof EXAMPLE_ENV): string {
  const value = env[name]?.split(/[,\n]/)[0]?.trim();
  return value ? value : EXAMPLE_ENV[name].split(',')[0];
}

/** Where the service listens: HOOKTRAIL_URL, else localhost on PORT (3000). */
export const defaultBaseUrl = (env: Env): string =>
  (env.HOOKTRAIL_URL ?? `http://localhost:${env.PORT ?? EXAMPLE_ENV.PORT}`).replace(/\/+$/, '');
