import {
  ConfigErrors,
  Env,
  InvalidConfigError,
  readBool,
  readByteSize,
  readEnum,
  readInt,
  readRaw,
  readSecrets,
  readUrl,
} from 'src/config/env-readers';
import { HttpServerConfig, parseHttpServerConfig } from 'src/http/http-server.config';
import { InboxConfig, parseInboxConfig } from 'src/ingestion/inbox-body';
import { parseProjectorConfig, ProjectorConfig } from 'src/ingestion/projector.config';
import { MetricsConfig, parseMetricsConfig } from 'src/metrics/metrics.config';
import { parseProvidersConfig, ProviderConfigs } from 'src/config/provider-registry';
import { parseRateLimitConfig, RateLimitConfig } from 'src/rate-limit/rate-limit.config';
import { parseRetentionConfig, RetentionConfig } from 'src/retention/retention.config';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface DatabaseConfig {
  /** Server to use; when absent an embedded Postgres is started under `embedded.dataDir`. */
  url?: string;
  embedded: { dataDir: string; port: number };
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Base URL the senders reach us at; used in minted callback URLs. */
  publicBaseUrl: string;
  database: DatabaseConfig;
  webhookBodyLimitBytes: number;
  /** Keys with the `operate` scope: query, replay deliveries, mint Eyeson URLs. */
  apiKeys: string[];
  /** Keys with the `read` scope: query only. */
  apiReadKeys: string[];
  /** Seconds between heartbeat comments on an idle `GET /api/events/stream`. */
  eventsStreamHeartbeatSeconds: number;
  /** Seconds a stream client may leave its full buffer untaken before it is disconnected. */
  eventsStreamDrainTimeoutSeconds: number;
  /** Serve /docs and /docs-json to anyone (true), or only with an API key (false, the default). */
  docsPublic: boolean;
  http: HttpServerConfig;
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    pretty: boolean;
    /** Refused requests of one kind are logged once, then summarised at most once per this interval. */
    refusalSummaryIntervalMs: number;
  };
  /** Per registered provider (see provider-registry.ts). */
  providers: ProviderConfigs;
  metrics: MetricsConfig;
  rateLimit: RateLimitConfig;
  retention: RetentionConfig;
  inbox: InboxConfig;
  projector: ProjectorConfig;
}

/** Parses and validates the whole configuration once; throws one error that lists every problem. */
export function loadConfig(env: Env = process.env): AppConfig {
  const errors = new ConfigErrors();
  const nodeEnv = readEnum(
    env,
    'NODE_ENV',
    errors,
    ['development', 'production', 'test'] as const,
    'development',
  );
  const port = readInt(env, 'PORT', errors, 3000, { min: 0, max: 65_535 });
  const webhookBodyLimitBytes = readByteSize(
    env,
    'WEBHOOK_BODY_LIMIT',
    errors,
    1024 * 1024,
    50 * 1024 * 1024,
  );
  const host = readRaw(env, 'HOST', errors) ?? '0.0.0.0';
  const config: AppConfig = {
    nodeEnv,
    host,
    port,
    publicBaseUrl:
      readUrl(env, 'PUBLIC_BASE_URL', errors, ['http:', 'https:'])?.replace(/\/+$/, '') ??
      `http://localhost:${port}`,
    database: {
      url: readUrl(env, 'DATABASE_URL', errors, ['postgres:', 'postgresql:']),
      embedded: {
        dataDir: readRaw(env, 'EMBEDDED_PG_DATA_DIR', errors) ?? '.data/postgres',
        port: readInt(env, 'EMBEDDED_PG_PORT', errors, 54_329, { min: 1024, max: 65_535 }),
      },
      poolSize: readInt(env, 'DB_POOL_SIZE', errors, 10, { min: 1, max: 200 }),
      connectTimeoutMs: readInt(env, 'DB_CONNECT_TIMEOUT_MS', errors, 2_000, { min: 100, max: 60_000 }),
      statementTimeoutMs: readInt(env, 'DB_STATEMENT_TIMEOUT_MS', errors, 5_000, { min: 100, max: 600_000 }),
    },
    webhookBodyLimitBytes,
    apiKeys: readSecrets(env, 'API_KEYS', errors, 16),
    apiReadKeys: readSecrets(env, 'API_READ_KEYS', errors, 16),
    eventsStreamHeartbeatSeconds: readInt(env, 'EVENTS_STREAM_HEARTBEAT_SECONDS', errors, 15, {
      min: 1,
      max: 300,
    }),
    eventsStreamDrainTimeoutSeconds: readInt(env, 'EVENTS_STREAM_DRAIN_TIMEOUT_SECONDS', errors, 30, {
      min: 1,
      max: 3600,
    }),
    docsPublic: readBool(env, 'DOCS_PUBLIC', errors, false),
    http: parseHttpServerConfig(env, errors),
    log: {
      level: readEnum(
        env,
        'LOG_LEVEL',
        errors,
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
        'info',
      ),
      pretty: readBool(env, 'LOG_PRETTY', errors, false),
      refusalSummaryIntervalMs: readInt(env, 'LOG_REFUSAL_SUMMARY_INTERVAL_MS', errors, 60_000, {
        min: 100,
        max: 3_600_000,
      }),
    },
    providers: parseProvidersConfig(env, errors, { webhookBodyLimitBytes }),
    metrics: parseMetricsConfig(env, errors, { port, host }),
    rateLimit: parseRateLimitConfig(env, errors),
    retention: parseRetentionConfig(env, errors),
    inbox: parseInboxConfig(env, errors),
    projector: parseProjectorConfig(env, errors),
  };
  if (nodeEnv === 'production' && config.database.url === undefined) {
    errors.add(
      'DATABASE_URL',
      'is required when NODE_ENV=production (the embedded Postgres is for development)',
    );
  }
  if (errors.messages.length > 0) throw new InvalidConfigError(errors.messages);
  return config;
}
