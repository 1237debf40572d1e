import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ApiKeyGuard } from 'src/common/api-key.guard';
import type { AppConfig } from 'src/config/app-config';
import { ConfigModule } from 'src/config/config.module';
import { DatabaseModule } from 'src/database/database.module';
import { HealthModule } from 'src/health/health.module';
import { IngestionModule } from 'src/ingestion/ingestion.module';
import { MetricsModule } from 'src/metrics/metrics.module';
import { PROVIDERS } from 'src/providers/providers';
import { QueryModule } from 'src/query/query.module';
import { RateLimitModule } from 'src/rate-limit/rate-limit.module';
import { RetentionModule } from 'src/retention/retention.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, databaseUrl: string, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The access log (pino-http) is mounted first in http-app.ts; this binds each request's logger so
        // that lines logged while handling it carry its request id.
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }),
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config.database, databaseUrl),
        IngestionModule,
        HealthModule,
        ...PROVIDERS.map((provider) => provider.module),
        QueryModule,
        MetricsModule.register(config),
        RateLimitModule.register(config.rateLimit),
        RetentionModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
    };
  }
}
