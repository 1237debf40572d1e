import { Injectable } from '@nestjs/common';
import { Database } from 'src/database/database';
import type {
  MeasurementDetailDto,
  MeasurementDto,
  MeasurementListQueryDto,
  MeasurementPageDto,
  SamplePointDto,
} from 'src/query/measurements/measurements.dto';
import {
  equalTo,
  PageRow,
  projectionPage,
  ProjectionSource,
  rowByRef,
  rowsOfSession,
} from 'src/query/projection-page';
import { iso, ref, SqlParams } from 'src/query/query-sql';

interface MeasurementRow extends PageRow {
  provider: string;
  external_id: string;
  status: string | null;
  session_provider: string | null;
  session_external_id: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  attributes: Record<string, unknown>;
  first_event_at: Date | null;
  last_event_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface SampleRow {
  series: string;
  sequence: string;
  value: number;
  occurred_at: Date;
}

const MEASUREMENTS: ProjectionSource = {
  table: 'measurements',
  select: `x.id, x.provider, x.external_id, x.status, x.started_at, x.ended_at, x.attributes,
  x.first_event_at, x.last_event_at, x.created_at, x.updated_at,
  session.provider AS session_provider, session.external_id AS session_external_id`,
  joins: 'LEFT JOIN sessions session ON session.id = x.session_id',
};

/** How many measurements a session's detail lists (oldest first). */
export const MEASUREMENTS_PER_SESSION = 500;
/** How many sample points one measurement answer carries at most, over all its series. */
export const MAX_SAMPLES = 10_000;

function toDto(r: MeasurementRow): MeasurementDto {
  return {
    id: r.id,
    provider: r.provider,
    externalId: r.external_id,
    status: r.status,
    session: ref(r.session_provider, r.session_external_id),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    attributes: r.attributes,
    firstEventAt: iso(r.first_event_at),
    lastEventAt: iso(r.last_event_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

@Injectable()
export class MeasurementsService {
  constructor(private readonly db: Database) {}

  async list(query: MeasurementListQueryDto): Promise<MeasurementPageDto> {
    const p = new SqlParams();
    const where = equalTo(p, { provider: query.provider, status: query.status });
    const { rows, nextCursor } = await projectionPage<MeasurementRow>(this.db, {
      ...MEASUREMENTS,
      where,
      params: p,
      query,
    });
    return { items: rows.map(toDto), nextCursor };
  }

  /** The measurement with its series; the samples come from the primary key, in (series, sequence) order. */
  async get(provider: string, externalId: string): Promise<MeasurementDetailDto> {
    const row = await rowByRef<MeasurementRow>(this.db, MEASUREMENTS, 'measurement', provider, externalId);
    const samples = await this.db.query<SampleRow>(
      `SELECT series, sequence, value, occurred_at FROM measurement_samples
       WHERE measurement_id = $1 ORDER BY series, sequence LIMIT $2`,
      [row.id, MAX_SAMPLES + 1],
    );
    const series: Record<string, SamplePointDto[]> = {};
    for (const s of samples.rows.slice(0, MAX_SAMPLES)) {
      (series[s.series] ??= []).push({
        sequence: Number(s.sequence),
        value: s.value,
        occurredAt: s.occurred_at.toISOString(),
      });
    }
    return { ...toDto(row), series, seriesTruncated: samples.rows.length > MAX_SAMPLES };
  }

  /** The measurements of a session, oldest first, at most MEASUREMENTS_PER_SESSION (without series). */
  async forSession(sessionId: string): Promise<MeasurementDto[]> {
    const rows = await rowsOfSession<MeasurementRow>(
      this.db,
      MEASUREMENTS,
      sessionId,
      MEASUREMENTS_PER_SESSION,
    );
    return rows.map(toDto);
  }
}
