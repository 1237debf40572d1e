import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { MeasurementDto } from 'src/query/measurements/measurements.dto';
import {
  PageQueryDto,
  ProviderFilter,
  ResourceRefDto,
  TextFilter,
  TimestampFilter,
} from 'src/query/query-params';
import { RecordingDto } from 'src/query/recordings/recordings.dto';

export class SessionListQueryDto extends PageQueryDto {
  @ProviderFilter()
  provider?: string;

  @TextFilter('Only sessions in this status (as the provider names it).', 'finished', 32)
  status?: string;

  @TextFilter('Only sessions of this kind (e.g. session, stream, feed, supervisor).', 'session', 32)
  kind?: string;

  @TimestampFilter(
    'Only sessions changed at or after this time; switches the order to (updatedAt, id) ascending.',
  )
  updatedSince?: string;

  @TimestampFilter(
    'Only sessions that started at or after this time; switches the order to (startedAt, id) descending (unless updatedSince is given).',
  )
  startedAfter?: string;

  @TimestampFilter(
    'Only sessions that started before this time; switches the order to (startedAt, id) descending (unless updatedSince is given).',
  )
  startedBefore?: string;
}

export class SessionDto {
  @ApiProperty({ description: 'Hooktrail id (bigint as text).', example: '17' })
  id: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'wms' })
  provider: string;

  @ApiProperty({
    description: "The provider's id for the session.",
    example: '7e1f5d1c-3b0a-4a51-9d7e-1c2b3a4d5e6f',
  })
  externalId: string;

  @ApiProperty({ description: 'e.g. session, stream, feed, supervisor.', example: 'session' })
  kind: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'As the provider names it.',
    example: 'finished',
  })
  status: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:00.000Z' })
  startedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:45:00.000Z' })
  endedAt: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Provider-specific state (stream name, last severity, end reason, ...).',
    example: { lastSeverity: 'INFO' },
  })
  attributes: Record<string, unknown>;

  @ApiProperty({
    type: () => ResourceRefDto,
    nullable: true,
    description: 'The parent session (the stream of a feed, the agent session of a supervisor session).',
  })
  parent: ResourceRefDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:00.000Z' })
  firstEventAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:45:00.000Z' })
  lastEventAt: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:00.120Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:45:00.310Z' })
  updatedAt: string;
}

export class SessionChildDto {
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'millicast' })
  provider: string;

  @ApiProperty({ example: '369e4a86-f937-4254-bd9f-99dc484d2bd6' })
  externalId: string;

  @ApiProperty({ example: 'feed' })
  kind: string;

  @ApiProperty({ type: String, nullable: true, example: 'ended' })
  status: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:00.000Z' })
  startedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:30:00.000Z' })
  endedAt: string | null;
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({
    type: () => [SessionChildDto],
    description: 'Sessions whose parent this is (e.g. the feeds of a stream), oldest first, at most 500.',
  })
  children: SessionChildDto[];

  @ApiProperty({ type: () => [RecordingDto], description: 'Its recordings, oldest first, at most 500.' })
  recordings: RecordingDto[];

  @ApiProperty({
    type: () => [MeasurementDto],
    description: 'Its measurements (without series), oldest first, at most 500.',
  })
  measurements: MeasurementDto[];
}

export class SessionPageDto {
  @ApiProperty({ type: () => [SessionDto] })
  items: SessionDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
    example: 'WyJzZXNzaW9uczppZCIsIjE3Il0',
  })
  nextCursor: string | null;
}
