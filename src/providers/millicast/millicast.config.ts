import {
  ConfigErrors,
  decodeBase64Keys,
  Env,
  readByteSize,
  readInt,
  readSecrets,
} from 'src/config/env-readers';
import type { ServiceLimits } from 'src/config/provider-registry';

declare module 'src/config/provider-registry' {
  interface ProviderConfigs {
    millicast: MillicastConfig;
  }
}

export interface MillicastConfig {
  /** Webhook secrets exactly as the dashboard shows them (base64); the HMAC key is their decoded bytes. */
  secrets: string[];
  /** The HMAC keys: each secret's decoded bytes (as in Millicast's sample), checked strictly at boot. */
  keys: Buffer[];
  /** How many thumbnails are kept per stream (older ones are deleted as new ones arrive). */
  thumbnailsPerStream: number;
  /** How many thumbnails are kept across all streams (the oldest stored go first). */
  thumbnailsTotal: number;
  /** Largest thumbnail body accepted. */
  thumbnailMaxBytes: number;
}

export function parseMillicastConfig(env: Env, errors: ConfigErrors, limits: ServiceLimits): MillicastConfig {
  const secrets = readSecrets(env, 'MILLICAST_WEBHOOK_SECRETS', errors);
  const config: MillicastConfig = {
    secrets,
    keys: decodeBase64Keys(secrets, 'MILLICAST_WEBHOOK_SECRETS', errors),
    thumbnailsPerStream: readInt(env, 'MILLICAST_THUMBNAILS_PER_STREAM', errors, 10, { min: 1, max: 1000 }),
    thumbnailsTotal: readInt(env, 'MILLICAST_THUMBNAILS_TOTAL', errors, 10_000, {
      min: 1,
      max: 10_000_000,
    }),
    thumbnailMaxBytes: readByteSize(
      env,
      'MILLICAST_THUMBNAIL_MAX_BYTES',
      errors,
      1024 * 1024,
      50 * 1024 * 1024,
    ),
  };
  // The body parser stops bodies over the webhook limit first: a larger thumbnail limit would only turn
  // 422-and-stored into 413-and-lost. The default follows the body limit; an explicit larger value is refused.
  if (config.thumbnailMaxBytes > limits.webhookBodyLimitBytes) {
    if (!env.MILLICAST_THUMBNAIL_MAX_BYTES && !env.MILLICAST_THUMBNAIL_MAX_BYTES_FILE) {
      config.thumbnailMaxBytes = limits.webhookBodyLimitBytes;
    } else {
      errors.add(
        'MILLICAST_THUMBNAIL_MAX_BYTES',
        `must not exceed WEBHOOK_BODY_LIMIT (${limits.webhookBodyLimitBytes} bytes)`,
      );
    }
  }
  return config;
}
