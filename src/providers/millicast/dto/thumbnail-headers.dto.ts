import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * A thumbnail hook's metadata: its body is the JPEG, so what it is about comes in headers (lower-case, as
 * Node gives them, so that validation errors name the header).
 */
export class ThumbnailHeadersDto {
  /** `accountId/streamName`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  'x-millicast-stream-id': string;

  /** Capture time, epoch milliseconds. */
  @IsString()
  @Matches(/^\d{1,16}$/, { message: 'x-millicast-timestamp must be an epoch time in milliseconds' })
  'x-millicast-timestamp': string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  'x-millicast-feed-id'?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  'x-millicast-token-id'?: string;
}
