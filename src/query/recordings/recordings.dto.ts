import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import {
  PageQueryDto,
  ProviderFilter,
  ResourceRefDto,
  TextFilter,
  TimestampFilter,
} from 'src/query/query-params';

export class RecordingListQueryDto extends PageQueryDto {
  @ProviderFilter()
  provider?: string;

  @TextFilter('Only recordings in this status (as the provider names it).', 'ready', 32)
  status?: string;

  @TimestampFilter(
    'Only recordings changed at or after this time; switches the order to (updatedAt, id) ascending.',
  )
  updatedSince?: string;
}

export class RecordingDto {
  @ApiProperty({ description: 'Hooktrail id (bigint as text).', example: '42' })
  id: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'perculus' })
  provider: string;

  @ApiProperty({ description: "The provider's id for the recording.", example: 'c0ffee00-rec-1' })
  externalId: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'e.g. recording, clip, video.',
    example: 'video',
  })
  kind: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'ready' })
  status: string | null;

  @ApiProperty({ type: () => ResourceRefDto, nullable: true, description: 'The session it belongs to.' })
  session: ResourceRefDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:00.000Z' })
  startedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:45:00.000Z' })
  endedAt: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 2700000 })
  durationMs: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 73400320 })
  sizeBytes: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'https://cdn.example.com/rec/c0ffee00.mp4' })
  url: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-02T12:45:00.000Z' })
  urlExpiresAt: string | null;

  @ApiProperty({
    description: 'True when urlExpiresAt has passed (the URL no longer works).',
    example: false,
  })
  urlExpired: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's error, if it failed.",
    example: null,
  })
  error: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Provider-specific state.',
    example: { format: 'mp4' },
  })
  attributes: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:00.000Z' })
  firstEventAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:46:00.000Z' })
  lastEventAt: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:00.120Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:46:00.310Z' })
  updatedAt: string;
}

export class RecordingPageDto {
  @ApiProperty({ type: () => [RecordingDto] })
  items: RecordingDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
    example: 'WyJyZWNvcmRpbmdzOmlkIiwiNDIiXQ',
  })
  nextCursor: string | null;
}
