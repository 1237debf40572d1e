import { Injectable } from '@nestjs/common';
import { Database } from 'src/database/database';
import { MeasurementsService } from 'src/query/measurements/measurements.service';
import {
  equalTo,
  notFound,
  PageRow,
  projectionPage,
  ProjectionPageSpec,
  ProjectionSource,
  rowByRef,
} from 'src/query/projection-page';
import { iso, ref, SqlParams } from 'src/query/query-sql';
import { RecordingsService } from 'src/query/recordings/recordings.service';
import type {
  SessionChildDto,
  SessionDetailDto,
  SessionDto,
  SessionListQueryDto,
  SessionPageDto,
} from 'src/query/sessions/sessions.dto';

interface SessionRow extends PageRow {
  provider: string;
  external_id: string;
  kind: string;
  status: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  attributes: Record<string, unknown>;
  parent_provider: string | null;
  parent_external_id: string | null;
  first_event_at: Date | null;
  last_event_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface ChildRow {
  provider: string;
  external_id: string;
  kind: string;
  status: string | null;
  started_at: Date | null;
  ended_at: Date | null;
}

const SESSIONS: ProjectionSource = {
  table: 'sessions',
  select: `x.id, x.provider, x.external_id, x.kind, x.status, x.started_at, x.ended_at, x.attributes,
  x.first_event_at, x.last_event_at, x.created_at, x.updated_at,
  parent.provider AS parent_provider, parent.external_id AS parent_external_id`,
  joins: 'LEFT JOIN sessions parent ON parent.id = x.parent_id',
};

/** How many children a session's detail lists (oldest first). */
export const CHILDREN_PER_SESSION = 500;

function toDto(r: SessionRow): SessionDto {
  return {
    id: r.id,
    provider: r.provider,
    externalId: r.external_id,
    kind: r.kind,
    status: r.status,
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    attributes: r.attributes,
    parent: ref(r.parent_provider, r.parent_external_id),
    firstEventAt: iso(r.first_event_at),
    lastEventAt: iso(r.last_event_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const childDto = (r: ChildRow): SessionChildDto => ({
  provider: r.provider,
  externalId: r.external_id,
  kind: r.kind,
  status: r.status,
  startedAt: iso(r.started_at),
  endedAt: iso(r.ended_at),
});

/** The sessions listing: its filters on top of the shared projection paging (see projection-page.ts). */
export function sessionPageSpec(query: SessionListQueryDto): ProjectionPageSpec {
  const p = new SqlParams();
  const where = equalTo(p, { provider: query.provider, status: query.status, kind: query.kind });
  const byStart = query.startedAfter !== undefined || query.startedBefore !== undefined;
  if (query.startedAfter !== undefined)
    where.push(`x.started_at >= ${p.add(query.startedAfter)}::timestamptz`);
  if (query.startedBefore !== undefined)
    where.push(`x.started_at < ${p.add(query.startedBefore)}::timestamptz`);
  // A start range lists newest started first, read backwards from the bound in ix_sessions_started; by id,
  // a page of `startedBefore` would first read every session started after the bound.
  return { ...SESSIONS, where, params: p, query, newestBy: byStart ? 'started_at' : undefined };
}

@Injectable()
export class SessionsService {
  constructor(
    private readonly db: Database,
    private readonly recordings: RecordingsService,
    private readonly measurements: MeasurementsService,
  ) {}

  async list(query: SessionListQueryDto): Promise<SessionPageDto> {
    const { rows, nextCursor } = await projectionPage<SessionRow>(this.db, sessionPageSpec(query));
    return { items: rows.map(toDto), nextCursor };
  }

  /** The session's internal id, or a 404. */
  async idOf(provider: string, externalId: string): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM sessions WHERE provider = $1 AND external_id = $2',
      [provider, externalId],
    );
    if (rows.length === 0) throw notFound('session', provider, externalId);
    return rows[0].id;
  }

  async get(provider: string, externalId: string): Promise<SessionDetailDto> {
    const session = await rowByRef<SessionRow>(this.db, SESSIONS, 'session', provider, externalId);
    const [children, recordings, measurements] = await Promise.all([
      this.db.query<ChildRow>(
        `SELECT provider, external_id, kind, status, started_at, ended_at FROM sessions
         WHERE parent_id = $1 ORDER BY id LIMIT $2`,
        [session.id, CHILDREN_PER_SESSION],
      ),
      this.recordings.forSession(session.id),
      this.measurements.forSession(session.id),
    ]);
    return { ...toDto(session), children: children.rows.map(childDto), recordings, measurements };
  }
}
