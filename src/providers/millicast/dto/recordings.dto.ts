import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { RecordingMetadataDto } from 'src/providers/millicast/dto/recording-metadata.dto';
import { IsEpoch, IsMillicastId } from 'src/providers/millicast/dto/millicast-validators';

/** `recordings` (legacy `recording`) `started` / `completed` / `error` / `deleted`. */
export class RecordingDataDto {
  @IsMillicastId()
  recordFileId: string | number;

  @IsOptional()
  @IsMillicastId()
  tokenId?: string | number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  streamName?: string;

  /** When the recording started. */
  @IsOptional()
  @IsEpoch()
  recordedOn?: number;

  /** Only on `deleted`. */
  @IsOptional()
  @IsEpoch()
  removedOn?: number;

  /** Only on `completed`. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RecordingMetadataDto)
  metadata?: RecordingMetadataDto;
}
