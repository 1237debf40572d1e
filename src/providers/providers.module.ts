import { Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Projector } from 'src/ingestion/projector';
import { EyesonModule } from 'src/providers/eyeson/eyeson.module';
import { MillicastModule } from 'src/providers/millicast/millicast.module';
import { PerculusModule } from 'src/providers/perculus/perculus.module';
import { PROVIDER_NAMES } from 'src/providers/provider-configs';
import { webhookAdapter } from 'src/providers/webhook-adapters';
import { WmsModule } from 'src/providers/wms/wms.module';

/** Every provider module; a new provider adds its module here (and its config parser in provider-configs.ts). */
@Module({ imports: [EyesonModule, MillicastModule, PerculusModule, WmsModule] })
export class ProvidersModule implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly projector: Projector,
  ) {}

  /** The projector reads stored deliveries with their provider's adapter. */
  onModuleInit(): void {
    for (const provider of PROVIDER_NAMES) this.projector.register(webhookAdapter(this.moduleRef, provider));
  }
}
