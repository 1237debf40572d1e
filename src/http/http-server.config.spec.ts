import { loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).http;

describe('HTTP listener limits', () => {
  it('default to a 30 s request timeout, 10 s for headers, 5 s keep-alive, 1,024 connections, refusals delayed 1 s beyond 200 a second', () => {
    expect(load({})).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
      refusalsPromptPerSecond: 200,
      refusalDelayMs: 1_000,
    });
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => load({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '2000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS.*must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it('lists every invalid limit at once', () => {
    let error: unknown;
    try {
      load({ HTTP_REQUEST_TIMEOUT_MS: 'soon', HTTP_MAX_CONNECTIONS: '0', HTTP_KEEP_ALIVE_TIMEOUT_MS: '-1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    const message = (error as Error).message;
    for (const name of ['HTTP_REQUEST_TIMEOUT_MS', 'HTTP_MAX_CONNECTIONS', 'HTTP_KEEP_ALIVE_TIMEOUT_MS'])
      expect(message).toContain(name);
  });
});
