import { hmac, matchesAnyKey } from 'src/ingestion/signature';

/**
 * Signed callback URLs for Eyeson StreamRec, which documents no webhook authentication: the client puts
 * our URL into `webhook_url`, so the URL itself is the credential.
 *
 *   token = base64url(reference) "." expires "." base64url(HMAC-SHA256(secret,
 *             "hooktrail/eyeson-callback/v2\n" reference "\n" expires))
 *
 * with `expires` the Unix second after which the URL is refused (EYESON_CALLBACK_URL_TTL_DAYS after minting).
 * - bound to one reference and one expiry: the MAC covers both, so neither can be changed;
 * - unguessable: 256-bit MAC under a secret of at least 16 characters;
 * - verifiable without a database lookup: the reference travels in the token;
 * - rotatable: the first configured secret signs, every configured one verifies, so removing a secret
 *   revokes every URL minted under it (one URL alone is revoked through the denylist, see
 *   eyeson-revoked-urls.service.ts);
 * - domain-separated: the purpose/version string keeps these MACs from ever equalling another HMAC made
 *   with the same secret (and lets a v2 format coexist);
 * - canonical: each part must be the exact unpadded base64url encoding of its bytes, so no two distinct
 *   strings are accepted for the same token (changing any character of a token invalidates it).
 * Version 1 tokens (`base64url(reference) "." mac` over "hooktrail/eyeson-callback/v1\n" reference) carry no
 * expiry; they verify only while EYESON_LEGACY_URLS_UNTIL is in the future.
 */
export const CALLBACK_MAC_CONTEXT = 'hooktrail/eyeson-callback/v2\n';
const LEGACY_MAC_CONTEXT = 'hooktrail/eyeson-callback/v1\n';

/** Our id for a call: what a team links Eyeson's events to. Stored as the session's external id. */
export const REFERENCE_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const REFERENCE_MAX_LENGTH = 128;
export const REFERENCE_RULE = `1 to ${REFERENCE_MAX_LENGTH} characters of A-Z a-z 0-9 . _ : -`;

const MAC_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Unix seconds in canonical decimal (no leading zero); 12 digits reach far past any plausible expiry. */
const EXPIRES = /^[1-9]\d{0,11}$/;
/** Longest well-formed token: the encoded reference, the expiry and the encoded MAC, with two dots. */
const TOKEN_MAX_LENGTH =
  Math.ceil((REFERENCE_MAX_LENGTH * 4) / 3) + 1 + 12 + 1 + Math.ceil((MAC_BYTES * 4) / 3);

/** Why a reference is not acceptable, or null when it is. */
export function referenceProblem(reference: string): string | null {
  if (
    reference.length === 0 ||
    reference.length > REFERENCE_MAX_LENGTH ||
    !REFERENCE_PATTERN.test(reference)
  ) {
    return `A reference must be ${REFERENCE_RULE}.`;
  }
  return null;
}

function callbackMac(secret: Buffer, reference: string, expires: string | null): Buffer {
  if (expires === null) return hmac('sha256', secret, LEGACY_MAC_CONTEXT + reference);
  return hmac('sha256', secret, `${CALLBACK_MAC_CONTEXT}${reference}\n${expires}`);
}

/** The key bytes of a configured secret (its UTF-8 bytes). */
export const secretKey = (secret: string): Buffer => Buffer.from(secret, 'utf8');

/** Mints the token for `reference`, valid until `expiresAt`, under `secret` (the first configured one). */
export function mintCallbackToken(reference: string, secret: Buffer, expiresAt: Date): string {
  const problem = referenceProblem(reference);
  if (problem !== null) throw new Error(problem);
  const ref = Buffer.from(reference, 'utf8').toString('base64url');
  const expires = String(Math.floor(expiresAt.getTime() / 1000));
  return `${ref}.${expires}.${callbackMac(secret, reference, expires).toString('base64url')}`;
}

/** When a URL minted at `nowMs` expires (EYESON_CALLBACK_URL_TTL_DAYS), to the second. */
export function callbackUrlExpiresAt(ttlDays: number, nowMs = Date.now()): Date {
  return new Date(Math.floor(nowMs / 1000 + ttlDays * 86_400) * 1000);
}

/** The full URL a team gives Eyeson as `webhook_url`. */
export function callbackUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/eyeson/${token}`;
}

/** Mints the URL for `reference` under a configured secret (pass the first: it is the signing one). */
export function mintCallbackUrl(
  publicBaseUrl: string,
  secret: string,
  reference: string,
  expiresAt: Date,
): string {
  return callbackUrl(publicBaseUrl, mintCallbackToken(reference, secretKey(secret), expiresAt));
}

/** The token of a callback URL (its last path segment), or null when `url` is not one. */
export function tokenOfCallbackUrl(url: string): string | null {
  const match = /\/webhooks\/eyeson\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
  return match === null ? null : match[1];
}

/** A verified token: its reference and expiry (null for a version 1 token, which carries none). */
export type TokenCheck =
  | { ok: true; reference: string; expiresAt: Date | null }
  | { ok: false; reason: 'malformed' | 'mismatch'; detail: string };

/** Decodes unpadded base64url only when `text` is the canonical encoding of the result. */
function decodeCanonical(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

const malformed = (detail: string): TokenCheck => ({ ok: false, reason: 'malformed', detail });

/**
 * Verifies a token against every secret in constant time (all secrets are tried, whichever matches).
 * Refuses anything not exactly in the minted shape before computing any MAC. Expiry is `expiryProblem`'s.
 */
export function verifyCallbackToken(token: string, secrets: readonly Buffer[]): TokenCheck {
  if (token.length > TOKEN_MAX_LENGTH) return malformed('The callback token is too long.');
  const parts = token.split('.');
  if (parts.length !== 2 && parts.length !== 3)
    return malformed('The callback token must be "<reference>.<expires>.<mac>".');
  const expires = parts.length === 3 ? parts[1] : null;
  if (expires !== null && !EXPIRES.test(expires))
    return malformed("The callback token's expiry must be Unix seconds.");
  const refBytes = decodeCanonical(parts[0]);
  const mac = decodeCanonical(parts[parts.length - 1]);
  if (refBytes === null || mac === null) return malformed('The callback token is not canonical base64url.');
  if (mac.length !== MAC_BYTES) return malformed(`The callback token's MAC must be ${MAC_BYTES} bytes.`);
  // The reference charset is ASCII, so any other byte (or invalid UTF-8) fails the check below.
  const reference = refBytes.toString('utf8');
  if (referenceProblem(reference) !== null) {
    return malformed('The callback token does not carry a valid reference.');
  }
  if (!matchesAnyKey(secrets, mac, (key) => callbackMac(key, reference, expires))) {
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'The callback token was not minted under any configured secret.',
    };
  }
  return { ok: true, reference, expiresAt: expires === null ? null : new Date(Number(expires) * 1000) };
}

/**
 * Why a verified token is no longer accepted at `nowMs`, or null while it is. A version 1 token (no expiry)
 * is accepted only until `legacyUntil` (EYESON_LEGACY_URLS_UNTIL; null = not at all).
 */
export function expiryProblem(
  expiresAt: Date | null,
  nowMs: number,
  legacyUntil: Date | null,
): string | null {
  if (expiresAt === null) {
    return legacyUntil !== null && nowMs < legacyUntil.getTime()
      ? null
      : 'This callback URL was minted before callback URLs expired and is no longer accepted; mint a new one.';
  }
  return nowMs < expiresAt.getTime() ? null : 'This callback URL has expired; mint a new one.';
}
