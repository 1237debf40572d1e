import { ConfigErrors, Env, readInt, readSecrets } from 'src/config/env-readers';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    livekit: LivekitConfig;
  }
}

/** One LiveKit API key and its secret: the webhook token is issued by the key and signed with the secret. */
export interface LivekitKey {
  apiKey: string;
  apiSecret: string;
}

export interface LivekitConfig {
  /** The `key:secret` entries as configured; every pair is tried, so a new key can be added before the old goes. */
  secrets: string[];
  keys: LivekitKey[];
  /** Allowed clock difference when checking the token's expiry (LiveKit's tokens live five minutes). */
  clockToleranceSeconds: number;
}

/** LiveKit's server refuses API secrets shorter than this; so does the service. */
const MIN_SECRET_LENGTH = 32;

export function parseLivekitConfig(env: Env, errors: ConfigErrors): LivekitConfig {
  const secrets = readSecrets(env, 'LIVEKIT_WEBHOOK_KEYS', errors);
  const keys: LivekitKey[] = [];
  secrets.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const apiKey = colon > 0 ? entry.slice(0, colon).trim() : '';
    const apiSecret = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (apiKey === '' || apiSecret === '') {
      errors.add('LIVEKIT_WEBHOOK_KEYS', `entry ${i + 1} must be <API key>:<API secret>`);
    } else if (apiSecret.length < MIN_SECRET_LENGTH) {
      errors.add(
        'LIVEKIT_WEBHOOK_KEYS',
        `entry ${i + 1}: the secret is shorter than ${MIN_SECRET_LENGTH} characters`,
      );
    } else {
      keys.push({ apiKey, apiSecret });
    }
  });
  return {
    secrets,
    keys,
    clockToleranceSeconds: readInt(env, 'LIVEKIT_CLOCK_TOLERANCE_SECONDS', errors, 10, { min: 0, max: 300 }),
  };
}
