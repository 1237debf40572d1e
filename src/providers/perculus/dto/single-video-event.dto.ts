import { IsOptional, IsString } from 'class-validator';
import { PerculusSessionEventDto } from 'src/providers/perculus/dto/perculus-envelope.dto';

/**
 * `SingleVideoEvent`: the session's video is `ready` at `video_url` (which expires 24 h after sending), or
 * `failed` with an `error`.
 */
export class SingleVideoEventDto extends PerculusSessionEventDto {
  @IsOptional()
  @IsString()
  video_url?: string | null;

  @IsOptional()
  @IsString()
  error?: string | null;
}
