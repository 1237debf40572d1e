import { hmac, matchesAnyKey } from 'src/ingestion/signature';

/**
 * Signed callback URLs for Eyeson StreamRec, which documents no webhook authentication: the client puts
 * our URL into `webhook_url`, so the URL itself is the credential.
 *
 *   token = base64url(reference) "." base64url(HMAC-SHA256(secret, "hooktrail/eyeson-callback/v1\n" reference))
 *
 * - bound to one reference: the MAC covers the reference bytes, so no other reference verifies;
 * - unguessable: 256-bit MAC under a secret of at least 16 characters;
 * - verifiable without a database lookup: the reference travels in the token;
 * - rotatable: the first configured secret signs, every configured one verifies, so removing a secret
 *   revokes every URL minted under it;
 * - domain-separated: the purpose/version string keeps these MACs from ever equalling another HMAC made
 *   with the same secret (and lets a v2 format coexist);
 * - canonical: each part must be the exact unpadded base64url encoding of its bytes, so no two distinct
 *   strings are accepted for the same token (changing any character of a token invalidates it).
 */
export const CALLBACK_MAC_CONTEXT = 'hooktrail/eyeson-callback/v1\n';

/** Our id for a call: what a team links Eyeson's events to. Stored as the session's external id. */
export const REFERENCE_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const REFERENCE_MAX_LENGTH = 128;
export const REFERENCE_RULE = `1 to ${REFERENCE_MAX_LENGTH} characters of A-Z a-z 0-9 . _ : -`;

const MAC_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longest well-formed token: the encoded reference, a dot and the encoded MAC. */
const TOKEN_MAX_LENGTH = Math.ceil((REFERENCE_MAX_LENGTH * 4) / 3) + 1 + Math.ceil((MAC_BYTES * 4) / 3);

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

function callbackMac(secret: Buffer, reference: string): Buffer {
  return hmac('sha256', secret, CALLBACK_MAC_CONTEXT + reference);
}

/** The key bytes of a configured secret (its UTF-8 bytes). */
export const secretKey = (secret: string): Buffer => Buffer.from(secret, 'utf8');

/** Mints the token for `reference` under `secret` (the first configured secret). */
export function mintCallbackToken(reference: string, secret: Buffer): string {
  const problem = referenceProblem(reference);
  if (problem !== null) throw new Error(problem);
  const ref = Buffer.from(reference, 'utf8').toString('base64url');
  return `${ref}.${callbackMac(secret, reference).toString('base64url')}`;
}

/** The full URL a team gives Eyeson as `webhook_url`. */
export function callbackUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/eyeson/${token}`;
}

/** Mints the URL for `reference` under a configured secret (pass the first: it is the signing one). */
export function mintCallbackUrl(publicBaseUrl: string, secret: string, reference: string): string {
  return callbackUrl(publicBaseUrl, mintCallbackToken(reference, secretKey(secret)));
}

export type TokenCheck =
  { ok: true; reference: string } | { ok: false; reason: 'malformed' | 'mismatch'; detail: string };

/** Decodes unpadded base64url only when `text` is the canonical encoding of the result. */
function decodeCanonical(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

const malformed = (detail: string): TokenCheck => ({ ok: false, reason: 'malformed', detail });

/**
 * Verifies a token against every secret in constant time (all secrets are tried, whichever matches).
 * Refuses anything not exactly in the minted shape before computing any MAC.
 */
export function verifyCallbackToken(token: string, secrets: readonly Buffer[]): TokenCheck {
  if (token.length > TOKEN_MAX_LENGTH) return malformed('The callback token is too long.');
  const parts = token.split('.');
  if (parts.length !== 2) return malformed('The callback token must be "<reference>.<mac>".');
  const refBytes = decodeCanonical(parts[0]);
  const mac = decodeCanonical(parts[1]);
  if (refBytes === null || mac === null) return malformed('The callback token is not canonical base64url.');
  if (mac.length !== MAC_BYTES) return malformed(`The callback token's MAC must be ${MAC_BYTES} bytes.`);
  // The reference charset is ASCII, so any other byte (or invalid UTF-8) fails the check below.
  const reference = refBytes.toString('utf8');
  if (referenceProblem(reference) !== null) {
    return malformed('The callback token does not carry a valid reference.');
  }
  if (!matchesAnyKey(secrets, mac, (key) => callbackMac(key, reference))) {
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'The callback token was not minted under any configured secret.',
    };
  }
  return { ok: true, reference };
}
