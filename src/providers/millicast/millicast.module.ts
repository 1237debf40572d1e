import { Module } from '@nestjs/common';
import { MillicastSignatureGuard } from 'src/providers/millicast/millicast-signature.guard';
import { MillicastThumbnailController } from 'src/providers/millicast/millicast-thumbnail.controller';
import { MillicastWebhookController } from 'src/providers/millicast/millicast-webhook.controller';
import { MillicastService } from 'src/providers/millicast/millicast.service';

@Module({
  controllers: [MillicastWebhookController, MillicastThumbnailController],
  providers: [MillicastService, MillicastSignatureGuard],
  exports: [MillicastService],
})
export class MillicastModule {}
