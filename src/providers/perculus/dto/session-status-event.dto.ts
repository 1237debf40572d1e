import { IsDefined } from 'class-validator';
import { IsPerculusDate, PerculusSessionEventDto } from 'src/providers/perculus/dto/perculus-envelope.dto';

/** `SessionStatusEvent`: the session `started` or `finished` (its `status`) at `date`. */
export class SessionStatusEventDto extends PerculusSessionEventDto {
  /** When the session started or finished; the raw value is kept in the stored payload. */
  @IsDefined()
  @IsPerculusDate()
  date: string | number;
}
