import { ApiProperty, OmitType } from '@nestjs/swagger';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import {
  PageQueryDto,
  ProviderFilter,
  ResourceRefDto,
  TextFilter,
  TimestampFilter,
} from 'src/query/query-params';

export class EventFeedQueryDto extends PageQueryDto {
  @ProviderFilter()
  provider?: string;

  @TextFilter(
    "Only events of this type, as the provider spells it (with provider, it uses the feed's type index).",
    'MEASUREMENT_CREATED',
    128,
  )
  type?: string;

  @TimestampFilter('Only events received at or after this time.')
  since?: string;
}

/** The live stream takes the feed's filters; it has no pages, so no `limit`. */
export class EventStreamQueryDto extends OmitType(EventFeedQueryDto, ['limit'] as const) {}

/** A session's timeline takes only `limit` and `cursor`. */
export class TimelineQueryDto extends PageQueryDto {}

export class EventDto {
  @ApiProperty({ description: 'Hooktrail id (bigint as text).', example: '1001' })
  id: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'wms' })
  provider: string;

  @ApiProperty({ description: "The provider's event name.", example: 'INTERMEDIATE_RESULTS' })
  type: string;

  @ApiProperty({
    description: 'False for event types this version does not know: kept on the timeline, not interpreted.',
    example: true,
  })
  known: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'INFO' })
  severity: string | null;

  @ApiProperty({
    format: 'date-time',
    description: "The provider's time for the event (received time when it sends none).",
    example: '2024-05-01T12:00:20.000Z',
  })
  occurredAt: string;

  @ApiProperty({ format: 'date-time', example: '2024-05-01T12:00:20.184Z' })
  receivedAt: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The provider's ordering key within the session, when it has one.",
    example: 3,
  })
  sequence: number | null;

  @ApiProperty({ type: () => ResourceRefDto, nullable: true })
  session: ResourceRefDto | null;

  @ApiProperty({ type: () => ResourceRefDto, nullable: true })
  recording: ResourceRefDto | null;

  @ApiProperty({ type: () => ResourceRefDto, nullable: true })
  measurement: ResourceRefDto | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The event as the provider sent it.',
    example: {
      timestamp: 1714564820,
      sessionId: '7e1f5d1c-3b0a-4a51-9d7e-1c2b3a4d5e6f',
      sequence: 3,
      event: 'INTERMEDIATE_RESULTS',
      severity: 'INFO',
      payload: { measurementId: 'b2c4e6f8-meas-1', snr: 4.25, sequence: 1 },
    },
  })
  payload: unknown;
}

export class EventPageDto {
  @ApiProperty({ type: () => [EventDto] })
  items: EventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
    example: 'WyJ0aW1lbGluZSIsIjE3MTQ1NjQ4MjAwMDAwMDAiLCIzIiwiMTAwMSJd',
  })
  nextCursor: string | null;
}

export class EventFeedPageDto {
  @ApiProperty({ type: () => [EventDto] })
  items: EventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Where to continue: always set once anything was returned (the cursor you sent when nothing new ' +
      'arrived). Keep polling with it; fewer items than `limit` means you are caught up. Null only when ' +
      'the feed returned nothing yet.',
    example: 'WyJldmVudHMiLCI3NTQiLCIxMDAxIl0',
  })
  nextCursor: string | null;
}
