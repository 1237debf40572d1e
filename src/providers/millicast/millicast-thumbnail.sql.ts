import { prepared } from 'src/database/database';

/** Thumbnail storage (table `millicast_thumbnails`, see millicast-thumbnail.entity.ts). */
export const INSERT_THUMBNAIL = prepared(
  'millicast_insert_thumbnail',
  `INSERT INTO millicast_thumbnails (stream_id, feed_id, token_id, captured_at, content_type, size_bytes, image, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
);

/**
 * Keeps the newest `$2` thumbnails of stream `$1` by capture time (Millicast does not keep order, so a late
 * old thumbnail is stored and pruned at once rather than pushing out a newer one).
 */
export const PRUNE_THUMBNAILS = prepared(
  'millicast_prune_thumbnails',
  `DELETE FROM millicast_thumbnails
WHERE stream_id = $1
  AND id NOT IN (
    SELECT id FROM millicast_thumbnails WHERE stream_id = $1 ORDER BY captured_at DESC, id DESC LIMIT $2
  )`,
);

export const LATEST_THUMBNAIL = `
SELECT image, content_type, captured_at, feed_id
FROM millicast_thumbnails
WHERE stream_id = $1
ORDER BY captured_at DESC, id DESC
LIMIT 1`;
