import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { RateLimitConfig } from 'src/rate-limit/rate-limit.config';
import { ApiThrottlerGuard } from 'src/rate-limit/api-throttler.guard';

/**
 * API rate limiting (API_RATE_LIMIT_PER_MINUTE per client, in memory: each instance counts on its own).
 * With 0 nothing is registered at all.
 */
@Module({})
export class RateLimitModule {
  static register(config: RateLimitConfig): DynamicModule {
    if (config.perMinute === 0) return { module: RateLimitModule };
    return {
      module: RateLimitModule,
      imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: config.perMinute }] })],
      providers: [{ provide: APP_GUARD, useClass: ApiThrottlerGuard }],
    };
  }
}
