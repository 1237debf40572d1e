import type { Server } from 'node:http';
import { ConfigErrors, Env, readInt } from 'src/config/env-readers';

/** Limits of the HTTP listener: how long a client may take, and how many may be connected at once. */
export interface HttpServerConfig {
  /** Whole request, headers and body (Node's `requestTimeout`): a body trickled slower is cut with 408. */
  requestTimeoutMs: number;
  /** Request headers (Node's `headersTimeout`); at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (Node's `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** Open connections; beyond it new ones are closed at once (Node's `maxConnections`). */
  maxConnections: number;
  /** Refusals answered at once per second, spread evenly; beyond, each waits `refusalDelayMs` (refusal-delay.ts). */
  refusalsPromptPerSecond: number;
  /** 0 answers every refusal at once. */
  refusalDelayMs: number;
}

export function parseHttpServerConfig(env: Env, errors: ConfigErrors): HttpServerConfig {
  const config: HttpServerConfig = {
    requestTimeoutMs: readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', errors, 30_000, { min: 100, max: 600_000 }),
    headersTimeoutMs: readInt(env, 'HTTP_HEADERS_TIMEOUT_MS', errors, 10_000, { min: 100, max: 600_000 }),
    keepAliveTimeoutMs: readInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', errors, 5_000, { min: 0, max: 600_000 }),
    maxConnections: readInt(env, 'HTTP_MAX_CONNECTIONS', errors, 1_024, { min: 1, max: 1_000_000 }),
    refusalsPromptPerSecond: readInt(env, 'REFUSALS_PROMPT_PER_SECOND', errors, 200, {
      min: 1,
      max: 1_000_000,
    }),
    refusalDelayMs: readInt(env, 'REFUSAL_DELAY_MS', errors, 1_000, { min: 0, max: 60_000 }),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    errors.add(
      'HTTP_HEADERS_TIMEOUT_MS',
      `must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs} ms), got ${config.headersTimeoutMs}`,
    );
  }
  return config;
}

/**
 * Applies the limits to the listener before it listens. Node checks the request and header timeouts on a
 * timer (`connectionsCheckingInterval`, 30 s by default, read at listen time); it is shortened so that
 * a short timeout is enforced close to its value rather than up to 30 s late.
 */
export function applyHttpServerLimits(server: Server, config: HttpServerConfig): void {
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxConnections;
  const check = Math.max(50, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4)));
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = check;
}
