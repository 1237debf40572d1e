import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { DELIVERY_STATUSES } from 'src/ingestion/delivery.entity';
import { PageQueryDto, ProviderFilter } from 'src/query/query-params';

const STATUS_TEXT =
  'pending: acknowledged, not yet on the timeline; projected: on the timeline and in the state; ' +
  'failed: its processing failed, can be replayed; rejected: signed but invalid (validation failed).';

export class DeliveryPathDto {
  @ApiProperty({ description: 'Hooktrail delivery id (as answered to the webhook).', example: '5012' })
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'id must be a delivery id (a positive whole number)' })
  id: string;
}

export class DeliveryListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: STATUS_TEXT,
    enum: DELIVERY_STATUSES,
    example: 'rejected',
  })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @ProviderFilter()
  provider?: string;
}

export class DeliveryDto {
  @ApiProperty({ description: 'Hooktrail id (bigint as text).', example: '5012' })
  id: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'perculus' })
  provider: string;

  @ApiProperty({ enum: DELIVERY_STATUSES, description: STATUS_TEXT, example: 'projected' })
  status: string;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:00.184Z' })
  receivedAt: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was projected or rejected (replays update it); null while pending.',
    example: '2024-05-01T12:00:00.190Z',
  })
  processedAt: string | null;

  @ApiProperty({
    description: 'The X-Request-Id it was received with.',
    example: '0f8d2b9e-7a51-4b43-9c55-2a7d7c1e9a10',
  })
  requestId: string;

  @ApiProperty({ type: String, nullable: true, example: 'application/json' })
  contentType: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The headers kept with the delivery, without signature headers.',
    example: { 'content-type': 'application/json' },
  })
  headers: Record<string, string>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Why it was rejected or failed: { code, detail, errors? }.',
    example: {
      status: 422,
      code: 'validation-failed',
      detail: 'session_id must be a string',
      errors: [{ path: 'session_id', message: 'session_id must be a string' }],
    },
  })
  error: Record<string, unknown> | null;

  @ApiProperty({ description: 'Body size in bytes.', example: 312 })
  size: number;

  @ApiProperty({ description: 'True once retention has purged the body.', example: false })
  bodyPurged: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'SHA-256 (hex) of the whole body when the inbox kept only its first 2048 bytes (a refused delivery, ' +
      "or a rejected one past its credential's hourly budget) or none of it (a thumbnail, whose image is " +
      'stored apart); such a delivery cannot be replayed. Null when the whole body was kept.',
    example: null,
  })
  bodySha256: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The first 2048 bytes of the body when it is UTF-8 text (JSON), credential-like values redacted; ' +
      'null for binary or purged bodies. The raw body is never listed.',
    example: '{"request_id":"r-1","type":"SessionStatusEvent","session_id":42,"token":"[redacted]"}',
  })
  bodyPreview: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The timeline event it produced (once projected).',
    example: null,
  })
  eventId: string | null;

  @ApiProperty({ description: 'Re-sent copies received after it.', example: 0 })
  duplicateCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  lastDuplicateAt: string | null;

  @ApiProperty({ description: 'How many times it was processed (1 + replays).', example: 1 })
  attempts: number;
}

export class DeliveryPageDto {
  @ApiProperty({ type: () => [DeliveryDto] })
  items: DeliveryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
    example: 'WyJkZWxpdmVyaWVzIiwiNTAxMiJd',
  })
  nextCursor: string | null;
}
