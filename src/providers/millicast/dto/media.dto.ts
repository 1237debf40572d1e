import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { RecordingMetadataDto } from 'src/providers/millicast/dto/recording-metadata.dto';
import { IsEpoch, IsMillicastId } from 'src/providers/millicast/dto/millicast-validators';

/** `media` `processing` / `completed` / `errored` / `deleted`: a recording or a clip (successor of recordings). */
export class MediaDataDto {
  @IsMillicastId()
  mediaAssetId: string | number;

  /** `clip` or `recording`; another value is kept as sent. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  type?: string;

  @IsOptional()
  @IsMillicastId()
  tokenId?: string | number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  streamName?: string;

  /** `accountId/streamName`. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  streamId?: string;

  @IsOptional()
  @IsMillicastId()
  channelId?: string | number;

  /** When the media was requested. */
  @IsOptional()
  @IsEpoch()
  startTime?: number;

  /** When the media will be removed automatically. */
  @IsOptional()
  @IsEpoch()
  expiration?: number;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RecordingMetadataDto)
  metadata?: RecordingMetadataDto;
}
