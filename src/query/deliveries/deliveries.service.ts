import { Injectable } from '@nestjs/common';
import { ProblemException } from 'src/common/problem';
import { Database } from 'src/database/database';
import { decodeCursor, encodeCursor, limitPage } from 'src/query/cursor';
import { bodyPreview, PREVIEW_BYTES, visibleHeaders } from 'src/query/deliveries/body-preview';
import type { DeliveryDto, DeliveryListQueryDto, DeliveryPageDto } from 'src/query/deliveries/deliveries.dto';
import { iso, SqlParams, SqlStatement } from 'src/query/query-sql';

interface DeliveryRow {
  id: string;
  provider: string;
  status: string;
  received_at: Date;
  processed_at: Date | null;
  request_id: string;
  content_type: string | null;
  headers: Record<string, string>;
  error: Record<string, unknown> | null;
  body_size: number;
  body_purged: boolean;
  body_sha256: string | null;
  body_prefix: Buffer | null;
  event_id: string | null;
  duplicate_count: number | null;
  last_duplicate_at: Date | null;
  attempts: number;
}

/** Re-sent copies are counted apart (delivery_duplicates): looked up by key for the rows of the page only. */
const SELECT = `
SELECT d.id, d.provider, d.status, d.received_at, d.processed_at, d.request_id, d.content_type, d.headers,
  d.error, d.body_size, (d.body_purged_at IS NOT NULL) AS body_purged,
  encode(d.body_sha256, 'hex') AS body_sha256, substring(d.body FROM 1 FOR ${PREVIEW_BYTES}) AS body_prefix,
  d.event_id, d.attempts,
  (SELECT x.count FROM delivery_duplicates x WHERE x.delivery_id = d.id) AS duplicate_count,
  (SELECT x.last_at FROM delivery_duplicates x WHERE x.delivery_id = d.id) AS last_duplicate_at
FROM deliveries d`;

/**
 * Newest first by id (for a status other than projected, index ix_deliveries_unprojected). Deliveries
 * stored while paging land before the first page, so a walk has no duplicates or gaps. Only the first
 * PREVIEW_BYTES of a body are read, never the whole body.
 */
export function deliveriesStatement(query: DeliveryListQueryDto): SqlStatement {
  const p = new SqlParams();
  const where: string[] = [];
  if (query.status !== undefined) where.push(`d.status = ${p.add(query.status)}`);
  if (query.provider !== undefined) where.push(`d.provider = ${p.add(query.provider)}`);
  if (query.since !== undefined) where.push(`d.received_at >= ${p.add(query.since)}::timestamptz`);
  if (query.until !== undefined) where.push(`d.received_at < ${p.add(query.until)}::timestamptz`);
  if (query.cursor !== undefined) {
    const [id] = decodeCursor('deliveries', query.cursor, ['bigint']);
    where.push(`d.id < ${p.add(id)}::bigint`);
  }
  const text = `${SELECT}
${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY d.id DESC
LIMIT ${p.add(query.limit + 1)}`;
  return { text, values: p.values };
}

function toDto(r: DeliveryRow): DeliveryDto {
  return {
    id: r.id,
    provider: r.provider,
    status: r.status,
    receivedAt: r.received_at.toISOString(),
    processedAt: iso(r.processed_at),
    requestId: r.request_id,
    contentType: r.content_type,
    headers: visibleHeaders(r.headers),
    error: r.error,
    size: r.body_size,
    bodyPurged: r.body_purged,
    bodySha256: r.body_sha256,
    bodyPreview: bodyPreview(r.body_prefix, r.body_size),
    eventId: r.event_id,
    duplicateCount: r.duplicate_count ?? 0,
    lastDuplicateAt: iso(r.last_duplicate_at),
    attempts: r.attempts,
  };
}

@Injectable()
export class DeliveriesService {
  constructor(private readonly db: Database) {}

  async list(query: DeliveryListQueryDto): Promise<DeliveryPageDto> {
    const { text, values } = deliveriesStatement(query);
    const { rows } = await this.db.query<DeliveryRow>(text, values);
    const page = limitPage(rows, query.limit, (last) => encodeCursor('deliveries', [last.id]));
    return { items: page.rows.map(toDto), nextCursor: page.nextCursor };
  }

  /** One delivery: how a sender's delivery fared (pending until the projector has taken it). */
  async get(id: string): Promise<DeliveryDto> {
    const { rows } = await this.db.query<DeliveryRow>(`${SELECT} WHERE d.id = $1`, [id]);
    if (rows.length === 0)
      throw new ProblemException(404, 'not-found', 'Not found', `No delivery with id ${JSON.stringify(id)}.`);
    return toDto(rows[0]);
  }
}
