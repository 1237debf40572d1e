import { Module } from '@nestjs/common';
import { WmsSignatureGuard } from 'src/providers/wms/wms-signature.guard';
import { WmsWebhookController } from 'src/providers/wms/wms-webhook.controller';
import { WmsService } from 'src/providers/wms/wms.service';

@Module({
  controllers: [WmsWebhookController],
  providers: [WmsService, WmsSignatureGuard],
  exports: [WmsService],
})
export class WmsModule {}
