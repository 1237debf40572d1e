import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { ProblemException } from 'src/common/problem';

/** Only the REST API under /api is limited: webhooks, health checks and metrics never are. */
export const isRateLimited = (path: string): boolean => path === '/api' || path.startsWith('/api/');

/**
 * Per-client rate limit for the API, after authentication (ApiKeyGuard runs first and names the key): a
 * client is the API key it authenticated with, however the header is spelled, so clients behind one proxy
 * address do not share a budget; a route open without a key counts per IP address. One budget per client
 * across every API route (not one per route). Failed authentications are limited by ApiKeyGuard itself.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !isRateLimited(context.switchToHttp().getRequest<Request>().path);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const keyId = (req as unknown as Request).apiKeyId;
    return keyId !== undefined ? `key:${keyId}` : `ip:${await super.getTracker(req)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new ProblemException(
      429,
      'too-many-requests',
      'Too many requests',
      `More than ${detail.limit} API requests in ${Math.round(detail.ttl / 1000)} s; retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    );
  }
}
