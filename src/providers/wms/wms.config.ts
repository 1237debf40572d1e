import { ConfigErrors, decodeBase64Keys, Env, readEnum, readSecrets } from 'src/config/env-readers';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    wms: WmsConfig;
  }
}

export interface WmsConfig {
  /** MAC secrets from the WMS Config ID; every one is tried, so a new one can be added before the old is removed. */
  secrets: string[];
  /** How a secret becomes the HMAC key: used as given (utf8, the default) or base64-decoded. */
  secretEncoding: 'utf8' | 'base64';
  /** The HMAC keys, one per secret, decoded at boot (a bad base64 secret stops the boot). */
  keys: Buffer[];
}

export function parseWmsConfig(env: Env, errors: ConfigErrors): WmsConfig {
  const secrets = readSecrets(env, 'WMS_MAC_SECRETS', errors);
  const secretEncoding = readEnum(
    env,
    'WMS_MAC_SECRET_ENCODING',
    errors,
    ['utf8', 'base64'] as const,
    'utf8',
  );
  const keys =
    secretEncoding === 'base64'
      ? decodeBase64Keys(secrets, 'WMS_MAC_SECRETS', errors)
      : secrets.map((s) => Buffer.from(s, 'utf8'));
  return { secrets, secretEncoding, keys };
}
