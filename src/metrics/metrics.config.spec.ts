import { ConfigErrors } from 'src/config/env-readers';
import { parseMetricsConfig } from 'src/metrics/metrics.config';
import { parseRateLimitConfig } from 'src/rate-limit/rate-limit.config';

const api = { port: 3000, host: '0.0.0.0' };

function parse(env: Record<string, string>) {
  const errors = new ConfigErrors();
  const metrics = parseMetricsConfig(env, errors, api);
  const rateLimit = parseRateLimitConfig(env, errors);
  return { metrics, rateLimit, errors: errors.messages };
}

describe('metrics and rate-limit configuration', () => {
  it('defaults to /metrics on the API port behind an API key (a metrics port on loopback), 600 API requests a minute per key and 60 failed authentications a minute per address', () => {
    expect(parse({})).toEqual({
      metrics: { tokens: [], port: undefined, host: '127.0.0.1', inboxQueryTimeoutMs: 1000 },
      rateLimit: { perMinute: 600, authFailuresPerMinute: 60 },
      errors: [],
    });
  });

  it('reads a metrics token list (rotation), a separate port and its host', () => {
    const { metrics, errors } = parse({
      METRICS_TOKEN: 'old-metrics-token-123,new-metrics-token-456',
      METRICS_PORT: '9464',
      METRICS_HOST: '127.0.0.1',
    });
    expect(errors).toEqual([]);
    expect(metrics).toMatchObject({
      tokens: ['old-metrics-token-123', 'new-metrics-token-456'],
      port: 9464,
      host: '127.0.0.1',
    });
  });

  it('turns rate limiting off with 0', () => {
    expect(parse({ API_RATE_LIMIT_PER_MINUTE: '0' }).rateLimit.perMinute).toBe(0);
  });

  it.each([
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: entry 1 is shorter than 16 characters'],
    [
      { METRICS_PORT: '3000' },
      'METRICS_PORT: must differ from PORT (3000); leave it unset to serve /metrics on PORT',
    ],
    [{ METRICS_PORT: 'x' }, 'METRICS_PORT: must be a whole number, got "x"'],
    [
      { METRICS_INBOX_QUERY_TIMEOUT_MS: '10' },
      'METRICS_INBOX_QUERY_TIMEOUT_MS: must be between 50 and 30000, got 10',
    ],
    [{ API_RATE_LIMIT_PER_MINUTE: '-1' }, 'API_RATE_LIMIT_PER_MINUTE: must be between 0 and 1000000, got -1'],
    [
      { API_AUTH_FAILURES_PER_MINUTE: 'many' },
      'API_AUTH_FAILURES_PER_MINUTE: must be a whole number, got "many"',
    ],
  ])('refuses %j with a clear message', (env, message) => {
    expect(parse(env).errors).toEqual([message]);
  });
});
