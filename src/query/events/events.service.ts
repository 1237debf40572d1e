import { Injectable } from '@nestjs/common';
import { Database } from 'src/database/database';
import { decodeCursor, encodeCursor, limitPage } from 'src/query/cursor';
import type {
  EventDto,
  EventFeedPageDto,
  EventFeedQueryDto,
  EventPageDto,
  TimelineQueryDto,
} from 'src/query/events/events.dto';
import { fromMicros, micros, num, ref, SqlParams, SqlStatement } from 'src/query/query-sql';

interface EventRow {
  id: string;
  provider: string;
  type: string;
  known: boolean;
  severity: string | null;
  occurred_at: Date;
  occurred_us: string;
  received_at: Date;
  sequence: string | null;
  tx_id: string;
  payload: unknown;
  session_provider: string | null;
  session_external_id: string | null;
  recording_provider: string | null;
  recording_external_id: string | null;
  measurement_provider: string | null;
  measurement_external_id: string | null;
}

const EVENT_SELECT = `e.id, e.provider, e.type, e.known, e.severity, e.occurred_at, ${micros('e.occurred_at')} AS occurred_us,
  e.received_at, e.sequence, e.tx_id, e.payload,
  s.provider AS session_provider, s.external_id AS session_external_id,
  r.provider AS recording_provider, r.external_id AS recording_external_id,
  m.provider AS measurement_provider, m.external_id AS measurement_external_id`;
// Joined after LIMIT (the page is a subquery), so the page's plan is the index scan alone.
const EVENT_JOINS = `LEFT JOIN sessions s ON s.id = e.session_id
LEFT JOIN recordings r ON r.id = e.recording_id
LEFT JOIN measurements m ON m.id = e.measurement_id`;

const TIMELINE_ORDER = 'e.occurred_at, e.sequence, e.id';
const FEED_ORDER = 'e.tx_id, e.id';

function pageSql(where: string[], order: string, limitPlaceholder: string): string {
  return `
SELECT ${EVENT_SELECT}
FROM (
  SELECT * FROM events e
  WHERE ${where.join(' AND ')}
  ORDER BY ${order}
  LIMIT ${limitPlaceholder}
) e
${EVENT_JOINS}
ORDER BY ${order}`;
}

/**
 * One page of a session's timeline in the provider's order: (occurred_at, sequence, id), matching index
 * ix_events_session_timeline (ASC, NULLS LAST). `sequence` is nullable, so the keyset predicate is spelled
 * out instead of a row comparison (which is NULL for a NULL sequence); `occurred_at >= t` keeps a range
 * condition on the index. Fetches limit + 1 rows to know whether there is a next page.
 */
export function timelineStatement(sessionId: string, query: TimelineQueryDto): SqlStatement {
  const p = new SqlParams();
  const where = [`e.session_id = ${p.add(sessionId)}::bigint`];
  if (query.cursor !== undefined) {
    const [occurredUs, sequence, id] = decodeCursor('timeline', query.cursor, [
      'micros',
      'bigint?',
      'bigint',
    ]);
    const at = fromMicros(p.add(occurredUs));
    const after = p.add(id);
    let sameTime: string;
    if (sequence === null) {
      sameTime = `e.sequence IS NULL AND e.id > ${after}::bigint`;
    } else {
      const seq = p.add(sequence);
      sameTime = `e.sequence > ${seq}::bigint OR e.sequence IS NULL OR (e.sequence = ${seq}::bigint AND e.id > ${after}::bigint)`;
    }
    where.push(
      `e.occurred_at >= ${at}`,
      `(e.occurred_at > ${at} OR (e.occurred_at = ${at} AND (${sameTime})))`,
    );
  }
  return { text: pageSql(where, TIMELINE_ORDER, p.add(query.limit + 1)), values: p.values };
}

/**
 * One page of the cross-session feed, in (tx_id, id) order (index ix_events_feed, or
 * ix_events_provider_type_feed with provider and type). Only transactions older than every running one
 * are shown: `tx_id < xmin` of the statement's own snapshot means every transaction that could still add
 * an event at or before this position has finished, so a poller never skips an event that commits late
 * (it simply appears once its transaction, and every older one, is over). Transaction ids and the
 * snapshot's xmin are server-wide: a long transaction in any database of the server holds the feed back
 * for its duration (idle_in_transaction_session_timeout bounds forgotten ones); it never loses an event.
 */
