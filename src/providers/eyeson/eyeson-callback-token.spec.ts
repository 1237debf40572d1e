import { createHmac } from 'node:crypto';
import {
  callbackUrl,
  mintCallbackToken,
  expiryProblem,
  mintCallbackUrl,
  referenceProblem,
  secretKey,
  verifyCallbackToken,
} from 'src/providers/eyeson/eyeson-callback-token';

const OLD = 'eyeson-callback-secret-current-0123';
const NEW = 'eyeson-callback-secret-next-456789';
const OTHER = 'some-other-service-secret-abcdef';
const key = secretKey;

/** A fixed expiry, 2030-01-01T00:00:00Z, so that tokens are reproducible. */
const EXPIRES_AT = new Date('2030-01-01T00:00:00Z');
const EXPIRES = '1893456000';

/** The scheme written out with node:crypto, independently of the code under test. */
function expectedToken(reference: string, secret: string, expires = EXPIRES): string {
  const mac = createHmac('sha256', secret)
    .update(`hooktrail/eyeson-callback/v2\n${reference}\n${expires}`)
    .digest('base64url');
  return `${Buffer.from(reference).toString('base64url')}.${expires}.${mac}`;
}

/** A token minted before URLs expired (version 1). */
function legacyToken(reference: string, secret: string): string {
  const mac = createHmac('sha256', secret)
    .update('hooktrail/eyeson-callback/v1\n' + reference)
    .digest('base64url');
  return `${Buffer.from(reference).toString('base64url')}.${mac}`;
}

const macFor = (reference: string, secret: string): string => expectedToken(reference, secret).split('.')[2];
const mint = (reference: string, secret: string) => mintCallbackToken(reference, key(secret), EXPIRES_AT);
const refPart = (reference: string): string => Buffer.from(reference).toString('base64url');

