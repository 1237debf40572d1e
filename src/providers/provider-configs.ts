import { ConfigErrors, Env } from 'src/config/env-readers';
import { parseEyesonConfig } from 'src/providers/eyeson/eyeson.config';
import { parseMillicastConfig } from 'src/providers/millicast/millicast.config';
import { parsePerculusConfig } from 'src/providers/perculus/perculus.config';
import { parseWmsConfig } from 'src/providers/wms/wms.config';

/** One parser per provider; a new provider adds its own here. Every provider config has `secrets`. */
export const PROVIDER_CONFIG_PARSERS = {
  perculus: parsePerculusConfig,
  eyeson: parseEyesonConfig,
  millicast: parseMillicastConfig,
  wms: parseWmsConfig,
} satisfies Record<string, (env: Env, errors: ConfigErrors) => { secrets: string[] }>;

export type ProviderName = keyof typeof PROVIDER_CONFIG_PARSERS;
export const PROVIDER_NAMES = Object.keys(PROVIDER_CONFIG_PARSERS) as ProviderName[];

export type ProvidersConfig = { [K in ProviderName]: ReturnType<(typeof PROVIDER_CONFIG_PARSERS)[K]> };

export function parseProvidersConfig(env: Env, errors: ConfigErrors): ProvidersConfig {
  const entries = PROVIDER_NAMES.map((name) => [name, PROVIDER_CONFIG_PARSERS[name](env, errors)]);
  return Object.fromEntries(entries) as ProvidersConfig;
}
