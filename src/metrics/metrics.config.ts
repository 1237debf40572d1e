import { ConfigErrors, Env, readInt, readRaw, readSecrets } from 'src/config/env-readers';

export interface MetricsConfig {
  /**
   * Bearer tokens for `/metrics` (the first is for the scraper, more can be listed while rotating). When
   * none is set, `/metrics` on the API port needs an API key like every other route.
   */
  tokens: string[];
  /** When set, `/metrics` is served on this port only (and no longer on the API port). */
  port?: number;
  /** Interface the metrics port binds to: loopback unless METRICS_HOST says otherwise. */
  host: string;
  /** Upper bound for the inbox count that is queried on each scrape. */
  inboxQueryTimeoutMs: number;
}

/**
 * `api` is the API listener (PORT, HOST): the metrics port must differ from it. The metrics port binds to
 * loopback by default, whatever HOST is: opened without METRICS_TOKEN, it must not face the network unless
 * the operator says so (METRICS_HOST).
 */
export function parseMetricsConfig(
  env: Env,
  errors: ConfigErrors,
  api: { port: number; host: string },
): MetricsConfig {
  const hasPort = readRaw(env, 'METRICS_PORT', errors) !== undefined;
  const port = hasPort ? readInt(env, 'METRICS_PORT', errors, 9464, { min: 0, max: 65_535 }) : undefined;
  if (port !== undefined && port !== 0 && port === api.port) {
    errors.add(
      'METRICS_PORT',
      `must differ from PORT (${api.port}); leave it unset to serve /metrics on PORT`,
    );
  }
  return {
    tokens: readSecrets(env, 'METRICS_TOKEN', errors, 16),
    port,
    host: readRaw(env, 'METRICS_HOST', errors) ?? '127.0.0.1',
    inboxQueryTimeoutMs: readInt(env, 'METRICS_INBOX_QUERY_TIMEOUT_MS', errors, 1_000, {
      min: 50,
      max: 30_000,
    }),
  };
}
