import type { ProviderDefinition } from 'src/config/provider-registry';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { parseMillicastConfig } from 'src/providers/millicast/millicast.config';
import { MillicastModule } from 'src/providers/millicast/millicast.module';
import {
  MILLICAST_SIGNATURE_HEADER,
  millicastBodyCheck,
  millicastPrecheck,
} from 'src/providers/millicast/millicast-signature.guard';
import { MillicastThumbnailEntity } from 'src/providers/millicast/millicast-thumbnail.entity';
import { DELETE_OLD_THUMBNAILS } from 'src/providers/millicast/millicast-thumbnail.sql';
import { MillicastService } from 'src/providers/millicast/millicast.service';

/** Dolby.io Real-time Streaming (Millicast): JSON hooks and JPEG thumbnails, `X-Millicast-Signature`. */
export const millicastProvider = {
  name: 'millicast',
  parseConfig: parseMillicastConfig,
  precheck: millicastPrecheck,
  verifyBody: millicastBodyCheck,
  module: MillicastModule,
  adapter: MillicastService,
  entities: [MillicastThumbnailEntity],
  retention: {
    what: 'thumbnails',
    days: (providers) => providers.millicast.thumbnailRetentionDays,
    deleteOlderThan: DELETE_OLD_THUMBNAILS,
  },
  hiddenHeaders: [MILLICAST_SIGNATURE_HEADER.toLowerCase()],
  redactKeys: [MILLICAST_SIGNATURE_HEADER.toLowerCase()],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./millicast.simulator').then((m) => m.millicastSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
