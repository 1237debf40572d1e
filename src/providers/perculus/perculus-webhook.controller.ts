import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { PerculusSignatureGuard } from 'src/providers/perculus/perculus-signature.guard';
import { PerculusService } from 'src/providers/perculus/perculus.service';

/** Perculus posts every event here; the token in the body authenticates it (PerculusSignatureGuard). */
@ApiTags('webhooks')
@NoApiKey()
@Controller('webhooks/perculus')
export class PerculusWebhookController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly service: PerculusService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(PerculusSignatureGuard)
  @ApiOperation({ summary: 'Perculus virtual classroom events' })
  @ApiBody({
    description: 'A Perculus message (JSON); its `token` authenticates it.',
    schema: {
      type: 'object',
      required: ['request_id', 'type', 'token'],
      properties: {
        request_id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        type: { type: 'string', example: 'SessionStatusEvent' },
        session_id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        token: {
          type: 'string',
          description:
            '`<unix seconds>|<HMAC of that timestamp>` with a configured secret; at most 5 minutes old, ' +
            'bound to the first request_id and body that used it.',
          example: '1732435200|6f1c…',
        },
      },
      additionalProperties: true,
    },
  })
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.service, req);
  }
}
