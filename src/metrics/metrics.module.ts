import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from 'src/config/app-config';
import { MetricsAuthGuard } from 'src/metrics/metrics-auth.guard';
import { MetricsController } from 'src/metrics/metrics.controller';
import { MetricsServer } from 'src/metrics/metrics.server';
import { MetricsService } from 'src/metrics/metrics.service';

/** Metrics: `/metrics` on the API port, or on METRICS_PORT alone when that is set. */
@Global()
@Module({})
export class MetricsModule {
  static register(config: AppConfig): DynamicModule {
    const separatePort = config.metrics.port !== undefined;
    return {
      module: MetricsModule,
      controllers: separatePort ? [] : [MetricsController],
      providers: [MetricsService, MetricsAuthGuard, ...(separatePort ? [MetricsServer] : [])],
      exports: [MetricsService],
    };
  }
}
