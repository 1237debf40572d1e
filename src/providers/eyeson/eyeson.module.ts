import { Module } from '@nestjs/common';
import { EyesonCallbackUrlController } from 'src/providers/eyeson/eyeson-callback-url.controller';
import { EyesonRevokedUrls } from 'src/providers/eyeson/eyeson-revoked-urls.service';
import { EyesonSignatureGuard } from 'src/providers/eyeson/eyeson-signature.guard';
import { EyesonWebhookController } from 'src/providers/eyeson/eyeson-webhook.controller';
import { EyesonService } from 'src/providers/eyeson/eyeson.service';

@Module({
  controllers: [EyesonWebhookController, EyesonCallbackUrlController],
  providers: [EyesonService, EyesonSignatureGuard, EyesonRevokedUrls],
  exports: [EyesonService],
})
export class EyesonModule {}
