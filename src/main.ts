import 'reflect-metadata';
import type { Logger } from 'pino';
import { createLogger } from 'src/common/logger';
import { assertPortFree } from 'src/common/port-check';
import { StartupError } from 'src/common/startup-error';
import { AppConfig, loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import { waitForDatabase } from 'src/database/database-probe';
import type { RunningPostgres } from 'src/database/embedded-postgres';
import { createHttpApp, runMigrations } from 'src/http-app';
import { logBanner, serviceIndex } from 'src/http/service-index';
import { buildOpenApiDocument } from 'src/openapi';

function readConfig(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** DATABASE_URL once it answers (bounded retry), or the embedded Postgres of development. */
async function openDatabase(config: AppConfig, logger: Logger): Promise<RunningPostgres> {
  const { url, embedded, connectTimeoutMs } = config.database;
  if (url) {
    await waitForDatabase(url, {
      variable: 'DATABASE_URL',
      connectTimeoutMs,
      attempts: 5,
      delayMs: 1_000,
      onRetry: (attempt, cause) => {
        if (attempt === 1)
          logger.warn({ cause }, 'the database is not reachable yet: retrying for a few seconds');
      },
    });
    return { url, stop: async () => undefined };
  }
  // Loaded only here: embedded-postgres (about 60 MB of binaries) is a development dependency, absent from
  // production installs, where DATABASE_URL is required.
  let embeddedPostgres: typeof import('src/database/embedded-postgres');
  try {
    embeddedPostgres = await import('src/database/embedded-postgres');
  } catch (err) {
    throw new StartupError(
      `no DATABASE_URL, and the embedded Postgres is not installed (${(err as Error).message.split('\n')[0]}): ` +
        'set DATABASE_URL, or install the development dependencies (npm install)',
    );
  }
  logger.info(
    { dataDir: embedded.dataDir, port: embedded.port },
    'no DATABASE_URL: starting embedded Postgres',
  );
  return embeddedPostgres.startEmbeddedPostgres({
    ...embedded,
    database: 'hooktrail',
    onLog: (line) => logger.debug({ postgres: line }),
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config);
  // Before the database is touched: a second start on a taken port must not disturb the first service.
  await assertPortFree(config.port, config.host, 'the HTTP', 'PORT');
  const database = await openDatabase(config, logger);

  const app = await createHttpApp(config, database.url, logger);
  await runMigrations(app, logger);
  await app.listen(config.port, config.host);
  logBanner(logger, config, serviceIndex(config, buildOpenApiDocument(app)));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    app
      .close()
      .then(() => database.stop())
      .then(() => {
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(`hooktrail cannot start: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(
    `hooktrail failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
