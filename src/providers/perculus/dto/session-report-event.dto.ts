import { IsOptional, IsString } from 'class-validator';
import { PerculusSessionEventDto } from 'src/providers/perculus/dto/perculus-envelope.dto';

/** `SessionReportEvent`: the session was packed and its report is `ready`, or `failed` with an `error`. */
export class SessionReportEventDto extends PerculusSessionEventDto {
  @IsOptional()
  @IsString()
  error?: string | null;
}
