import { Body, Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { RequiresOperate } from 'src/common/api-key.guard';
import { invalidParameter, ProblemException } from 'src/common/problem';
import { ApiProblems } from 'src/common/problem.dto';
import { Database } from 'src/database/database';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { Projector } from 'src/ingestion/projector';
import type { ProviderName } from 'src/config/provider-registry';
import { webhookAdapter } from 'src/ingestion/webhook-adapters';
import { REPLAYABLE_STATUSES, ReplayableStatus, replayDeliveries, ReplayOptions } from 'src/replay/replay';
import { MAX_REPLAY_PER_REQUEST, ReplayRequestDto, ReplaySummaryDto } from 'src/replay/replay-request.dto';

/** The replay of `npm run replay`, over HTTP, for operators (the console's replay buttons). */
@ApiTags('deliveries')
@ApiBearerAuth('api-key')
@Controller('api/deliveries')
export class ReplayController {
  private readonly logger = new Logger('Replay');

  constructor(
    private readonly db: Database,
    private readonly ingestion: IngestionService,
    private readonly projector: Projector,
    private readonly moduleRef: ModuleRef,
  ) {}

  @Post('replay')
  @HttpCode(200)
  @RequiresOperate()
  @ApiOperation({
    summary: 'Replay stored deliveries through the current code',
    description:
      'The same rules as `npm run replay`: rejected and/or failed deliveries of one provider received in ' +
      `[since, until), oldest first, at most ${MAX_REPLAY_PER_REQUEST} per request; or one delivery by ` +
      '`deliveryId`. Idempotent (an event already on the timeline is never added twice). Needs an `operate` ' +
      'key; every request is logged with the key id that asked and what it asked for.',
  })
  @ApiOkResponse({ type: ReplaySummaryDto })
  @ApiProblems(400, 401, 403, 404)
  async replay(@Body() body: ReplayRequestDto, @Req() req: Request): Promise<ReplaySummaryDto> {
    const options = await this.options(body);
    const summary = await replayDeliveries(
      {
        db: this.db,
        ingestion: this.ingestion,
        projector: this.projector,
        adapter: webhookAdapter(this.moduleRef, options.provider),
      },
      options,
    );
    this.logger.log({
      msg: 'replay requested',
      keyId: req.apiKeyId,
      requestId: req.requestId,
      replay: { ...body, provider: options.provider },
      summary,
    });
    return { ...summary, dryRun: options.dryRun };
  }

  private async options(body: ReplayRequestDto): Promise<ReplayOptions> {
    const dryRun = body.dryRun ?? false;
    if (body.deliveryId !== undefined) return this.oneDelivery(body.deliveryId, dryRun);
    if (body.provider === undefined)
      throw invalidParameter('provider', 'provider is required without deliveryId');
    if (body.since === undefined) throw invalidParameter('since', 'since is required without deliveryId');
    const since = new Date(body.since);
    const until = body.until === undefined ? undefined : new Date(body.until);
    if (until !== undefined && until <= since) throw invalidParameter('until', 'until must be after since');
    return {
      provider: body.provider,
      statuses: [...new Set(body.status ?? REPLAYABLE_STATUSES)],
      since,
      ...(until === undefined ? {} : { until }),
      limit: body.limit ?? MAX_REPLAY_PER_REQUEST,
      dryRun,
    };
  }

  private async oneDelivery(id: string, dryRun: boolean): Promise<ReplayOptions> {
    const { rows } = await this.db.query<{ provider: ProviderName; status: string; received_at: Date }>(
      'SELECT provider, status, received_at FROM deliveries WHERE id = $1',
      [id],
    );
    const found = rows[0];
    if (found === undefined) {
      throw new ProblemException(404, 'not-found', 'Not found', `No delivery with id "${id}".`);
    }
    if (!(REPLAYABLE_STATUSES as readonly string[]).includes(found.status)) {
      throw new ProblemException(
        409,
        'not-replayable',
        'Not replayable',
        `Delivery ${id} is ${found.status}; only rejected or failed deliveries are replayed.`,
      );
    }
    return {
      provider: found.provider,
      statuses: [found.status as ReplayableStatus],
      since: found.received_at,
      deliveryIds: [id],
      dryRun,
    };
  }
}
