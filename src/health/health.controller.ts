import { Controller, Get, Logger } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { NoApiKey } from 'src/common/api-key.guard';
import { Database } from 'src/database/database';
import { Projector } from 'src/ingestion/projector';

const CHECK_TIMEOUT_MS = 1_000;

/** `work`, or a rejection once `CHECK_TIMEOUT_MS` has passed. */
async function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@NoApiKey()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly database: Database,
    private readonly projector: Projector,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up.' })
  @ApiOkResponse({
    description: 'The process is up (says nothing about the database).',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
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
    return this.health.check([() => this.pingDatabase(), () => this.inboxBacklog()]);
  }

  /**
   * `SELECT 1` within a second. Terminus' own ping drops the cause and logs a multi-line report, so this one
   * logs the cause in one line; the public answer says only "down" (no host or driver text to anonymous callers).
   */
  private async pingDatabase() {
    const database = this.indicator.check('database');
    try {
      await withinTimeout(this.database.query('SELECT 1'));
      return database.up();
    } catch (err) {
      this.logger.error(`not ready: database: ${err instanceof Error ? err.message : String(err)}`);
      return database.down();
    }
  }

  private async inboxBacklog() {
    const inbox = this.indicator.check('inbox');
    try {
      return inbox.up({ ...(await withinTimeout(this.projector.backlog())) });
    } catch (err) {
      const late = err instanceof Error && err.message.startsWith('no answer within');
      return inbox.down({ message: late ? 'timed out' : 'unavailable' });
    }
  }
}
