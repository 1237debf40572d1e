import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsIsoDateTime } from 'src/providers/eyeson/dto/iso-date-time';
import { EyesonEventDto, IsEyesonId } from 'src/providers/eyeson/dto/eyeson-event.dto';

/** Sent to the `webhook_url` of `recording_start` when the recording file was uploaded. */
export class UploadReadyDto extends EyesonEventDto {
  @ApiProperty({ example: 'rec-7f3a' })
  @IsEyesonId()
  rec_id: string;

  @ApiPropertyOptional({ example: 'client-agent-12' })
  @IsOptional()
  @IsEyesonId()
  client_id?: string | null;

  @ApiProperty({ example: '2024-05-01T12:00:00.000Z', description: 'Server time.' })
  @IsIsoDateTime()
  recording_started_at: string;

  @ApiPropertyOptional({ example: '2024-05-01T12:00:00.420Z', description: 'Server time.' })
  @IsOptional()
  @IsIsoDateTime()
  recording_first_frame_written_at?: string | null;

  @ApiPropertyOptional({
    example: '2024-05-01T12:00:00.180Z',
    description: 'CLIENT clock time (from RTCP sync info): compare only with other client-side times.',
  })
  @IsOptional()
  @IsIsoDateTime()
  recording_first_peerframe_captured_at?: string | null;

  @ApiProperty({ example: '2024-05-01T12:10:00.000Z', description: 'Server time.' })
  @IsIsoDateTime()
  recording_stopped_at: string;

  @ApiProperty({ example: 599_580, description: 'Duration by the video PTS in the webm file, in ms.' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  recording_file_duration_ms: number;

  @ApiProperty({ example: 73_400_320 })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  recording_file_size_bytes: number;
}

/** Sent to the `webhook_url` of `recording_start` when uploading the recording file failed. */
export class UploadFailedDto extends EyesonEventDto {
  @ApiProperty({ example: 'rec-7f3a' })
  @IsEyesonId()
  rec_id: string;

  @ApiPropertyOptional({ example: 'client-agent-12' })
  @IsOptional()
  @IsEyesonId()
  client_id?: string | null;

  @ApiProperty({ example: 503, description: 'HTTP status of the upload attempt (0 when none was received).' })
  @IsInt()
  @Min(0)
  @Max(999)
  upload_status_code: number;
}
