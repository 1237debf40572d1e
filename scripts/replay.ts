import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AppModule } from 'src/app.module';
import { createLogger, nestLogger } from 'src/common/logger';
import { AppConfig, loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import { Database } from 'src/database/database';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { Projector } from 'src/ingestion/projector';
import { webhookAdapter } from 'src/ingestion/webhook-adapters';
import { progressBar } from 'src/common/progress-bar';
import { replayDeliveries } from 'src/replay/replay';
import { parseReplayArgs, replayUsage, ReplayUsageError } from 'src/replay/replay-args';
import { replayCounts, summaryText } from 'src/replay/replay-report';

/**
 * Usage: npm run replay -- --provider wms --status rejected --since 2024-05-01 [--until ...] [--limit n] [--dry-run]
 *
 * Boots the service's module graph as an application context (no HTTP listener, same validated config),
 * re-processes the selected stored deliveries through the current code (src/replay/replay.ts), draws a
 * progress bar on stderr and prints a summary on stdout. Exit code 0 when the run completed (deliveries
 * that are still rejected are a result, not an error), 1 when it stopped (e.g. the database went away).
 */
async function main(argv: string[]): Promise<number> {
  let options;
  let config: AppConfig;
  try {
    options = parseReplayArgs(argv);
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ReplayUsageError) {
      process.stderr.write(`${err.message}\n\n${replayUsage()}\n`);
      return 64; // EX_USAGE
    }
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  // Same database as the service: DATABASE_URL, or the embedded Postgres a running `npm start` keeps.
  const url =
    config.database.url ??
    `postgres://postgres:hooktrail-embedded@127.0.0.1:${config.database.embedded.port}/hooktrail`;
  // This process serves nothing: no metrics listener, no scheduled jobs; logs (warnings up) go to stderr.
  const jobConfig: AppConfig = {
    ...config,
    metrics: { ...config.metrics, port: undefined },
    retention: { ...config.retention, intervalSeconds: 0 },
  };
  const level = config.log.level === 'info' || config.log.level === 'debug' ? 'warn' : config.log.level;
  const logger = createLogger({ log: { level, pretty: false } }, pino.destination(2));
  const app = await NestFactory.createApplicationContext(AppModule.register(jobConfig, url, logger), {
    logger: nestLogger(logger),
  });
  try {
    process.stderr.write(
      `replaying ${options.provider} deliveries (${options.statuses.join(', ')}) received from ${options.since.toISOString()}` +
        `${options.until ? ` until ${options.until.toISOString()}` : ''}${options.dryRun ? ' (dry run)' : ''}\n`,
    );
    const progress = progressBar(process.stderr);
    const summary = await replayDeliveries(
      {
        db: app.get(Database),
        ingestion: app.get(IngestionService),
        projector: app.get(Projector),
        adapter: webhookAdapter(app, options.provider),
      },
      options,
      (done, counts) => progress(done, counts.selected, replayCounts(counts)),
    );
    process.stdout.write(`${summaryText(summary, options.dryRun)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`\nreplay stopped: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await app.close();
    logger.flush();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `replay failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
