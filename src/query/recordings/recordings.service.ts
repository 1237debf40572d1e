import { Injectable } from '@nestjs/common';
import { ProblemException } from 'src/common/problem';
import { Database } from 'src/database/database';
import { PageRow, projectionPage } from 'src/query/projection-page';
import { iso, num, ref, SqlParams } from 'src/query/query-sql';
import type {
  RecordingDto,
  RecordingListQueryDto,
  RecordingPageDto,
} from 'src/query/recordings/recordings.dto';

interface RecordingRow extends PageRow {
  provider: string;
  external_id: string;
  kind: string | null;
  status: string | null;
  session_provider: string | null;
  session_external_id: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_ms: string | null;
  size_bytes: string | null;
  url: string | null;
  url_expires_at: Date | null;
  url_expired: boolean;
  error: string | null;
  attributes: Record<string, unknown>;
  first_event_at: Date | null;
  last_event_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns of a recording aliased `x`; needs RECORDING_JOINS. The URL is expired by the database clock. */
const RECORDING_SELECT = `x.id, x.provider, x.external_id, x.kind, x.status, x.started_at, x.ended_at,
  x.duration_ms, x.size_bytes, x.url, x.url_expires_at, (x.url_expires_at IS NOT NULL AND x.url_expires_at <= now()) AS url_expired,
  x.error, x.attributes, x.first_event_at, x.last_event_at, x.created_at, x.updated_at,
  session.provider AS session_provider, session.external_id AS session_external_id`;
const RECORDING_JOINS = 'LEFT JOIN sessions session ON session.id = x.session_id';

/** How many recordings a session's detail lists (oldest first). */
export const RECORDINGS_PER_SESSION = 500;

function toDto(r: RecordingRow): RecordingDto {
  return {
    id: r.id,
    provider: r.provider,
    externalId: r.external_id,
    kind: r.kind,
    status: r.status,
    session: ref(r.session_provider, r.session_external_id),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    durationMs: num(r.duration_ms),
    sizeBytes: num(r.size_bytes),
    url: r.url,
    urlExpiresAt: iso(r.url_expires_at),
    urlExpired: r.url_expired,
    error: r.error,
    attributes: r.attributes,
    firstEventAt: iso(r.first_event_at),
    lastEventAt: iso(r.last_event_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

@Injectable()
export class RecordingsService {
  constructor(private readonly db: Database) {}

  async list(query: RecordingListQueryDto): Promise<RecordingPageDto> {
    const p = new SqlParams();
    const where: string[] = [];
    if (query.provider !== undefined) where.push(`x.provider = ${p.add(query.provider)}`);
    if (query.status !== undefined) where.push(`x.status = ${p.add(query.status)}`);
    const { rows, nextCursor } = await projectionPage<RecordingRow>(this.db, {
      table: 'recordings',
      select: RECORDING_SELECT,
      joins: RECORDING_JOINS,
      where,
      params: p,
      query,
    });
    return { items: rows.map(toDto), nextCursor };
  }

  async get(provider: string, externalId: string): Promise<RecordingDto> {
    const { rows } = await this.db.query<RecordingRow>(
      `SELECT ${RECORDING_SELECT} FROM recordings x ${RECORDING_JOINS} WHERE x.provider = $1 AND x.external_id = $2`,
      [provider, externalId],
    );
    if (rows.length === 0) {
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        `No ${provider} recording with id ${JSON.stringify(externalId)}.`,
      );
    }
    return toDto(rows[0]);
  }

  /** The recordings of a session, oldest first, at most RECORDINGS_PER_SESSION. */
  async forSession(sessionId: string): Promise<RecordingDto[]> {
    const { rows } = await this.db.query<RecordingRow>(
      `SELECT ${RECORDING_SELECT} FROM recordings x ${RECORDING_JOINS} WHERE x.session_id = $1 ORDER BY x.id LIMIT $2`,
      [sessionId, RECORDINGS_PER_SESSION],
    );
    return rows.map(toDto);
  }
}
