import { ConfigErrors, Env, readEnum, readSecrets } from 'src/config/env-readers';

export interface WmsConfig {
  /** MAC secrets from the WMS Config ID; every one is tried, so a new one can be added before the old is removed. */
  secrets: string[];
  /** How a secret becomes the HMAC key: used as given (utf8, the default) or base64-decoded. */
  secretEncoding: 'utf8' | 'base64';
}

export function parseWmsConfig(env: Env, errors: ConfigErrors): WmsConfig {
  return {
    secrets: readSecrets(env, 'WMS_MAC_SECRETS', errors),
    secretEncoding: readEnum(env, 'WMS_MAC_SECRET_ENCODING', errors, ['utf8', 'base64'] as const, 'utf8'),
  };
}
