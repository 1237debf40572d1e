import { ConfigErrors, Env, readByteSize, readInt, readSecrets } from 'src/config/env-readers';

export interface MillicastConfig {
  /** Webhook secrets exactly as the dashboard shows them (base64); the HMAC key is their decoded bytes. */
  secrets: string[];
  /** How many thumbnails are kept per stream (older ones are deleted as new ones arrive). */
  thumbnailsPerStream: number;
  /** Largest thumbnail body accepted. */
  thumbnailMaxBytes: number;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parseMillicastConfig(env: Env, errors: ConfigErrors): MillicastConfig {
  const secrets = readSecrets(env, 'MILLICAST_WEBHOOK_SECRETS', errors);
  secrets.forEach((secret, i) => {
    if (!BASE64.test(secret)) errors.add('MILLICAST_WEBHOOK_SECRETS', `entry ${i + 1} is not base64`);
  });
  return {
    secrets,
    thumbnailsPerStream: readInt(env, 'MILLICAST_THUMBNAILS_PER_STREAM', errors, 10, { min: 1, max: 1000 }),
    thumbnailMaxBytes: readByteSize(
      env,
      'MILLICAST_THUMBNAIL_MAX_BYTES',
      errors,
      1024 * 1024,
      50 * 1024 * 1024,
    ),
  };
}
