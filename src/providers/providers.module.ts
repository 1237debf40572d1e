import { Module } from '@nestjs/common';
import { WmsModule } from 'src/providers/wms/wms.module';

/** Every provider module; a new provider adds its module here (and its config parser in provider-configs.ts). */
@Module({ imports: [WmsModule] })
export class ProvidersModule {}
