import { Injectable } from '@nestjs/common';
import { Database } from 'src/database/database';
import {
  equalTo,
  PageRow,
  projectionPage,
  ProjectionSource,
  rowByRef,
  rowsOfSession,
} from 'src/query/projection-page';
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

/** `url_expired` is computed with the database clock. */
const RECORDINGS: ProjectionSource = {
  table: 'recordings',
  select: `x.id, x.provider, x.external_id, x.kind, x.status, x.started_at, x.ended_at,
  x.duration_ms, x.size_bytes, x.url, x.url_expires_at, (x.url_expires_at IS NOT NULL AND x.url_expires_at <= now()) AS url_expired,
  x.error, x.attributes, x.first_event_at, x.last_event_at, x.created_at, x.updated_at,
  session.provider AS session_provider, session.external_id AS session_external_id`,
  joins: 'LEFT JOIN sessions session ON session.id = x.session_id',
};

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
    const where = equalTo(p, { provider: query.provider, status: query.status });
    const { rows, nextCursor } = await projectionPage<RecordingRow>(this.db, {
      ...RECORDINGS,
      where,
      params: p,
      query,
    });
    return { items: rows.map(toDto), nextCursor };
  }

  async get(provider: string, externalId: string): Promise<RecordingDto> {
    return toDto(await rowByRef<RecordingRow>(this.db, RECORDINGS, 'recording', provider, externalId));
  }

  /** The recordings of a session, oldest first, at most RECORDINGS_PER_SESSION. */
  async forSession(sessionId: string): Promise<RecordingDto[]> {
    const rows = await rowsOfSession<RecordingRow>(this.db, RECORDINGS, sessionId, RECORDINGS_PER_SESSION);
    return rows.map(toDto);
  }
}
