import {
  IsDefined,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { MAX_ID_LENGTH, parsePerculusDate, perculusId } from 'src/providers/perculus/perculus-values';

/** A Perculus identifier: a non-empty string (at most 255 characters) or a non-negative integer. */
export const IsPerculusId = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isPerculusId',
      validator: {
        validate: (value: unknown) => perculusId(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be a non-empty string of at most ${MAX_ID_LENGTH} characters or a non-negative integer`,
      },
    },
    options,
  );

/** A date Perculus may send as ISO 8601, Unix seconds or milliseconds (see parsePerculusDate). */
export const IsPerculusDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isPerculusDate',
      validator: {
        validate: (value: unknown) => parsePerculusDate(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time or Unix seconds or milliseconds`,
      },
    },
    options,
  );

/** Fields every Perculus message has (`token` was checked by the guard). */
abstract class PerculusMessageDto {
  @IsPerculusId()
  request_id: string | number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  type: string;
}

/**
 * An event type this code does not know is validated against this envelope only, and kept on the timeline
 * flagged unknown. `session_id` links it to its session when present.
 */
export class PerculusEnvelopeDto extends PerculusMessageDto {
  @IsOptional()
  @IsPerculusId()
  session_id?: string | number | null;
}

/** The envelope of a known event: it is always about a session and has a status. */
export abstract class PerculusSessionEventDto extends PerculusMessageDto {
  @IsDefined()
  @IsPerculusId()
  session_id: string | number;

  /** Checked against the event's own values by the mapper; an unexpected value is kept, flagged unknown. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  status: string;
}
