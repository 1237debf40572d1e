import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { NoApiKey } from 'src/common/api-key.guard';
import { Projector } from 'src/ingestion/projector';

@ApiTags('health')
@NoApiKey()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly projector: Projector,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the database answers within a second; reports the projection backlog.',
    description:
      '`inbox.pending` counts deliveries acknowledged and not yet projected, `inbox.oldestPendingSeconds` ' +
      'the age of the oldest: how far the timeline and state are behind. A backlog does not make the ' +
      'service unready (deliveries are still stored).',
  })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1_000 }),
      async () => {
        const inbox = this.indicator.check('inbox');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 1_000)));
        try {
          const backlog = await Promise.race([this.projector.backlog(), late]);
          return backlog === null ? inbox.down({ message: 'timed out' }) : inbox.up({ ...backlog });
        } catch {
          return inbox.down({ message: 'unavailable' });
        } finally {
          clearTimeout(timer);
        }
      },
    ]);
  }
}
