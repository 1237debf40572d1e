import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { PerculusSignatureGuard } from 'src/providers/perculus/perculus-signature.guard';
import { PerculusService } from 'src/providers/perculus/perculus.service';

/** Perculus posts every event here; the token in the body authenticates it (PerculusSignatureGuard). */
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
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.service, req);
  }
}
