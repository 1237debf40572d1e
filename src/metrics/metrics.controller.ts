import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { MetricsAuthGuard } from 'src/metrics/metrics-auth.guard';
import { MetricsService } from 'src/metrics/metrics.service';

/** Prometheus scrape endpoint on the API port (not mounted when METRICS_PORT serves it separately). */
@ApiTags('operations')
@ApiBearerAuth('api-key')
@NoApiKey() // MetricsAuthGuard decides: the metrics token when configured, else an API key
@UseGuards(MetricsAuthGuard)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Needs `Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set, otherwise an API key.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format.', schema: { type: 'string' } })
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.metrics.render();
    res.setHeader('Cache-Control', 'no-store');
    res.type(this.metrics.contentType).send(body);
  }
}
