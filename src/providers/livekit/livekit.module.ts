import { Module } from '@nestjs/common';
import { LivekitSignatureGuard } from 'src/providers/livekit/livekit-signature.guard';
import { LivekitWebhookController } from 'src/providers/livekit/livekit-webhook.controller';
import { LivekitService } from 'src/providers/livekit/livekit.service';

/** LiveKit (WebRTC SFU and cloud): `POST /webhooks/livekit`. */
@Module({
  controllers: [LivekitWebhookController],
  providers: [LivekitService, LivekitSignatureGuard],
  exports: [LivekitService],
})
export class LivekitModule {}
