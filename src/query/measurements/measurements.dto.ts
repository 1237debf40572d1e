import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import {
  PageQueryDto,
  ProviderFilter,
  ResourceRefDto,
  TextFilter,
  TimestampFilter,
} from 'src/query/query-params';

export class MeasurementListQueryDto extends PageQueryDto {
  @ProviderFilter()
  provider?: string;

  @TextFilter('Only measurements in this status (as the provider names it).', 'completed', 32)
  status?: string;

  @TimestampFilter(
    'Only measurements changed at or after this time; switches the order to (updatedAt, id) ascending.',
  )
  updatedSince?: string;
}

export class MeasurementDto {
  @ApiProperty({ description: 'Hooktrail id (bigint as text).', example: '7' })
  id: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'wms' })
  provider: string;

  @ApiProperty({ description: "The provider's id for the measurement.", example: 'b2c4e6f8-meas-1' })
  externalId: string;

  @ApiProperty({ type: String, nullable: true, example: 'completed' })
  status: string | null;

  @ApiProperty({ type: () => ResourceRefDto, nullable: true, description: 'The session it belongs to.' })
  session: ResourceRefDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:05.000Z' })
  startedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:35.000Z' })
  endedAt: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Provider-specific state.',
    example: { lastSeverity: 'INFO' },
  })
  attributes: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:05.000Z' })
  firstEventAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-05-01T12:00:35.000Z' })
  lastEventAt: string | null;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:05.120Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:35.310Z' })
  updatedAt: string;
}

export class SamplePointDto {
  @ApiProperty({ description: "The provider's sequence of the point within the series.", example: 3 })
  sequence: number;

  @ApiProperty({ example: 4.25 })
  value: number;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:20.000Z' })
  occurredAt: string;
}

/** Needs `@ApiExtraModels(SamplePointDto)` where it is used (the series map refers to it by $ref). */
export class MeasurementDetailDto extends MeasurementDto {
  @ApiProperty({
    type: 'object',
    description: 'Series by name (e.g. snr), each ordered by sequence.',
    additionalProperties: { type: 'array', items: { $ref: getSchemaPath(SamplePointDto) } },
    example: {
      snr: [
        { sequence: 0, value: 1.5, occurredAt: '2024-05-01T12:00:10.000Z' },
        { sequence: 1, value: 3.75, occurredAt: '2024-05-01T12:00:15.000Z' },
      ],
    },
  })
  series: Record<string, SamplePointDto[]>;

  @ApiProperty({
    description:
      'True when the measurement has more points than one answer carries (10000); the rest are left out.',
    example: false,
  })
  seriesTruncated: boolean;
}

export class MeasurementPageDto {
  @ApiProperty({ type: () => [MeasurementDto] })
  items: MeasurementDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
    example: 'WyJtZWFzdXJlbWVudHM6aWQiLCI3Il0',
  })
  nextCursor: string | null;
}
