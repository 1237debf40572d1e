import { createHash } from 'node:crypto';
import { unauthorized } from 'src/common/problem';
import { decodeHex, hmac, matchesAnyKey } from 'src/ingestion/signature';

/**
 * The Perculus authentication token, carried in the body as `token = "<timestamp>|<hmac>"`:
 *  - `<timestamp>` is the token's creation time in Unix seconds, in ASCII decimal digits;
 *  - `<hmac>` is HMAC(secret, the ASCII bytes of `<timestamp>` exactly as sent), with the secret's UTF-8
 *    bytes as key. Perculus does not publish the hash or the encoding, so both are configuration
 *    (default HMAC-SHA256, hex in either case).
 * The token signs only the timestamp, never the body: see the replay ledger (perculus-seen-tokens.service.ts).
 */
export interface TokenScheme {
  algorithm: 'sha256' | 'sha1';
  encoding: 'hex' | 'base64';
  maxAgeSeconds: number;
  maxFutureSkewSeconds: number;
}

export interface VerifiedToken {
  /** Unix seconds, from the token. */
  timestamp: number;
  /**
   * SHA-256 of the canonical token (timestamp text and the decoded MAC bytes): the same token spelled in
   * upper- or lower-case hex, or in another valid base64 spelling, has the same key.
   */
  replayKey: Buffer;
}

const DIGEST_BYTES = { sha256: 32, sha1: 20 } as const;
/** Unix seconds as decimal digits; 12 digits reach far past any plausible clock. */
const TIMESTAMP = /^\d{1,12}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What Perculus would send for `timestamp` under `secret`. Exported for tests and the sender simulator. */
export function perculusMac(algorithm: TokenScheme['algorithm'], secret: string, timestamp: string): Buffer {
  return hmac(algorithm, Buffer.from(secret, 'utf8'), Buffer.from(timestamp, 'ascii'));
}

function decodeMac(text: string, scheme: TokenScheme): Buffer {
  const bytes = DIGEST_BYTES[scheme.algorithm];
  if (scheme.encoding === 'hex') return decodeHex(text, bytes, `The token's ${scheme.algorithm} HMAC`);
  const unpadded = text.replace(/=+$/, '');
  const decoded = BASE64.test(text) ? Buffer.from(text, 'base64') : null;
  if (decoded === null || decoded.length !== bytes || unpadded.length !== Math.ceil((bytes * 4) / 3)) {
    throw unauthorized(
      'signature-malformed',
      `The token's ${scheme.algorithm} HMAC must be ${bytes} bytes in base64.`,
    );
  }
  return decoded;
}

/**
 * Checks a token's form, then its HMAC against every secret (constant time, all tried), then its age.
 * The HMAC comes first so that only a holder of a secret learns how far off its clock is. Throws a 401
 * problem whose `code` names the check that failed; never reveals the expected MAC.
 */
export function verifyPerculusToken(
  token: unknown,
  secrets: readonly string[],
  scheme: TokenScheme,
  nowMs: number,
): VerifiedToken {
  if (token === undefined || token === null || token === '')
    throw unauthorized('signature-missing', 'The body has no token.');
  if (typeof token !== 'string')
    throw unauthorized('signature-malformed', 'The token must be a string "<timestamp>|<hmac>".');
  const parts = token.split('|');
  if (parts.length !== 2)
    throw unauthorized('signature-malformed', 'The token must have the form "<timestamp>|<hmac>".');
  const [timestampText, macText] = parts;
  if (!TIMESTAMP.test(timestampText))
    throw unauthorized('signature-malformed', "The token's timestamp must be Unix seconds (decimal digits).");
  const provided = decodeMac(macText, scheme);

  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  const data = Buffer.from(timestampText, 'ascii');
  if (!matchesAnyKey(keys, provided, (key) => hmac(scheme.algorithm, key, data)))
    throw unauthorized('signature-mismatch', "The token's HMAC matches none of the configured secrets.");

  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(nowMs / 1000);
  const age = nowSeconds - timestamp;
  if (age > scheme.maxAgeSeconds) {
    throw unauthorized(
      'token-expired',
      `The token was issued ${age} s ago; at most ${scheme.maxAgeSeconds} s is accepted.`,
    );
  }
  if (-age > scheme.maxFutureSkewSeconds) {
    throw unauthorized(
      'token-from-future',
      `The token's timestamp is ${-age} s ahead of this server's clock; at most ${scheme.maxFutureSkewSeconds} s is accepted.`,
    );
  }
  const replayKey = createHash('sha256').update(`${timestampText}|`).update(provided).digest();
  return { timestamp, replayKey };
}

/** The last moment a token can pass the age check: its ledger entry must live at least this long. */
export function tokenExpiresAt(timestamp: number, scheme: TokenScheme): Date {
  return new Date((timestamp + scheme.maxAgeSeconds + 1) * 1000);
}
