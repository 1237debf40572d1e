import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/** The body WMS posts for every event (seed: "Event body"). Extra fields are tolerated and kept. */
export class WmsEnvelopeDto {
  @ApiProperty({
    example: 1689684577,
    description: 'Time of the event, Unix seconds (milliseconds are accepted too).',
  })
  @IsInt()
  @Min(0)
  @Max(253_402_300_799_999) // 9999-12-31 in ms: anything larger is not a time
  timestamp: number;

  @ApiProperty({ example: 'ryueiwoqfh910fu3rpqruvfiu' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  sessionId: string;

  @ApiProperty({ example: 0, description: 'Starts at 0 and increases by one per event of the session.' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sequence: number;

  @ApiProperty({ example: 'MEASUREMENT_CREATED' })
  @IsString()
  @Matches(/^[A-Z0-9_]{1,64}$/, { message: 'event must be an upper-case event code' })
  event: string;

  @ApiProperty({ example: 'INFO', description: 'INFO, WARN or ERROR.' })
  @IsString()
  @Matches(/^[A-Z]{1,16}$/, { message: 'severity must be an upper-case word such as INFO, WARN or ERROR' })
  severity: string;

  @ApiPropertyOptional({ example: { measurementId: 'f0c8ca8d-111d-4dcf-a69d-46ed39a2db06' } })
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}
