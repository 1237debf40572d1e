import type { ProviderDefinition } from 'src/config/provider-registry';
import { parseLivekitConfig } from 'src/providers/livekit/livekit.config';
import { livekitPrecheck } from 'src/providers/livekit/livekit-signature.guard';
import { LivekitModule } from 'src/providers/livekit/livekit.module';
import { LivekitService } from 'src/providers/livekit/livekit.service';
import type { ProviderSimulator } from 'src/simulator/simulator.types';

/**
 * LiveKit: a JWT in `Authorization` (hidden and redacted by the core's defaults) signed with an API secret,
 * carrying the body's SHA-256. Rooms are sessions; egress files are recordings.
 */
export const livekitProvider = {
  name: 'livekit',
  parseConfig: parseLivekitConfig,
  precheck: livekitPrecheck,
  module: LivekitModule,
  adapter: LivekitService,
  redactKeys: ['apiSecret'],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./livekit.simulator').then((m) => m.livekitSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
