import { eyesonPrecheck } from 'src/providers/eyeson/eyeson-signature.guard';
import type { ProviderDefinition } from 'src/config/provider-registry';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { parseEyesonConfig } from 'src/providers/eyeson/eyeson.config';
import { EyesonModule } from 'src/providers/eyeson/eyeson.module';
import { EyesonRevokedUrlEntity } from 'src/providers/eyeson/eyeson-revoked-url.entity';
import { EyesonService } from 'src/providers/eyeson/eyeson.service';

/** Eyeson StreamRec: signs nothing; its callback URL (a minted, signed token in the path) is the credential. */
export const eyesonProvider = {
  name: 'eyeson',
  parseConfig: parseEyesonConfig,
  precheck: eyesonPrecheck,
  module: EyesonModule,
  adapter: EyesonService,
  entities: [EyesonRevokedUrlEntity],
  redactKeys: ['webhook_url', 'webhookUrl', 'callbackUrl'],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./eyeson.simulator').then((m) => m.eyesonSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
