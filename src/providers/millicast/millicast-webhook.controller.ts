import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { MillicastEnvelopeDto } from 'src/providers/millicast/dto/millicast-envelope.dto';
import {
  MILLICAST_SIGNATURE_HEADER,
  MillicastSignatureGuard,
} from 'src/providers/millicast/millicast-signature.guard';
import { MillicastService } from 'src/providers/millicast/millicast.service';

@ApiTags('webhooks')
@NoApiKey()
@Controller('webhooks/millicast')
export class MillicastWebhookController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly millicast: MillicastService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(MillicastSignatureGuard)
  @ApiOperation({
    summary: 'Dolby.io Real-time Streaming (Millicast) hooks',
    description:
      'JSON hooks (feeds, recordings, media, transcoder, viewerConnection) and thumbnail hooks (a JPEG body with ' +
      'X-Millicast-Timestamp, X-Millicast-Feed-Id, X-Millicast-Stream-Id and X-Millicast-Token-Id headers).',
  })
  @ApiConsumes('application/json', 'image/jpeg')
  @ApiHeader({
    name: MILLICAST_SIGNATURE_HEADER,
    description: 'sha1=<hex HMAC-SHA1 of the body, keyed with the base64-decoded webhook secret>',
    required: true,
  })
  @ApiBody({ type: MillicastEnvelopeDto })
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.millicast, req);
  }
}
