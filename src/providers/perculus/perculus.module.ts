import { Module } from '@nestjs/common';
import { PerculusSeenTokens } from 'src/providers/perculus/perculus-seen-tokens.service';
import { PerculusSignatureGuard } from 'src/providers/perculus/perculus-signature.guard';
import { PerculusWebhookController } from 'src/providers/perculus/perculus-webhook.controller';
import { PerculusService } from 'src/providers/perculus/perculus.service';

/** Perculus (virtual classroom): `POST /webhooks/perculus`. */
@Module({
  controllers: [PerculusWebhookController],
  providers: [PerculusService, PerculusSignatureGuard, PerculusSeenTokens],
})
export class PerculusModule {}
