import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsEpoch } from 'src/providers/millicast/dto/millicast-validators';

/**
 * The JSON body of every Millicast hook but thumbnails: `{type, event, timestamp, data}`. Only this is
 * checked for hooks this version does not know; extra fields are tolerated and kept.
 */
export class MillicastEnvelopeDto {
  @ApiProperty({
    example: 'feeds',
    description: 'feeds, recordings (legacy: recording), media, transcoder, viewerConnection',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(63)
  type: string;

  @ApiProperty({ example: 'started' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(63)
  event: string;

  @ApiProperty({ example: 1638463486489, description: 'When Millicast sent the hook, epoch milliseconds.' })
  @IsEpoch()
  timestamp: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Depends on type and event.',
  })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}
