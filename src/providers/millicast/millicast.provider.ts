import type { ProviderDefinition } from 'src/config/provider-registry';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { parseMillicastConfig } from 'src/providers/millicast/millicast.config';
import { MillicastModule } from 'src/providers/millicast/millicast.module';
import {
  MILLICAST_SIGNATURE_HEADER,
  millicastPrecheck,
} from 'src/providers/millicast/millicast-signature.guard';
import { MillicastThumbnailEntity } from 'src/providers/millicast/millicast-thumbnail.entity';
import { MillicastService } from 'src/providers/millicast/millicast.service';

/** Dolby.io Real-time Streaming (Millicast): JSON hooks and JPEG thumbnails, `X-Millicast-Signature`. */
export const millicastProvider = {
  name: 'millicast',
  parseConfig: parseMillicastConfig,
  precheck: millicastPrecheck,
  module: MillicastModule,
  adapter: MillicastService,
  entities: [MillicastThumbnailEntity],
  hiddenHeaders: [MILLICAST_SIGNATURE_HEADER.toLowerCase()],
  redactKeys: [MILLICAST_SIGNATURE_HEADER.toLowerCase()],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./millicast.simulator').then((m) => m.millicastSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
