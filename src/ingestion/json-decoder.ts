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

/**
 * Checks what JSON.parse accepts but Postgres or the mappers cannot: nesting deeper than MAX_DEPTH and NUL
 * characters (jsonb and text reject them). Iterative, so hostile nesting cannot exhaust the stack.
 */
function findUnstorable(value: unknown): string | null {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'a string contains a NUL character';
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return 'a key contains a NUL character';
        stack.push({ v: child, depth: depth + 1 });
      }
    }
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.body.toString('utf8'));
  } catch (err) {
    return reject(400, 'malformed-body', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reject(422, 'validation-failed', 'The body must be a JSON object.');
  }
  const problem = findUnstorable(parsed);
  if (problem !== null) return reject(422, 'unprocessable-data', `The body cannot be stored: ${problem}.`);
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
