import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { IsIntegerIn } from 'src/common/validators';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { TimestampFilter } from 'src/query/query-params';
import { REPLAYABLE_STATUSES, ReplayableStatus } from 'src/replay/replay';

/** One request replays at most this many deliveries (synchronously); send it again for the rest. */
export const MAX_REPLAY_PER_REQUEST = 1000;

export class ReplayRequestDto {
  @ApiPropertyOptional({
    description: 'Replay this one delivery (its provider is looked up); the filters below are then not used.',
    example: '5012',
  })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'deliveryId must be a delivery id (digits)' })
  deliveryId?: string;

  @ApiPropertyOptional({ enum: PROVIDER_NAMES, description: 'Required without deliveryId.', example: 'wms' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: (typeof PROVIDER_NAMES)[number];

  @ApiPropertyOptional({
    enum: REPLAYABLE_STATUSES,
    isArray: true,
    description: 'Which stored deliveries; both when absent.',
    example: ['rejected'],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(REPLAYABLE_STATUSES, { each: true })
  status?: ReplayableStatus[];

  @TimestampFilter('Received at or after this time. Required without deliveryId.')
  since?: string;

  @TimestampFilter('Received before this time.')
  until?: string;

  @ApiPropertyOptional({
    description: `At most this many, oldest first (1 to ${MAX_REPLAY_PER_REQUEST}, the default).`,
    type: 'integer',
    example: 100,
  })
  @IsOptional()
  @IsIntegerIn(1, MAX_REPLAY_PER_REQUEST)
  limit?: number;

  @ApiPropertyOptional({ description: 'Report what would happen, write nothing.', example: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ReplaySummaryDto {
  @ApiProperty({ description: 'Deliveries that matched (at most `limit`).', example: 3 })
  selected: number;
  @ApiProperty({ description: 'Applied now.', example: 2 })
  accepted: number;
  @ApiProperty({ description: 'Their event was already on the timeline (linked to it).', example: 0 })
  duplicate: number;
  @ApiProperty({ description: 'Still refused by the current code (kept, with the new reason).', example: 1 })
  rejected: number;
  @ApiProperty({ description: 'Failed while processing (kept as failed).', example: 0 })
  failed: number;
  @ApiProperty({ description: 'Body purged by retention: nothing to replay.', example: 0 })
  skipped: number;
  @ApiProperty({ example: false })
  dryRun: boolean;
}
