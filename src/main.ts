import 'reflect-metadata';
import { createLogger } from 'src/common/logger';
import { AppConfig, loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import { RunningPostgres, startEmbeddedPostgres } from 'src/database/embedded-postgres';
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

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config);
  let database: RunningPostgres;
  if (config.database.url) {
    database = { url: config.database.url, stop: async () => undefined };
  } else {
    logger.info(
      { dataDir: config.database.embedded.dataDir, port: config.database.embedded.port },
      'no DATABASE_URL: starting embedded Postgres',
    );
    database = await startEmbeddedPostgres({
      ...config.database.embedded,
      database: 'hooktrail',
      onLog: (line) => logger.debug({ postgres: line }),
    });
  }

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
  process.stderr.write(
    `hooktrail failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
