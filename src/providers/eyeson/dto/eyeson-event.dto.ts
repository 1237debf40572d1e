import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * What every StreamRec webhook has: a flat JSON object (no envelope) whose event name is in `status`.
 * An unknown status is validated only this far and kept on the timeline.
 */
export class EyesonEventDto {
  @ApiProperty({
    example: 'upload_ready',
    description:
      'upload_ready, upload_failed, session_finished or supervisor_session_finished; others are kept.',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  status: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'Upload successful',
    description: 'Status description.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  msg?: string | null;
}

/** An Eyeson id (recording, client, session): a non-empty string that fits an external id column. */
export function IsEyesonId(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    IsString()(target, property);
    IsNotEmpty()(target, property);
    MaxLength(255)(target, property);
  };
}
