import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import request from 'supertest';
import { createLogger } from 'src/common/logger';
import { AppConfig, loadConfig } from 'src/config/app-config';
import { createHttpApp, runMigrations } from 'src/http-app';

export const TEST_API_KEY = 'test-api-key-0123456789abcdef';

/** Secrets every test app is configured with, unless a test overrides them. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  API_KEYS: TEST_API_KEY,
  WMS_MAC_SECRETS: 'wms-mac-secret-current',
  MILLICAST_WEBHOOK_SECRETS: Buffer.from('millicast-secret-current-0123').toString('base64'),
  PERCULUS_WEBHOOK_SECRETS: 'perculus-secret-current',
  EYESON_CALLBACK_SECRETS: 'eyeson-callback-secret-current-0123',
  // Tests send refusals in bursts on purpose; the refusal delay has tests of its own.
  REFUSAL_DELAY_MS: '0',
  LIVEKIT_WEBHOOK_KEYS: 'APIlivekitcurrent:livekit-api-secret-current-0123456789abcdef',
};

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** Base URL of the app listening on a real loopback port. */
  baseUrl: string;
  /** supertest bound to the base URL: real HTTP requests. */
  http: () => ReturnType<typeof request>;
  /** Direct access to the test database, for assertions on stored rows. */
  db: Pool;
  databaseUrl: string;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database of the test file's own on the test server. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_ADMIN_DATABASE_URL;
  if (!admin) throw new Error('TEST_ADMIN_DATABASE_URL is not set: run tests through jest (global setup)');
  const name = `hooktrail_test_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return {
    url: withDatabase(admin, name),
    drop: async () => {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Boots the real app (real migrations, real HTTP listener) on a fresh database. */
export async function startTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  return startTestAppOn(database.url, env, database.drop);
}

/**
 * Boots the real app on `databaseUrl` (e.g. through a proxy a test can cut). Assertions use a direct pool
 * on `assertUrl` (defaults to the same URL).
 */
export async function startTestAppOn(
  databaseUrl: string,
  env: Record<string, string | undefined>,
  drop: () => Promise<void>,
  assertUrl?: string,
): Promise<TestApp> {
  const config = loadConfig({ ...TEST_ENV, ...env, DATABASE_URL: databaseUrl, PORT: '0' });
  const logger = createLogger(config);
  const app = await createHttpApp(config, databaseUrl, logger);
  await runMigrations(app, logger);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = new Pool({ connectionString: assertUrl ?? databaseUrl, max: 3 });
  // pool.end() resolves before its sockets are closed; the DROP DATABASE ... WITH (FORCE) that follows (or a
  // test stopping the server) can then end a connection that is still closing. Not a test failure.
  db.on('error', () => undefined);
  return {
    app,
    config,
    baseUrl,
    http: () => request(baseUrl),
    db,
    databaseUrl,
    close: async () => {
      await db.end();
      await app.close();
      await drop();
    },
  };
}
