import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { ProblemException, unauthorized } from 'src/common/problem';
import { WindowCounter } from 'src/rate-limit/window-counter';

const NO_API_KEY = 'hooktrail:no-api-key';
const SCOPE = 'hooktrail:api-scope';

/** `read` queries; `operate` also changes things (replays deliveries, mints Eyeson callback URLs). */
export type ApiScope = 'read' | 'operate';

/**
 * Marks a controller or route as not needing an API key: health checks, and webhook routes, which are
 * protected by their provider's signature guard instead. Everything else needs a key.
 */
export const NoApiKey = (): ClassDecorator & MethodDecorator => SetMetadata(NO_API_KEY, true);

/** Marks a route that changes something: only `operate` keys may call it (every key may read). */
export const RequiresOperate = (): ClassDecorator & MethodDecorator => SetMetadata(SCOPE, 'operate');

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The configured API keys, compared in constant time (hashed to one length, every key tried). API_KEYS are
 * `operate` keys (what every key could do before scopes existed), API_READ_KEYS `read` keys.
 */
export class ApiKeys {
  private readonly keys: Array<{ digest: Buffer; scope: ApiScope }>;

  constructor(operateKeys: readonly string[], readKeys: readonly string[] = []) {
    this.keys = [
      ...operateKeys.map((key) => ({ digest: digest(key), scope: 'operate' as const })),
      ...readKeys.map((key) => ({ digest: digest(key), scope: 'read' as const })),
    ];
  }

  get empty(): boolean {
    return this.keys.length === 0;
  }

  /**
   * A stable, non-secret id and the scope of the key `Authorization: Bearer <key>` presents, or null when
   * it presents none that is configured. Spelling (`bearer`, extra spaces) does not change the id.
   */
  match(header: string | undefined): { id: string; scope: ApiScope } | null {
    const presented = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!presented) return null;
    const candidate = digest(presented[1]);
    let matched: { digest: Buffer; scope: ApiScope } | null = null;
    for (const key of this.keys) if (timingSafeEqual(key.digest, candidate)) matched = key;
    return matched === null
      ? null
      : { id: matched.digest.toString('base64url').slice(0, 16), scope: matched.scope };
  }
}

/**
 * `Authorization: Bearer <key>` against every configured key. On success the matched key's id is left on
 * the request, so that the API rate limit counts per key however the header is spelled (and logs can say
 * who asked); a `read` key on a route marked RequiresOperate is answered 403. Failed attempts
 * are counted per client address (API_AUTH_FAILURES_PER_MINUTE); over the budget every attempt from that
 * address is answered 429 before any key is compared, so guessing keys costs a minute per budget.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;
  private readonly failures: WindowCounter | null;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new ApiKeys(config.apiKeys, config.apiReadKeys);
    const limit = config.rateLimit.authFailuresPerMinute;
    this.failures = limit > 0 ? new WindowCounter(limit, 60_000) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const open = this.reflector.getAllAndOverride<boolean>(NO_API_KEY, targets);
    if (open) return true;
    // No key configured: say so, rather than call every key wrong (the boot log warns too).
    if (this.keys.empty) throw unauthorized('api-disabled', 'api-disabled: no API_KEYS configured.');
    const req = context.switchToHttp().getRequest<Request>();
    const client = req.ip ?? 'unknown';
    const blockedFor = this.failures?.blockedForSeconds(client) ?? 0;
    if (blockedFor > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(blockedFor));
      throw new ProblemException(
        429,
        'too-many-requests',
        'Too many requests',
        `More than ${this.failures!.limit} failed API authentications from this address in a minute; retry in ${blockedFor} s.`,
        { retryAfterSeconds: blockedFor },
      );
    }
    const header = req.headers.authorization;
    const key = this.keys.match(header);
    if (key === null) {
      this.failures?.hit(client);
      throw unauthorized(
        'unauthorized',
        typeof header === 'string' && BEARER.test(header)
          ? 'The API key is not valid.'
          : 'Send an API key as "Authorization: Bearer <key>".',
      );
    }
    req.apiKeyId = key.id;
    if (this.reflector.getAllAndOverride<ApiScope>(SCOPE, targets) === 'operate' && key.scope !== 'operate') {
      throw new ProblemException(
        403,
        'insufficient-scope',
        'Forbidden',
        'This API key may only read; replaying deliveries and minting URLs need an operate key (API_KEYS).',
      );
    }
    return true;
  }
}
