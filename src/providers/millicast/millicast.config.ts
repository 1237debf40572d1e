import {
  ConfigErrors,
  decodeBase64Keys,
  Env,
  readByteSize,
  readInt,
  readSecrets,
} from 'src/config/env-readers';

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

export function parseMillicastConfig(env: Env, errors: ConfigErrors): MillicastConfig {
  const secrets = readSecrets(env, 'MILLICAST_WEBHOOK_SECRETS', errors);
  return {
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
}
