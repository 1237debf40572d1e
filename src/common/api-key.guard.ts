import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { ProblemException, unauthorized } from 'src/common/problem';

const NO_API_KEY = 'hooktrail:no-api-key';
const SCOPE = 'hooktrail:api-scope';

/** `read` queries; `operate` also changes things (replays deliveries, mints Eyeson callback URLs). */
export type ApiScope = 'read' | 'operate';

/** The key a request was authenticated with: its scope, and a fingerprint to log instead of the key. */
export interface ApiCaller {
  scope: ApiScope;
  keyId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    apiCaller?: ApiCaller;
  }
}

/**
 * Marks a controller or route as not needing an API key: health checks, and webhook routes, which are
 * protected by their provider's signature guard instead. Everything else needs a key.
 */
export const NoApiKey = (): ClassDecorator & MethodDecorator => SetMetadata(NO_API_KEY, true);

/** Marks a route that changes something: only `operate` keys may call it (every key may read). */
export const RequiresOperate = (): ClassDecorator & MethodDecorator => SetMetadata(SCOPE, 'operate');

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

interface ConfiguredKey {
  digest: Buffer;
  caller: ApiCaller;
}

/**
 * `Authorization: Bearer <key>` against every configured key, in constant time (keys hashed to one length).
 * API_KEYS are `operate` keys (what every key could do before scopes existed), API_READ_KEYS `read` keys.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ConfiguredKey[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const configured = (keys: string[], scope: ApiScope): ConfiguredKey[] =>
      keys.map((key) => ({
        digest: digest(key),
        // 12 hex characters of the key's SHA-256: tells keys apart in logs without revealing them.
        caller: { scope, keyId: digest(key).toString('hex').slice(0, 12) },
      }));
    this.keys = [...configured(config.apiKeys, 'operate'), ...configured(config.apiReadKeys, 'read')];
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const open = this.reflector.getAllAndOverride<boolean>(NO_API_KEY, targets);
    if (open) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw unauthorized('unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const presented = digest(match[1]);
    let caller: ApiCaller | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, presented)) caller = key.caller;
    if (caller === undefined) throw unauthorized('unauthorized', 'The API key is not valid.');
    req.apiCaller = caller;
    if (
      this.reflector.getAllAndOverride<ApiScope>(SCOPE, targets) === 'operate' &&
      caller.scope !== 'operate'
    ) {
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
