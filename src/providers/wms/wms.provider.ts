import type { ProviderDefinition } from 'src/config/provider-registry';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { parseWmsConfig } from 'src/providers/wms/wms.config';
import { WmsModule } from 'src/providers/wms/wms.module';
import { WMS_MAC_HEADER, wmsPrecheck } from 'src/providers/wms/wms-signature.guard';
import { WmsService } from 'src/providers/wms/wms.service';

/** NuraLogix WMS: measurement events, `X-WMS-Content-MAC` HMAC-SHA256 of the body. */
export const wmsProvider = {
  name: 'wms',
  parseConfig: parseWmsConfig,
  precheck: wmsPrecheck,
  module: WmsModule,
  adapter: WmsService,
  hiddenHeaders: [WMS_MAC_HEADER.toLowerCase()],
  redactKeys: [WMS_MAC_HEADER.toLowerCase(), 'macSecret'],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./wms.simulator').then((m) => m.wmsSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
