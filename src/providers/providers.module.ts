import { Module } from '@nestjs/common';
import { EyesonModule } from 'src/providers/eyeson/eyeson.module';
import { MillicastModule } from 'src/providers/millicast/millicast.module';
import { PerculusModule } from 'src/providers/perculus/perculus.module';
import { WmsModule } from 'src/providers/wms/wms.module';

/** Every provider module; a new provider adds its module here (and its config parser in provider-configs.ts). */
@Module({ imports: [EyesonModule, MillicastModule, PerculusModule, WmsModule] })
export class ProvidersModule {}