export function feedStatement(query: EventFeedQueryDto): SqlStatement {
  const p = new SqlParams();
  const where = ['e.tx_id < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)'];
  if (query.provider !== undefined) where.push(`e.provider = ${p.add(query.provider)}`);
  if (query.type !== undefined) where.push(`e.type = ${p.add(query.type)}`);
  if (query.since !== undefined) {
    const since = p.add(query.since);
    where.push(`e.received_at >= ${since}::timestamptz`, `e.tx_id >= (${sinceTxBound(since)})`);
  }
  if (query.cursor !== undefined) {
    const [txId, id] = decodeCursor('events', query.cursor, ['bigint', 'bigint']);
    where.push(`(e.tx_id, e.id) > (${p.add(txId)}::bigint, ${p.add(id)}::bigint)`);
  }
  return { text: pageSql(where, FEED_ORDER, p.add(query.limit)), values: p.values };
}

/**
 * How far the service's clock (which stamps `received_at`) and the database's (which stamps `recorded_at`)
 * may disagree without the `since` filter missing an event.
 */
export const SINCE_CLOCK_MARGIN = '10 seconds';

/**
 * A `tx_id` below which no event received at or after `since` can be: the `tx_id` of an event recorded
 * before `since` minus SINCE_CLOCK_MARGIN. Its transaction had its id before that time, while every event
 * received after `since` is written by a transaction that got its id later, and ids are handed out in time
 * order. Any such event gives a correct bound; a binary search over `tx_id` (each step one lookup in
 * ix_events_feed) finds one close to `since`, so the page's scan starts about there instead of at the
 * first event. Without such an event (an empty feed, or only rows older than `recorded_at`), the bound is
 * below every event.
 */
export function sinceTxBound(since: string): string {
  const before = `${since}::timestamptz - interval '${SINCE_CLOCK_MARGIN}'`;
  return `WITH RECURSIVE search(good, hi) AS (
    SELECT (SELECT min(tx_id) FROM events) - 1, (SELECT max(tx_id) FROM events) + 1
    UNION ALL
    SELECT CASE WHEN p.ok THEN p.tx ELSE s.good END,
           CASE WHEN p.ok THEN s.hi ELSE s.good + (s.hi - s.good) / 2 END
    FROM search s
    CROSS JOIN LATERAL (
      SELECT COALESCE(x.tx_id < s.hi AND x.recorded_at < ${before}, false) AS ok, x.tx_id AS tx
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
        SELECT tx_id, recorded_at FROM events WHERE tx_id >= s.good + (s.hi - s.good) / 2 ORDER BY tx_id, id LIMIT 1
      ) x ON true
    ) p
    WHERE s.hi - s.good > 1
  ) SELECT max(good) FROM search`;
}

function toDto(r: EventRow): EventDto {
  return {
    id: r.id,
    provider: r.provider,
    type: r.type,
    known: r.known,
    severity: r.severity,
    occurredAt: r.occurred_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    sequence: num(r.sequence),
    session: ref(r.session_provider, r.session_external_id),
    recording: ref(r.recording_provider, r.recording_external_id),
    measurement: ref(r.measurement_provider, r.measurement_external_id),
    payload: r.payload,
  };
}

export interface FeedEntry {
  item: EventDto;
  /** Where the feed continues after this event. */
  cursor: string;
}

@Injectable()
export class EventsService {
  constructor(private readonly db: Database) {}

  async timeline(sessionId: string, query: TimelineQueryDto): Promise<EventPageDto> {
    const { text, values } = timelineStatement(sessionId, query);
    const { rows } = await this.db.query<EventRow>(text, values);
    const page = limitPage(rows, query.limit, (last) =>
      encodeCursor('timeline', [last.occurred_us, last.sequence, last.id]),
    );
    return { items: page.rows.map(toDto), nextCursor: page.nextCursor };
  }

  async feed(query: EventFeedQueryDto): Promise<EventFeedPageDto> {
    const entries = await this.feedEntries(query);
    return {
      items: entries.map((e) => e.item),
      nextCursor: entries.at(-1)?.cursor ?? query.cursor ?? null,
    };
  }

  /** One feed page with the cursor of each event (the stream's event ids), in feed order. */
  async feedEntries(query: EventFeedQueryDto): Promise<FeedEntry[]> {
    const { text, values } = feedStatement(query);
    const { rows } = await this.db.query<EventRow>(text, values);
    return rows.map((r) => ({ item: toDto(r), cursor: encodeCursor('events', [r.tx_id, r.id]) }));
  }
}
