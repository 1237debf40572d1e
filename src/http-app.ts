import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Logger as Pino } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from 'src/app.module';
import { ApiKeys } from 'src/common/api-key.guard';
import { answerClientErrors } from 'src/common/client-error';
import { PinoNestLogger } from 'src/common/logger';
import { ProblemException } from 'src/common/problem';
import { PrototypedExpressAdapter } from 'src/common/prototyped-express.adapter';
import { routeOf, sendProblem, toProblem } from 'src/common/problem.filter';
import { ProblemFilter } from 'src/common/problem.filter';
import { requestIdMiddleware } from 'src/common/request-context';
import type { AppConfig } from 'src/config/app-config';
import { ADVISORY_LOCK, withAdvisoryLock } from 'src/database/advisory-lock';
import { flattenValidationErrors } from 'src/ingestion/json-decoder';
import { MetricsService } from 'src/metrics/metrics.service';
import { buildOpenApiDocument, serveOpenApi } from 'src/openapi';
import { PROVIDER_NAMES } from 'src/config/provider-registry';

/**
 * One access-log line per request (successful webhooks log at debug so the hot path stays quiet) and the
 * webhook metrics, from a single `finish` listener.
 */
function accessLog(logger: Pino, metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.observeResponse(req, res, durationMs / 1000);
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({
        requestId: req.requestId,
        method: req.method,
        route: routeOf(req),
        status,
        durationMs: Math.round(durationMs * 100) / 100,
        provider: req.provider,
        outcome: req.outcome ?? res.locals.problemCode,
      });
    });
    next();
  };
}

/**
 * Creates the Nest application with everything the HTTP surface needs. `main.ts`, the tests and the
 * benchmark all build the app here, so they exercise the same stack.
 */
export async function createHttpApp(
  config: AppConfig,
  databaseUrl: string,
  logger: Pino,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, databaseUrl),
    new PrototypedExpressAdapter(),
    { bodyParser: false, logger: new PinoNestLogger(logger) },
  );
  app.disable('x-powered-by');
  answerClientErrors(app.getHttpServer());
  app.set('query parser', 'simple');
  app.use(requestIdMiddleware);
  app.use(accessLog(logger, app.get(MetricsService)));
  // Security headers on every response, webhooks and health included: helmet's defaults, except that the CSP
  // does not upgrade requests to https (that would break /docs on a plain-http deployment; TLS is the proxy's).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // API answers are per caller and may hold delivery bodies: no shared or browser cache may keep them.
  app.use('/api', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Webhook signatures are over the exact bytes, so webhook routes get the raw body whatever the type.
  app.use('/webhooks', express.raw({ type: () => true, limit: config.webhookBodyLimitBytes }));
  app.use(express.json({ limit: '256kb' }));
  // Errors from the body parsers happen before routing; answer them as problems too.
  const parserLogger = new Logger('Http');
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const problem = toProblem(err, parserLogger);
    res.locals.problemCode = problem.code;
    sendProblem(problem, req, res);
  });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const issues = flattenValidationErrors(errors);
        return new ProblemException(
          400,
          'invalid-parameter',
          'Invalid parameter',
          issues.map((i) => `${i.path}: ${i.message}`).join('; '),
          {
            parameter: issues[0]?.path,
            errors: issues,
          },
        );
      },
    }),
  );
  for (const provider of PROVIDER_NAMES) {
    if (config.providers[provider].secrets.length === 0) {
      logger.warn(
        { provider },
        `${provider} is disabled: no secret configured, every delivery will be refused with 401`,
      );
    }
  }
  if (config.apiKeys.length === 0) {
    logger.warn('the API is disabled: no API_KEYS configured, every /api call will be refused with 401');
  }
  // Before init: Nest registers its 404 handler at init, and /docs must come before it.
  serveOpenApi(app, buildOpenApiDocument(app), {
    isPublic: config.docsPublic,
    apiKeys: new ApiKeys(config.apiKeys),
  });
  await app.init();
  return app;
}

/**
 * Runs pending migrations; the app never synchronizes its schema. Instances starting together take turns
 * (advisory lock): the first applies them, the others then find nothing to do.
 */
export async function runMigrations(app: NestExpressApplication, logger: Pino): Promise<void> {
  const dataSource = app.get(DataSource);
  const applied = await withAdvisoryLock(
    dataSource,
    ADVISORY_LOCK.migrations,
    () => dataSource.runMigrations({ transaction: 'each' }),
    { waitMs: 10 * 60_000, onWait: () => logger.info('waiting for another instance to finish migrating') },
  );
  if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
}
