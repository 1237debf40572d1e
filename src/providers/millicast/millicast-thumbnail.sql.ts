/**
 * Thumbnail storage (table `millicast_thumbnails`, see millicast-thumbnail.entity.ts), in the transaction
 * that stores the delivery's inbox row (a replay of a delivery stored already adds nothing).
 */
export const INSERT_THUMBNAIL = `
INSERT INTO millicast_thumbnails (stream_id, feed_id, token_id, captured_at, content_type, size_bytes, image, delivery_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT ON CONSTRAINT uq_millicast_thumbnails_delivery DO NOTHING`;

/**
 * Keeps the newest `$2` thumbnails of stream `$1` by capture time (Millicast does not keep order, so a late
 * old thumbnail is stored and pruned at once rather than pushing out a newer one). Two transactions storing
 * thumbnails of one stream at once do not see each other's: the stream may hold one more until the next.
 */
export const PRUNE_THUMBNAILS = `DELETE FROM millicast_thumbnails
WHERE stream_id = $1
  AND id NOT IN (
    SELECT id FROM millicast_thumbnails WHERE stream_id = $1 ORDER BY captured_at DESC, id DESC LIMIT $2
  )`;

/**
 * Keeps the newest `$1` thumbnails of all streams together (by insertion), so that many streams cannot
 * fill the disk: the per-stream cap does not bound how many streams there are.
 */
export const PRUNE_THUMBNAILS_TOTAL = `DELETE FROM millicast_thumbnails
WHERE id <= (SELECT id FROM millicast_thumbnails ORDER BY id DESC OFFSET $1 LIMIT 1)`;

export const LATEST_THUMBNAIL = `
SELECT image, content_type, captured_at, feed_id
FROM millicast_thumbnails
WHERE stream_id = $1
ORDER BY captured_at DESC, id DESC
LIMIT 1`;
