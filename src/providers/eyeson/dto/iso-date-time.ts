import { IsISO8601, Matches } from 'class-validator';

/** A date and time, optional seconds and fraction, optional zone (`Z`, `+02:00` or `+0200`). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 date-time string (calendar-checked). Eyeson documents its times as "Time ISO8601". */
export function IsIsoDateTime(): PropertyDecorator {
  const message = ({ property }: { property: string }) =>
    `${property} must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z`;
  return (target: object, property: string | symbol) => {
    Matches(ISO_DATE_TIME, { message })(target, property);
    IsISO8601({ strict: true, strictSeparator: true }, { message })(target, property);
  };
}

/**
 * Parses a validated ISO 8601 date-time. A time without a zone is read as UTC (Eyeson calls these
 * "server time"), never as the receiving host's local time.
 */
export function parseIsoDateTime(value: string): Date {
  return new Date(HAS_ZONE.test(value) ? value : `${value}Z`);
}
