import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { WmsEnvelopeDto } from 'src/providers/wms/dto/wms-envelope.dto';
import { WMS_MAC_HEADER, WmsSignatureGuard } from 'src/providers/wms/wms-signature.guard';
import { WmsService } from 'src/providers/wms/wms.service';

@ApiTags('webhooks')
@NoApiKey()
@Controller('webhooks/wms')
export class WmsWebhookController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly wms: WmsService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(WmsSignatureGuard)
  @ApiOperation({ summary: 'NuraLogix WMS measurement events' })
  @ApiHeader({
    name: WMS_MAC_HEADER,
    description: 'hmac-sha256=<hex HMAC-SHA256 of the body>',
    required: true,
  })
  @ApiBody({ type: WmsEnvelopeDto })
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.wms, req);
  }
}
