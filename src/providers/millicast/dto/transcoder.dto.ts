import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsMillicastId } from 'src/providers/millicast/dto/millicast-validators';

/** `transcoder` `ACTIVE` / `STOPPED` / `DELETED`. */
export class TranscoderDataDto {
  @IsMillicastId()
  transcoderId: string | number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  transcoderName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  cluster?: string;

  /** An ISO date in the docs' examples (an epoch number is accepted too). */
  @IsOptional()
  @IsMillicastId()
  createdOn?: string | number;

  /** The transcoder's own status name when the hook fired: `Active`, `Shutdown`, `Deleted`. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  status?: string;
}
