import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Logger as Pino } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from 'src/app.module';
import { serveConsole } from 'src/console/console-static';
import { ApiKeys } from 'src/common/api-key.guard';
import { answerClientErrors } from 'src/common/client-error';
import { nestLogger } from 'src/common/logger';
import { PrototypedExpressAdapter } from 'src/common/prototyped-express.adapter';
import { routeOf, sendProblem, toProblem } from 'src/common/problem.filter';
import { ProblemFilter } from 'src/common/problem.filter';
import { RequestValidationPipe } from 'src/common/validation.pipe';
import { requestIdMiddleware } from 'src/common/request-context';
import { applyHttpServerLimits } from 'src/http/http-server.config';
import { accessLog } from 'src/http/access-log';
import { RefusalDelay } from 'src/http/refusal-delay';
import { isRefusal, RefusalLog } from 'src/http/refusal-log';
import { serviceIndex } from 'src/http/service-index';
import {
  continueWhenExpected,
  webhookBodyCheck,
  webhookBodyChecks,
  webhookIntake,
  webhookPrechecks,
} from 'src/ingestion/webhook-intake';
import type { AppConfig } from 'src/config/app-config';
import { ADVISORY_LOCK, withAdvisoryLock } from 'src/database/advisory-lock';
import { MetricsService } from 'src/metrics/metrics.service';
import { buildOpenApiDocument, serveOpenApi } from 'src/openapi';
import { PROVIDER_NAMES } from 'src/config/provider-registry';

/**
 * Counts every finished request: the webhook metrics, and for a refusal (a 4xx that stored nothing) the
 * refusal counter and the refusal log's summaries.
 */
function countResponses(metrics: MetricsService, refusals: RefusalLog) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.observeResponse(req, res, Number(process.hrtime.bigint() - started) / 1e9);
      if (!isRefusal(req, res)) return;
      const source = metrics.sourceOf(req);
      const reason =
        typeof res.locals.problemCode === 'string' ? res.locals.problemCode : String(res.statusCode);
      metrics.countRefusal(source, reason);
      refusals.record(source, reason, res.statusCode, routeOf(req), req.requestId);
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
    AppModule.register(config, databaseUrl, logger),
    new PrototypedExpressAdapter(),
    { bodyParser: false, logger: nestLogger(logger) },
  );
  app.disable('x-powered-by');
  const server = app.getHttpServer();
  const metrics = app.get(MetricsService);
  const refusals = new RefusalLog(logger, config.log.refusalSummaryIntervalMs);
  server.on('close', () => refusals.close());
  applyHttpServerLimits(server, config.http);
  const { refusalsPromptPerSecond, refusalDelayMs } = config.http;
  app.getHttpAdapter().getInstance().locals.refusalDelay = new RefusalDelay(
    refusalsPromptPerSecond,
    refusalDelayMs,
    () => metrics.countDelayedRefusal(),
  );
  answerClientErrors(server, (status, code) => {
    metrics.countRefusal('http', code);
    refusals.record('http', code, status, '-', undefined);
  });
  // Answered by continueWhenExpected, after the webhook prechecks (Node would otherwise answer it at once).
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  app.set('query parser', 'simple');
  app.use(requestIdMiddleware);
  app.use(accessLog(logger));
  app.use(countResponses(metrics, refusals));
  // Security headers on every response, webhooks and health included: helmet's defaults, except that the CSP
  // does not upgrade requests to https (that would break /docs on a plain-http deployment; TLS is the proxy's).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // API answers are per caller and may hold delivery bodies: no shared or browser cache may keep them.
  app.use('/api', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/webhooks', webhookIntake(webhookPrechecks(config), config.webhookBodyLimitBytes));
  app.use(continueWhenExpected);
  // Webhook signatures are over the exact bytes, so webhook routes get the raw body whatever the type, and
  // never inflated (the intake has refused compressed bodies already).
  app.use(
    '/webhooks',
    express.raw({ type: () => true, limit: config.webhookBodyLimitBytes, inflate: false }),
  );
  app.use('/webhooks', webhookBodyCheck(webhookBodyChecks(config)));
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
  app.useGlobalPipes(new RequestValidationPipe());
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
  const document = buildOpenApiDocument(app);
  serveOpenApi(app, document, {
    isPublic: config.docsPublic,
    apiKeys: new ApiKeys(config.apiKeys, config.apiReadKeys),
  });
  // GET / says where things are (public: routes only, nothing about the configuration).
  const index = serviceIndex(config, document);
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_req: Request, res: Response) => {
      res.json(index);
    });
  serveConsole(app);
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
