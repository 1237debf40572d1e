import { IsBoolean, IsNotEmpty, IsNumber, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsEpoch, IsMillicastId } from 'src/providers/millicast/dto/millicast-validators';

/**
 * `feeds` `started` / `ended`: one publishing feed (every (re)publish is a new feed). The ids are required
 * because the state hangs on them; the other documented fields are checked when present.
 */
export class FeedDataDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  feedId: string;

  /** `accountId/streamName`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  streamId: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  accountId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @IsEpoch()
  started?: number;

  @IsOptional()
  @IsEpoch()
  ended?: number;

  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  priority?: number;

  @IsOptional()
  @IsMillicastId()
  sourceId?: string | number;

  @IsOptional()
  @IsMillicastId()
  simulcastId?: string | number;
}
