import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ProblemException } from 'src/common/problem';
import { sendProblem } from 'src/common/problem.filter';

import type { AppConfig } from 'src/config/app-config';
import { registeredProviders, WebhookPrecheck } from 'src/config/provider-registry';

/** Every registered provider's precheck (none for a provider that has nothing to check before the body). */
export function webhookPrechecks(config: AppConfig): ReadonlyMap<string, WebhookPrecheck | undefined> {
  return new Map(registeredProviders().map((p) => [p.name, p.precheck?.(config)]));
}

/** A precheck for a provider whose one route is `/webhooks/<provider>`; other paths are the router's (404). */
export const atProviderRoute =
  (check: (req: Request) => void): WebhookPrecheck =>
  (req, path) => {
    if (path === '' || path === '/') check(req);
  };

const expectsContinue = (req: Request): boolean => req.headers.expect?.toLowerCase() === '100-continue';

/**
 * Mounted on `/webhooks` before the body parser: refuses what can be refused from the headers alone, before
 * a byte of the body is read, so a forged or oversized request costs a header parse, not a body read:
 * - a compressed body (`Content-Encoding` other than identity), 415: signatures cover the bytes on the
 *   wire, and inflating an unauthenticated body is work an outsider chooses (a small gzip of nested
 *   brackets cost ~100 ms of CPU);
 * - a `Content-Length` over the limit, 413;
 * - the provider's precheck (no secret, missing or malformed signature header, bad Eyeson path token), 401.
 * A client that sent `Expect: 100-continue` is told to send its body only once these pass; one refused
 * before sending it, or whose body is too large to drain, is answered with `Connection: close`.
 */
export function webhookIntake(
  prechecks: ReadonlyMap<string, WebhookPrecheck | undefined>,
  bodyLimitBytes: number,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const slash = req.path.indexOf('/', 1);
    const provider = slash === -1 ? req.path.slice(1) : req.path.slice(1, slash);
    if (!prechecks.has(provider) || req.method !== 'POST') return next(); // the router answers 404/405
    const length = Number(req.headers['content-length'] ?? 0);
    try {
      const encoding = req.headers['content-encoding']?.trim().toLowerCase();
      if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
        throw new ProblemException(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          'Webhook bodies are not accepted compressed (Content-Encoding): the signature covers the bytes ' +
            'as sent, so send the body uncompressed.',
        );
      }
      if (length > bodyLimitBytes) {
        throw new ProblemException(
          413,
          'payload-too-large',
          'Payload too large',
          'The body is larger than the configured limit.',
        );
      }
      prechecks.get(provider)?.(req, slash === -1 ? '' : req.path.slice(slash));
    } catch (err) {
      if (!(err instanceof ProblemException)) return next(err);
      if (expectsContinue(req) || length > bodyLimitBytes) res.setHeader('Connection', 'close');
      res.locals.problemCode = err.code;
      sendProblem(err, req, res);
      return;
    }
    next();
  };
}

/**
 * Node answers `Expect: 100-continue` itself unless the server handles `checkContinue`; it is handled so
 * that the webhook intake can refuse first. This sends the interim answer for every request that gets this
 * far (webhooks past their prechecks, every other route as Node would have).
 */
export function continueWhenExpected(req: Request, res: Response, next: NextFunction): void {
  if (expectsContinue(req)) res.writeContinue();
  next();
}
