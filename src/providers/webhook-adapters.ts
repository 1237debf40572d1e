import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { WebhookAdapter } from 'src/ingestion/ingestion.types';
import { EyesonService } from 'src/providers/eyeson/eyeson.service';
import { MillicastService } from 'src/providers/millicast/millicast.service';
import { PerculusService } from 'src/providers/perculus/perculus.service';
import type { ProviderName } from 'src/providers/provider-configs';
import { WmsService } from 'src/providers/wms/wms.service';

/**
 * The WebhookAdapter service of every provider, for code that processes stored deliveries outside a
 * request (replay). A new provider adds one line here; the compiler insists, since every ProviderName needs
 * an entry.
 */
export const WEBHOOK_ADAPTERS: { readonly [P in ProviderName]: Type<WebhookAdapter<unknown>> } = {
  eyeson: EyesonService,
  millicast: MillicastService,
  perculus: PerculusService,
  wms: WmsService,
};

/** The provider's adapter instance from a running application (or application context). */
export function webhookAdapter(app: Pick<ModuleRef, 'get'>, provider: ProviderName): WebhookAdapter<unknown> {
  return app.get(WEBHOOK_ADAPTERS[provider], { strict: false });
}
