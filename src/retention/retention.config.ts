import { ConfigErrors, Env, readInt } from 'src/config/env-readers';

export interface RetentionConfig {
  /**
   * Raw inbox bodies (deliveries.body) older than this many days are purged: the body is set to null and
   * `body_purged_at` recorded; the delivery row, its event and all state stay. 0 keeps bodies forever.
   * Default 90 days: long enough to replay after a fix, short enough that the inbox does not grow forever.
   */
  inboxBodyDays: number;
  /** Millicast thumbnails (images) older than this many days are deleted; 0 keeps them (still capped per stream). */
  thumbnailDays: number;
  /** Seconds between runs of the purge (one instance at a time); 0 schedules nothing (one-off jobs). */
  intervalSeconds: number;
}

const MAX_DAYS = 36_500;

export function parseRetentionConfig(env: Env, errors: ConfigErrors): RetentionConfig {
  return {
    inboxBodyDays: readInt(env, 'INBOX_BODY_RETENTION_DAYS', errors, 90, { min: 0, max: MAX_DAYS }),
    thumbnailDays: readInt(env, 'THUMBNAIL_RETENTION_DAYS', errors, 0, { min: 0, max: MAX_DAYS }),
    intervalSeconds: readInt(env, 'RETENTION_INTERVAL_SECONDS', errors, 3_600, {
      min: 1,
      max: 7 * 24 * 3_600,
    }),
  };
}
