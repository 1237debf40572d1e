import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { routeOf } from 'src/common/problem.filter';
import { isRefusal } from 'src/http/refusal-log';

const fieldsOf = (req: Request, res: Response, durationMs: number) => ({
  method: req.method,
  route: routeOf(req),
  status: res.statusCode,
  durationMs,
  provider: req.provider,
  outcome: req.outcome ?? (res.locals.problemCode as string | undefined),
});

/**
 * The access log (pino-http): one line per request with its request id, route (the pattern, never the
 * concrete path, which may hold a credential), status, duration, provider and outcome. Successes log at
 * debug so the hot path stays quiet, server errors at error; refusals not at all (the refusal log
 * summarises them). Requests and responses are not serialized whole: no headers, so no credentials.
 */
export function accessLog(logger: Logger) {
  return pinoHttp<Request, Response>({
    // Without the redaction paths: pino-http binds each request (the request object itself) to two child
    // loggers, and the wildcard paths were applied to those bindings on every request (about 3 % of the
    // service's busy CPU in a profile of the ingest bench). Its lines hold only the fields below and the
    // request id (test/secrets.e2e-spec.ts checks every line at trace level); nothing else logs through
    // `req.log`.
    logger: logger.child({}, { redact: { paths: [] } }),
    genReqId: (req) => req.requestId,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: () => undefined, res: () => undefined },
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    customLogLevel: (req, res, err) =>
      err !== undefined || res.statusCode >= 500
        ? 'error'
        : isRefusal(req, res)
          ? 'silent'
          : res.statusCode >= 400
            ? 'info'
            : 'debug',
    customSuccessObject: (req, res, value: { durationMs: number }) => fieldsOf(req, res, value.durationMs),
    customErrorObject: (req, res, _err, value: { durationMs: number }) =>
      fieldsOf(req, res, value.durationMs),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
}
