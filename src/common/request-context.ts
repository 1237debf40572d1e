import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlation id: the caller's `X-Request-Id` when sane, otherwise generated; echoed on the response. */
    requestId: string;
    /** What a webhook guard established besides the body (e.g. a callback-URL reference). */
    webhookContext?: Record<string, string>;
    /** Id (not the key) of the API key the request authenticated with; the API rate limit counts per key. */
    apiKeyId?: string;
    /** Set by webhook controllers for logs and metrics. */
    provider?: string;
    outcome?: string;
  }
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  req.requestId = incoming !== undefined && SANE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.requestId);
  next();
}
