import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import type { DecodeResult, RawDelivery, Rejection, ValidationIssue } from 'src/ingestion/ingestion.types';
import { MAX_JSON_DEPTH as MAX_DEPTH, nestsDeeperThan } from 'src/ingestion/json-depth';

export const reject = (
  status: Rejection['status'],
  code: string,
  detail: string,
  errors?: ValidationIssue[],
) => ({
  ok: false as const,
  rejection: { status, code, detail, ...(errors ? { errors } : {}) },
});

function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return true; // some senders omit it; the body decides
  const mime = contentType.split(';')[0].trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json') || mime === 'text/json';
}

/** An unpaired UTF-16 surrogate (JSON's `\ud800` escape lets one through; it is no character at all). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Checks what JSON.parse accepts but Postgres or the mappers cannot: nesting deeper than MAX_DEPTH, NUL
 * characters and unpaired surrogates (jsonb and text reject them). Iterative, so hostile nesting cannot
 * exhaust the stack.
 */
function findUnstorable(value: unknown): string | null {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'a string contains a NUL character';
      if (LONE_SURROGATE.test(v)) return 'a string contains an unpaired UTF-16 surrogate';
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return 'a key contains a NUL character';
        if (LONE_SURROGATE.test(k)) return 'a key contains an unpaired UTF-16 surrogate';
        stack.push({ v: child, depth: depth + 1 });
      }
    }
  }
  return null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A number token of JSON text (its place is checked by JSON.parse first). */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A decimal number as (digits without leading or trailing zeros, exponent of the last digit), for comparing. */
function decimal(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  let exp = Number(exponent) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return digits === '' ? '0' : `${sign}${digits}e${exp}`;
}

/**
 * The first number in the JSON text that a double does not hold exactly as written (e.g. `1e400`, or
 * `18446744073709551617`), or null. JavaScript would store such a number changed (as null, or rounded);
 * it is refused instead. Numbers of at most 15 significant digits are always exact: only longer tokens are
 * compared digit by digit.
 */
export function inexactNumber(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip a string
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    NUMBER.lastIndex = i;
    const token = NUMBER.exec(text)![0];
    i += token.length - 1;
    if (token.length <= 15 && !/[eE]/.test(token)) continue;
    const value = Number(token);
    if (!Number.isFinite(value) || decimal(String(value)) !== decimal(token)) return token;
  }
  return null;
}

/** Parses a JSON object body, or says precisely why not. */
export function decodeJsonObject(raw: RawDelivery): DecodeResult<Record<string, unknown>> {
  if (!isJsonContentType(raw.contentType)) {
    return reject(415, 'unsupported-media-type', `Expected application/json, got ${raw.contentType}.`);
  }
  if (raw.body.length === 0) return reject(400, 'empty-body', 'The body is empty.');
  // Bounded before parsing: a small body of nested brackets costs JSON.parse far more than its size.
  if (nestsDeeperThan(raw.body)) {
    return reject(
      422,
      'unprocessable-data',
      `The body cannot be stored: nesting deeper than ${MAX_DEPTH} levels.`,
    );
  }
  let text: string;
  try {
    text = UTF8.decode(raw.body);
  } catch {
    // Decoded with replacement characters, two different bodies could read as one.
    return reject(400, 'malformed-body', 'The body is not valid UTF-8.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return reject(400, 'malformed-body', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reject(422, 'validation-failed', 'The body must be a JSON object.');
  }
  const problem = findUnstorable(parsed);
  if (problem !== null) return reject(422, 'unprocessable-data', `The body cannot be stored: ${problem}.`);
  const inexact = inexactNumber(text);
  if (inexact !== null) {
    const shown = inexact.length > 40 ? `${inexact.slice(0, 40)}…` : inexact;
    return reject(422, 'unprocessable-data', `The number ${shown} cannot be kept exactly.`);
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

/** class-validator errors as one issue per failed constraint, with dotted paths under `prefix`. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): ValidationIssue[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], path)];
  });
}

/**
 * Validates a plain object against a DTO class. Extra fields are tolerated (providers add them); the
 * untouched payload is what gets stored. `at` names where the object sits in the body (e.g. `payload`),
 * so that the issues' paths are the body's.
 */
export async function validateDto<T extends object>(
  dto: new () => T,
  plain: Record<string, unknown>,
  at = '',
): Promise<DecodeResult<T>> {
  const instance = plainToInstance(dto, plain, { enableImplicitConversion: false });
  const errors = await validate(instance, { forbidUnknownValues: false, whitelist: false });
  if (errors.length > 0) {
    const issues = flattenValidationErrors(errors, at);
    return reject(422, 'validation-failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return { ok: true, value: instance };
}
