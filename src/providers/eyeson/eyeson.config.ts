import { ConfigErrors, Env, readSecrets } from 'src/config/env-readers';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    eyeson: EyesonConfig;
  }
}

export interface EyesonConfig {
  /** Secrets for callback-URL tokens: the first one signs new URLs, every one verifies. */
  secrets: string[];
}

export function parseEyesonConfig(env: Env, errors: ConfigErrors): EyesonConfig {
  return { secrets: readSecrets(env, 'EYESON_CALLBACK_SECRETS', errors, 16) };
}
