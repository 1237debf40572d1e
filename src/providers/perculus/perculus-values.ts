/**
 * Lenient readers for Perculus values whose exact format is not published. Pure functions, shared by the
 * guard (which binds a token to the message's `request_id`), the DTO validators and the mapper, so that all
 * three read a value the same way.
 */

export const MAX_ID_LENGTH = 255;

/**
 * An identifier (`request_id`, `session_id`): a non-empty string of at most 255 characters, or a
 * non-negative safe integer (some senders serialise numeric ids as numbers), as its decimal text.
 */
export function perculusId(value: unknown): string | null {
  if (typeof value === 'string') {
    return value.trim().length > 0 && value.length <= MAX_ID_LENGTH ? value : null;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return null;
}

/** Below this a Unix number is read as seconds, above as milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
/** 1e14 ms is the year 5138 too: anything larger is not a timestamp we can read. */
const MILLIS_LIMIT = 1e14;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMERIC = /^\d{1,15}(?:\.\d+)?$/;
/** The legacy ASP.NET JSON date `/Date(1700000000000)/` (an optional offset is informative only). */
const ASP_NET = /^\/Date\((\d{1,15})(?:[+-]\d{4})?\)\/$/;

function fromUnix(value: number): Date | null {
  if (!Number.isFinite(value) || value < 0 || value >= MILLIS_LIMIT) return null;
  return new Date(value < SECONDS_LIMIT ? Math.round(value * 1000) : Math.round(value));
}

function fromIso(match: RegExpExecArray): Date | null {
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const parts = [y, mo, d, h, mi, s].map(Number);
  const [year, month, day, hour, minute, second] = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Number((fraction + '000').slice(0, 3));
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31 February
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    utc -= sign * offsetMinutes * 60_000;
  }
  return new Date(utc);
}

/**
 * Reads a Perculus `date`: ISO 8601 (with `T` or a space; without a zone it is taken as UTC), Unix seconds
 * or milliseconds as a number or numeric string (told apart by magnitude), or `/Date(ms)/`. Null when the
 * value is none of these.
 */
export function parsePerculusDate(value: unknown): Date | null {
  if (typeof value === 'number') return fromUnix(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (NUMERIC.test(text)) return fromUnix(Number(text));
  const asp = ASP_NET.exec(text);
  if (asp) return Number(asp[1]) < MILLIS_LIMIT ? new Date(Number(asp[1])) : null;
  const iso = ISO.exec(text);
  return iso ? fromIso(iso) : null;
}
