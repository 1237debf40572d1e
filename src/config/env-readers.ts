import { readFileSync } from 'node:fs';

export type Env = Record<string, string | undefined>;

/** Collects every configuration problem so that boot fails once, with all of them listed. */
export class ConfigErrors {
  readonly messages: string[] = [];

  add(name: string, message: string): void {
    this.messages.push(`${name}: ${message}`);
  }
}

export class InvalidConfigError extends Error {
  constructor(readonly messages: string[]) {
    super(`Invalid configuration:\n  - ${messages.join('\n  - ')}`);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Reads `NAME`, or the file named by `NAME_FILE` (Docker/Kubernetes secrets). Setting both is an error:
 * which one wins would be a guess.
 */
export function readRaw(env: Env, name: string, errors: ConfigErrors): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    errors.add(name, `set either ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (file !== undefined && file !== '') {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      errors.add(`${name}_FILE`, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }
  return direct === '' ? undefined : direct;
}

/** A comma- or newline-separated list (newlines let a *_FILE hold one secret per line). */
export function readList(env: Env, name: string, errors: ConfigErrors): string[] {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return [];
  return raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Secrets: a list, each at least `minLength` characters so that a typo like "x" cannot protect a route. */
export function readSecrets(env: Env, name: string, errors: ConfigErrors, minLength = 8): string[] {
  const secrets = readList(env, name, errors);
  secrets.forEach((secret, i) => {
    if (secret.length < minLength) errors.add(name, `entry ${i + 1} is shorter than ${minLength} characters`);
  });
  return secrets;
}

export function readInt(
  env: Env,
  name: string,
  errors: ConfigErrors,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) {
    errors.add(name, `must be a whole number, got "${raw}"`);
    return fallback;
  }
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    errors.add(name, `must be between ${range.min} and ${range.max}, got ${value}`);
    return fallback;
  }
  return value;
}

export function readEnum<T extends string>(
  env: Env,
  name: string,
  errors: ConfigErrors,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) {
    errors.add(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }
  return value;
}

export function readBool(env: Env, name: string, errors: ConfigErrors, fallback: boolean): boolean {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  errors.add(name, `must be true or false, got "${raw}"`);
  return fallback;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** A byte size such as `1048576`, `512kb` or `5mb`. */
export function readByteSize(
  env: Env,
  name: string,
  errors: ConfigErrors,
  fallback: number,
  max: number,
): number {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  if (!match) {
    errors.add(name, `must be a size like 1048576, 512kb or 5mb, got "${raw}"`);
    return fallback;
  }
  const bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  if (bytes < 1 || bytes > max) {
    errors.add(name, `must be between 1 byte and ${max} bytes, got ${bytes}`);
    return fallback;
  }
  return bytes;
}

/** An ISO 8601 instant with an explicit zone, such as 2027-01-31T00:00:00Z. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function readInstant(env: Env, name: string, errors: ConfigErrors): Date | null {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return null;
  const ms = INSTANT.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    errors.add(name, `must be an ISO 8601 instant with a zone, like 2027-01-31T00:00:00Z, got "${raw}"`);
    return null;
  }
  return new Date(ms);
}

export function readUrl(
  env: Env,
  name: string,
  errors: ConfigErrors,
  protocols: string[],
): string | undefined {
  const raw = readRaw(env, name, errors);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (!protocols.includes(url.protocol)) {
      errors.add(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
      return undefined;
    }
    return raw;
  } catch {
    errors.add(name, 'is not a valid URL');
    return undefined;
  }
}

/** Fewest key bytes a base64 secret may decode to: 128 bits, out of reach of a brute-force search. */
export const MIN_DECODED_KEY_BYTES = 16;

/**
 * Strict standard base64 (padding optional): the text must be exactly what its bytes encode to, so that a
 * stray character is an error rather than silently dropped (Buffer.from(text, 'base64') skips them, which
 * once turned "!!!!!!!!" into an empty key).
 */
export function decodeBase64Strict(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? bytes : null;
}

/** The HMAC keys of base64 secrets, each checked strictly and for length; every problem is reported. */
export function decodeBase64Keys(secrets: readonly string[], name: string, errors: ConfigErrors): Buffer[] {
  return secrets.map((secret, i) => {
    const key = decodeBase64Strict(secret);
    if (key === null) errors.add(name, `entry ${i + 1} is not valid base64`);
    else if (key.length < MIN_DECODED_KEY_BYTES) {
      errors.add(
        name,
        `entry ${i + 1} decodes to ${key.length} bytes; at least ${MIN_DECODED_KEY_BYTES} are required`,
      );
    }
    return key ?? Buffer.alloc(0);
  });
}
