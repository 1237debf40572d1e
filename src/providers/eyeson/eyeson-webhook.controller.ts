import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { EyesonEventDto } from 'src/providers/eyeson/dto/eyeson-event.dto';
import { EyesonSignatureGuard } from 'src/providers/eyeson/eyeson-signature.guard';
import { EyesonService } from 'src/providers/eyeson/eyeson.service';

@ApiTags('webhooks')
@NoApiKey()
@Controller('webhooks/eyeson')
export class EyesonWebhookController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly eyeson: EyesonService,
  ) {}

  @Post(':token')
  @HttpCode(200)
  @UseGuards(EyesonSignatureGuard)
  @ApiOperation({
    summary: 'Eyeson StreamRec webhooks, sent to a signed callback URL minted by this service',
  })
  @ApiParam({ name: 'token', description: 'The signed token from POST /api/eyeson/callback-urls.' })
  @ApiBody({ type: EyesonEventDto })
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.eyeson, req);
  }
}