describe('Eyeson callback token', () => {
  it('mints the documented fixed vector', () => {
    expect(mint('call-42', OLD)).toBe('Y2FsbC00Mg.1893456000.ZkPNZE-lTa5K0KaLeLnK8RLvvDXwegi4HhtNErQCHDk');
  });

  it.each([
    ['one character', 'x'],
    ['every allowed character class', 'Call_2024.05:01-A9'],
    ['the longest allowed reference', 'r'.repeat(128)],
    ['a UUID', '4f1c2a5e-8a7b-4c1d-9e3f-0a1b2c3d4e5f'],
  ])('round-trips %s and matches the scheme computed with node:crypto', (_what, reference) => {
    const token = mint(reference, OLD);
    expect(token).toBe(expectedToken(reference, OLD));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyCallbackToken(token, [key(OLD)])).toEqual({ ok: true, reference, expiresAt: EXPIRES_AT });
  });

  it('builds the callback URL under the public base URL, without a doubled slash', () => {
    expect(callbackUrl('https://hooks.example.com/', 'abc.def')).toBe(
      'https://hooks.example.com/webhooks/eyeson/abc.def',
    );
    expect(mintCallbackUrl('https://hooks.example.com', OLD, 'call-42', EXPIRES_AT)).toBe(
      `https://hooks.example.com/webhooks/eyeson/${expectedToken('call-42', OLD)}`,
    );
  });

  it('refuses to mint for an invalid reference', () => {
    expect(() => mint('a/b', OLD)).toThrow(/reference/);
    expect(() => mint('', OLD)).toThrow(/reference/);
  });

  describe('tampering', () => {
    const token = mint('call-2024-05-01-0042', OLD);
    // One replacement per character class: upper, lower, digit, the two base64url symbols, the separator,
    // and characters outside base64url (standard base64, padding, percent-encoding, space); each is put
    // at every position.
    const replacements = ['Q', 'q', '7', '-', '_', '.', '+', '/', '=', '%', ' '];
    const accepted = (candidates: string[]): string[] =>
      candidates.filter((candidate) => verifyCallbackToken(candidate, [key(OLD)]).ok);

    it('accepts the untampered token (the control for the cases below)', () => {
      expect(accepted([token])).toEqual([token]);
    });

    it.each(replacements)('refuses the token with any single position replaced by %j', (replacement) => {
      const forged = [...Array(token.length).keys()]
        .filter((index) => token[index] !== replacement)
        .map((index) => token.slice(0, index) + replacement + token.slice(index + 1));
      expect(forged.length).toBe(token.length - (token.split(replacement).length - 1));
      expect(accepted(forged)).toEqual([]);
    });

    it('refuses every truncation of the token', () => {
      const truncated = [...Array(token.length).keys()].map((length) => token.slice(0, length));
      expect(accepted(truncated)).toEqual([]);
    });

    it.each(['A', 'AA', '.', '=', '.AAAA'])('refuses the token with %j appended', (suffix) => {
      expect(verifyCallbackToken(token + suffix, [key(OLD)]).ok).toBe(false);
    });

    it('refuses a MAC whose unused trailing bits differ (non-canonical base64url of the same bytes)', () => {
      const [ref, expires, mac] = token.split('.');
      const last = mac[mac.length - 1];
      // 43 characters carry 258 bits for 256: the last character's two low bits are unused.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const i = alphabet.indexOf(last);
      const sameBytes = alphabet[(i & ~3) | ((i + 1) & 3)];
      const forged = `${ref}.${expires}.${mac.slice(0, -1)}${sameBytes}`;
      expect(Buffer.from(forged.split('.')[2], 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
      expect(verifyCallbackToken(forged, [key(OLD)])).toMatchObject({ ok: false, reason: 'malformed' });
    });
  });

  describe('binding to one reference', () => {
    it("refuses another reference carrying this reference's MAC", () => {
      const forged = `${refPart('call-43')}.${EXPIRES}.${macFor('call-42', OLD)}`;
      expect(verifyCallbackToken(forged, [key(OLD)])).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a MAC computed without the purpose string (a plain HMAC of the reference)', () => {
      const plain = createHmac('sha256', OLD).update('call-42').digest('base64url');
      expect(verifyCallbackToken(`${refPart('call-42')}.${EXPIRES}.${plain}`, [key(OLD)]).ok).toBe(false);
      expect(verifyCallbackToken(`${refPart('call-42')}.${plain}`, [key(OLD)]).ok).toBe(false);
    });

    it('refuses a MAC under an unknown secret', () => {
      expect(verifyCallbackToken(expectedToken('call-42', OTHER), [key(OLD), key(NEW)])).toMatchObject({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('refuses a correctly MACed reference outside the allowed charset', () => {
      const forged = `${refPart('call/42')}.${EXPIRES}.${macFor('call/42', OLD)}`;
      expect(verifyCallbackToken(forged, [key(OLD)])).toMatchObject({ ok: false, reason: 'malformed' });
    });
  });

  describe('expiry', () => {
    it('refuses a token whose expiry was pushed back under the original MAC', () => {
      const later = `${refPart('call-42')}.1924992000.${macFor('call-42', OLD)}`;
      expect(verifyCallbackToken(later, [key(OLD)])).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it.each(['01893456000', '+1893456000', '1893456000.5', '0', '1234567890123'])(
      'refuses the non-canonical expiry %j',
      (expires) => {
        const token = `${refPart('call-42')}.${expires}.${macFor('call-42', OLD)}`;
        expect(verifyCallbackToken(token, [key(OLD)])).toMatchObject({ ok: false });
      },
    );

    it('accepts a token until its expiry and refuses it from then on', () => {
      expect(expiryProblem(EXPIRES_AT, EXPIRES_AT.getTime() - 1, null)).toBeNull();
      expect(expiryProblem(EXPIRES_AT, EXPIRES_AT.getTime(), null)).toMatch(/expired/);
    });

    it('verifies a token minted before URLs expired, with no expiry of its own', () => {
      expect(verifyCallbackToken(legacyToken('call-42', OLD), [key(OLD)])).toEqual({
        ok: true,
        reference: 'call-42',
        expiresAt: null,
      });
    });

    it('refuses such a token unless EYESON_LEGACY_URLS_UNTIL is still ahead', () => {
      const until = new Date('2027-01-31T00:00:00Z');
      expect(expiryProblem(null, until.getTime() - 1, null)).toMatch(/minted before/);
      expect(expiryProblem(null, until.getTime() - 1, until)).toBeNull();
      expect(expiryProblem(null, until.getTime(), until)).toMatch(/minted before/);
    });
  });

  describe('rotation', () => {
    it('accepts a token under any configured secret, wherever it is in the list', () => {
      const token = mint('call-42', OLD);
      expect(verifyCallbackToken(token, [key(NEW), key(OLD)])).toEqual({
        ok: true,
        reference: 'call-42',
        expiresAt: EXPIRES_AT,
      });
      expect(verifyCallbackToken(token, [key(OLD), key(NEW)])).toEqual({
        ok: true,
        reference: 'call-42',
        expiresAt: EXPIRES_AT,
      });
    });

    it('refuses a token minted under a secret that was removed from the list', () => {
      const token = mint('call-42', OLD);
      expect(verifyCallbackToken(token, [key(NEW)])).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses every token when no secret is configured', () => {
      expect(verifyCallbackToken(mint('call-42', OLD), []).ok).toBe(false);
    });
  });

  it.each([
    ['', false],
    ['a', true],
    ['A-z_0.9:x', true],
    ['r'.repeat(128), true],
    ['r'.repeat(129), false],
    ['has space', false],
    ['slash/inside', false],
    ['percent%41', false],
    ['ünïcode', false],
    ['new\nline', false],
  ])('judges reference %j acceptable: %s', (reference, acceptable) => {
    expect(referenceProblem(reference) === null).toBe(acceptable);
  });
});
