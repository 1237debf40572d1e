import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { unauthorized } from 'src/common/problem';

const NO_API_KEY = 'hooktrail:no-api-key';

/**
 * Marks a controller or route as not needing an API key: health checks, and webhook routes, which are
 * protected by their provider's signature guard instead. Everything else needs a key.
 */
export const NoApiKey = (): ClassDecorator & MethodDecorator => SetMetadata(NO_API_KEY, true);

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <key>` against every configured key, in constant time (keys hashed to one length). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = config.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const open = this.reflector.getAllAndOverride<boolean>(NO_API_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    // No key configured: say so, rather than call every key wrong (the boot log warns too).
    if (this.keys.length === 0) throw unauthorized('api-disabled', 'api-disabled: no API_KEYS configured.');
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw unauthorized('unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const presented = digest(match[1]);
    let ok = false;
    for (const key of this.keys) if (timingSafeEqual(key, presented)) ok = true;
    if (!ok) throw unauthorized('unauthorized', 'The API key is not valid.');
    return true;
  }
}
