import { Injectable } from '@nestjs/common';
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
  processed_at: Date;
  request_id: string;
  content_type: string | null;
  headers: Record<string, string>;
  error: Record<string, unknown> | null;
  body_size: number;
  body_purged: boolean;
  body_prefix: Buffer | null;
  event_id: string | null;
  duplicate_count: number;
  last_duplicate_at: Date | null;
  attempts: number;
}

/**
 * Newest first by id (index ix_deliveries_status_provider_id with status and provider). Deliveries
 * stored while paging land before the first page, so a walk has no duplicates or gaps. Only the first
 * PREVIEW_BYTES of a body are read, never the whole body.
 */
export function deliveriesStatement(query: DeliveryListQueryDto): SqlStatement {
  const p = new SqlParams();
  const where: string[] = [];
  if (query.status !== undefined) where.push(`status = ${p.add(query.status)}`);
  if (query.provider !== undefined) where.push(`provider = ${p.add(query.provider)}`);
  if (query.since !== undefined) where.push(`received_at >= ${p.add(query.since)}::timestamptz`);
  if (query.until !== undefined) where.push(`received_at < ${p.add(query.until)}::timestamptz`);
  if (query.cursor !== undefined) {
    const [id] = decodeCursor('deliveries', query.cursor, ['bigint']);
    where.push(`id < ${p.add(id)}::bigint`);
  }
  const text = `
SELECT id, provider, status, received_at, processed_at, request_id, content_type, headers, error, body_size,
  (body IS NULL) AS body_purged, substring(body FROM 1 FOR ${PREVIEW_BYTES}) AS body_prefix,
  event_id, duplicate_count, last_duplicate_at, attempts
FROM deliveries
${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY id DESC
LIMIT ${p.add(query.limit + 1)}`;
  return { text, values: p.values };
}

function toDto(r: DeliveryRow): DeliveryDto {
  return {
    id: r.id,
    provider: r.provider,
    status: r.status,
    receivedAt: r.received_at.toISOString(),
    processedAt: r.processed_at.toISOString(),
    requestId: r.request_id,
    contentType: r.content_type,
    headers: visibleHeaders(r.headers),
    error: r.error,
    size: r.body_size,
    bodyPurged: r.body_purged,
    bodyPreview: bodyPreview(r.body_prefix, r.body_size),
    eventId: r.event_id,
    duplicateCount: r.duplicate_count,
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
}
