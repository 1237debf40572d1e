import { Allow, IsArray, IsNumber, IsOptional, IsString, MaxLength, Min } from 'class-validator';

/**
 * Details of a finished recording or media asset, e.g.
 * `{format: 'MPEG-4', sizes: {concat: 92791, dash: 97934, thumbnails: 0}, duration: 1, tracks: [...]}`.
 * Everything is optional: media hooks often send `{}`.
 */
export class RecordingMetadataDto {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  format?: string;

  /** Bytes per output (`concat` is the single downloadable file); a plain byte count is read as that file. */
  @Allow()
  sizes?: Record<string, unknown> | number;

  /** Seconds. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  duration?: number;

  @IsOptional()
  @IsArray()
  tracks?: unknown[];
}
