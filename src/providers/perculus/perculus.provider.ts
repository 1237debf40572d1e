import { perculusPrecheck } from 'src/providers/perculus/perculus-signature.guard';
import type { ProviderDefinition } from 'src/config/provider-registry';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { PerculusSeenTokenEntity } from 'src/providers/perculus/perculus-seen-token.entity';
import { parsePerculusConfig } from 'src/providers/perculus/perculus.config';
import { PerculusModule } from 'src/providers/perculus/perculus.module';
import { PerculusService } from 'src/providers/perculus/perculus.service';

/** Perculus (virtual classroom): the HMAC token is in the body (`token`, redacted by the core's defaults). */
export const perculusProvider = {
  name: 'perculus',
  parseConfig: parsePerculusConfig,
  precheck: perculusPrecheck,
  module: PerculusModule,
  adapter: PerculusService,
  entities: [PerculusSeenTokenEntity],
  // Loaded by `npm run send` / `npm run demo` only, never by the service.
  simulator: () => import('./perculus.simulator').then((m) => m.perculusSimulator),
} satisfies ProviderDefinition<ProviderSimulator>;
