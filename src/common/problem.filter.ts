import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable, isDataException } from 'src/database/db-errors';
import { PROBLEM_CONTENT_TYPE, ProblemCode, ProblemException } from 'src/common/problem';
import type { RefusalDelay } from 'src/http/refusal-delay';

/** The code and title of a problem answered with a bare status (also the OpenAPI document's examples). */
const CODE_BY_STATUS: Record<number, [ProblemCode, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['validation-failed', 'Validation failed'],
  429: ['too-many-requests', 'Too many requests'],
  503: ['database-unavailable', 'Service unavailable'],
};

/** The code and title of a problem answered with a bare status. */
export const problemCodeOf = (status: number): [ProblemCode, string] =>
  CODE_BY_STATUS[status] ??
  (status >= 500 ? ['internal-error', 'Internal error'] : ['bad-request', 'Bad request']);

/** Turns anything thrown into a problem document. Exported for the Express-level error handler too. */
export function toProblem(error: unknown, logger: Logger): ProblemException {
  if (error instanceof ProblemException) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const [code, title] = problemCodeOf(status);
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null
        ? (response as { message?: unknown }).message
        : response;
    const detail = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : undefined;
    // Nest's router answers "Cannot POST /path": not echoed, the path may hold a credential (a mistyped
    // callback URL).
    if (status === 404 && detail !== undefined && /^Cannot [A-Z]+ \//.test(detail))
      return new ProblemException(status, code, title, 'No route matches this method and path.');
    return new ProblemException(status, code, title, detail);
  }
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status;
  const type = (error as { type?: unknown } | null)?.type;
  // Errors raised by the body parsers before any route runs.
  if (type === 'entity.too.large')
    return new ProblemException(
      413,
      'payload-too-large',
      'Payload too large',
      'The body is larger than the configured limit.',
    );
  if (type === 'entity.parse.failed')
    return new ProblemException(400, 'malformed-body', 'Malformed body', 'The body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ProblemException(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'The body encoding is not supported.',
    );
  if (type === 'request.aborted' || type === 'request.size.invalid')
    return new ProblemException(400, 'bad-request', 'Bad request', 'The request body was incomplete.');
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new ProblemException(status, ...problemCodeOf(status));
  if (isDataException(error)) {
    // A request value reached a query unchecked (a guard's lookup, say): the data is at fault, not us.
    logger.warn(`data exception from a request value: ${(error as Error).message}`);
    return new ProblemException(
      422,
      'unprocessable-data',
      'Unprocessable data',
      'The request holds a value that cannot be stored (for example a NUL character).',
    );
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn(`database unavailable: ${(error as Error).message}`);
    return new ProblemException(
      503,
      'database-unavailable',
      'Service unavailable',
      'The database cannot be reached; nothing was stored. Try again.',
    );
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new ProblemException(
    500,
    'internal-error',
    'Internal error',
    'An unexpected error occurred; it has been logged.',
  );
}

/**
 * The matched route pattern, never the concrete path, which may carry a callback token. Before routing
 * (a body refused by the parser) or when no route matched, only the first two segments of the path: the
 * rest may be a credential (a callback URL with a segment added, or cut short) and never goes to logs,
 * metrics or responses.
 */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return pattern;
  // The full path: inside a middleware mounted on a prefix, `req.path` is relative to it.
  const path = req.originalUrl.split('?', 1)[0];
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments.length <= 2 ? path : `/${segments.slice(0, 2).join('/')}/…`;
}

/**
 * Answers with the problem. A refusal (a 4xx that stored nothing) may be answered late under a flood, when
 * the app has a refusal delay (`app.locals.refusalDelay`, see refusal-delay.ts).
 */
export function sendProblem(problem: ProblemException, req: Request, res: Response): void {
  if (res.headersSent) return;
  const delay = (req.app?.locals as { refusalDelay?: RefusalDelay } | undefined)?.refusalDelay;
  if (delay === undefined || problem.statusCode >= 500 || problem.extensions.stored === true) {
    writeProblem(problem, req, res);
    return;
  }
  delay.answer(() => {
    if (!res.headersSent && !res.destroyed) writeProblem(problem, req, res);
  });
}

function writeProblem(problem: ProblemException, req: Request, res: Response): void {
  if (problem.statusCode === 503) res.setHeader('Retry-After', '5');
  res
    .status(problem.statusCode)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toBody(routeOf(req), req.requestId)));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const problem = toProblem(exception, this.logger);
    res.locals.problemCode = problem.code;
    sendProblem(problem, req, res);
  }
}
