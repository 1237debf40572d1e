import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';

/** The exact bytes received (webhook routes use a raw body parser). Empty when there was no body. */
export function rawBodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function hmac(algorithm: 'sha1' | 'sha256', key: Buffer, data: Buffer | string): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/**
 * Constant-time check of `provided` against the MAC under every key. Every key is tried even after a
 * match, so the time taken does not tell which secret (or whether an older one) matched. An empty key
 * never matches: config refuses one at boot, and this keeps it so should one ever get here.
 */
export function matchesAnyKey(
  keys: readonly Buffer[],
  provided: Buffer,
  mac: (key: Buffer) => Buffer,
): boolean {
  let matched = false;
  for (const key of keys) {
    if (key.length === 0) continue;
    const expected = mac(key);
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) matched = true;
  }
  return matched;
}

/** The single value of a header; a missing or repeated header is refused (a repeat is ambiguous). */
export function singleHeader(req: Request, name: string): string {
  const value = req.headers[name.toLowerCase()];
  if (value === undefined || value === '')
    throw unauthorized('signature-missing', `The ${name} header is missing.`);
  if (Array.isArray(value))
    throw unauthorized('signature-malformed', `The ${name} header appears more than once.`);
  return value;
}

/** Decodes lower- or upper-case hex of exactly `bytes` bytes, or refuses. */
export function decodeHex(value: string, bytes: number, what: string): Buffer {
  if (value.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(value)) {
    throw unauthorized('signature-malformed', `${what} must be ${bytes * 2} hexadecimal characters.`);
  }
  return Buffer.from(value, 'hex');
}

export function refuseWhenDisabled(secrets: readonly unknown[], provider: string): void {
  if (secrets.length === 0) {
    throw unauthorized(
      'provider-disabled',
      `No secret is configured for ${provider}; its deliveries are refused.`,
    );
  }
}
