import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares `Authorization: Bearer <x>` with every credential in constant time (hashed to one length). */
export class BearerCredentials {
  private readonly digests: Buffer[];

  constructor(credentials: string[]) {
    this.digests = credentials.map(digest);
  }

  get empty(): boolean {
    return this.digests.length === 0;
  }

  matches(header: string | undefined): boolean {
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return false;
    const presented = digest(match[1]);
    let ok = false;
    for (const d of this.digests) if (timingSafeEqual(d, presented)) ok = true;
    return ok;
  }
}

/**
 * `/metrics` on the API port: `Bearer <METRICS_TOKEN>` when tokens are configured (so a scraper needs no
 * API key), otherwise an API key like every other route. Nothing is public by default.
 */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  private readonly credentials: BearerCredentials;
  private readonly what: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const useTokens = config.metrics.tokens.length > 0;
    this.credentials = new BearerCredentials(useTokens ? config.metrics.tokens : config.apiKeys);
    this.what = useTokens ? 'the metrics token (METRICS_TOKEN)' : 'an API key';
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.credentials.empty) {
      throw unauthorized('api-disabled', 'api-disabled: no API_KEYS (or METRICS_TOKEN) configured.');
    }
    const req = context.switchToHttp().getRequest<Request>();
    if (this.credentials.matches(req.headers.authorization)) return true;
    throw unauthorized('unauthorized', `Send ${this.what} as "Authorization: Bearer <token>".`);
  }
}
