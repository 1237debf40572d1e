import { createHmac } from 'node:crypto';
import { ProblemException } from 'src/common/problem';
import { TokenScheme, verifyPerculusToken } from 'src/providers/perculus/perculus-token';

/**
 * The bytes hashed are the ASCII decimal digits of the timestamp exactly as they appear in the token
 * (for 1700000000: the 10 bytes 0x31 0x37 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30), keyed with the
 * secret's UTF-8 bytes. The literal vectors below were computed once with node:crypto; each test also
 * recomputes its expectation with node:crypto, so a change to the scheme breaks both.
 */
const SECRET = 'perculus-secret-current';
const OLD_SECRET = 'perculus-secret-previous';
const T = 1_700_000_000;
const NOW = T * 1000; // the clock at the token's second
const VECTORS = {
  'sha256/hex': 'ffbba36a444b2ffbe8b62a251ce4c48fcb1aa812def726606e097f56d0c5f1cf',
  'sha1/hex': 'd8599456e24b698cb78ee5f0b88b7d82789cb1bf',
  'sha256/base64': '/7ujakRLL/votiolHOTEj8saqBLe9yZgbgl/VtDF8c8=',
  'sha1/base64': '2FmUVuJLaYy3juXwuIt9gnicsb8=',
} as const;

const scheme = (overrides: Partial<TokenScheme> = {}): TokenScheme => ({
  algorithm: 'sha256',
  encoding: 'hex',
  maxAgeSeconds: 300,
  maxFutureSkewSeconds: 30,
  ...overrides,
});

const mac = (algorithm: 'sha256' | 'sha1', encoding: 'hex' | 'base64', secret: string, timestamp: string) =>
  createHmac(algorithm, Buffer.from(secret, 'utf8')).update(Buffer.from(timestamp, 'ascii')).digest(encoding);

/** The problem code a verification throws, or 'ok'. */
function outcome(token: unknown, s: TokenScheme = scheme(), nowMs = NOW, secrets = [SECRET]): string {
  try {
    verifyPerculusToken(token, secrets, s, nowMs);
    return 'ok';
  } catch (err) {
    if (err instanceof ProblemException) return `${err.statusCode} ${err.code}`;
    throw err;
  }
}

describe('Perculus token scheme', () => {
  it.each(Object.entries(VECTORS))('the %s vector is HMAC over the ASCII timestamp', (name, vector) => {
    const [algorithm, encoding] = name.split('/') as ['sha256' | 'sha1', 'hex' | 'base64'];
    expect(mac(algorithm, encoding, SECRET, String(T))).toBe(vector);
  });

  it.each(Object.entries(VECTORS))('accepts the fixed %s vector under that configuration', (name, vector) => {
    const [algorithm, encoding] = name.split('/') as ['sha256' | 'sha1', 'hex' | 'base64'];
    expect(outcome(`${T}|${vector}`, scheme({ algorithm, encoding }))).toBe('ok');
  });

  it('accepts upper-case hex', () => {
    expect(outcome(`${T}|${VECTORS['sha256/hex'].toUpperCase()}`)).toBe('ok');
  });

  it('accepts base64 without its padding', () => {
    expect(
      outcome(`${T}|${VECTORS['sha256/base64'].replace(/=+$/, '')}`, scheme({ encoding: 'base64' })),
    ).toBe('ok');
  });

  it('gives the same replay key to the upper- and lower-case spelling of one token', () => {
    const lower = verifyPerculusToken(`${T}|${VECTORS['sha256/hex']}`, [SECRET], scheme(), NOW);
    const upper = verifyPerculusToken(`${T}|${VECTORS['sha256/hex'].toUpperCase()}`, [SECRET], scheme(), NOW);
    expect(upper.replayKey.equals(lower.replayKey)).toBe(true);
    expect(lower.timestamp).toBe(T);
  });

  it('gives different tokens different replay keys', () => {
    const a = verifyPerculusToken(`${T}|${mac('sha256', 'hex', SECRET, String(T))}`, [SECRET], scheme(), NOW);
    const b = verifyPerculusToken(
      `${T + 1}|${mac('sha256', 'hex', SECRET, String(T + 1))}`,
      [SECRET],
      scheme(),
      NOW,
    );
    expect(a.replayKey.equals(b.replayKey)).toBe(false);
  });

  it('accepts a token signed with any configured secret (rotation)', () => {
    const old = `${T}|${mac('sha256', 'hex', OLD_SECRET, String(T))}`;
    expect(outcome(old, scheme(), NOW, [SECRET, OLD_SECRET])).toBe('ok');
  });

  it.each<[string, unknown, string]>([
    ['no token', undefined, '401 signature-missing'],
    ['an empty token', '', '401 signature-missing'],
    ['a number', 1700000000, '401 signature-malformed'],
    ['no separator', `${T}${VECTORS['sha256/hex']}`, '401 signature-malformed'],
    ['two separators', `${T}|${VECTORS['sha256/hex']}|x`, '401 signature-malformed'],
    ['a non-numeric timestamp', `${T}a|${VECTORS['sha256/hex']}`, '401 signature-malformed'],
    ['a negative timestamp', `-${T}|${VECTORS['sha256/hex']}`, '401 signature-malformed'],
    ['a truncated MAC', `${T}|${VECTORS['sha256/hex'].slice(0, 62)}`, '401 signature-malformed'],
    ['a non-hex MAC', `${T}|${'z'.repeat(64)}`, '401 signature-malformed'],
    ['a sha1 MAC where sha256 is configured', `${T}|${VECTORS['sha1/hex']}`, '401 signature-malformed'],
    [
      'a MAC of a rotated-out secret',
      `${T}|${mac('sha256', 'hex', OLD_SECRET, String(T))}`,
      '401 signature-mismatch',
    ],
    [
      'a MAC of another timestamp',
      `${T}|${mac('sha256', 'hex', SECRET, String(T - 1))}`,
      '401 signature-mismatch',
    ],
    [
      'a zero-padded timestamp with the MAC of the unpadded one',
      `0${T}|${VECTORS['sha256/hex']}`,
      '401 signature-mismatch',
    ],
  ])('refuses %s', (_name, token, expected) => {
    expect(outcome(token)).toBe(expected);
  });

  it('refuses base64 of the wrong length or alphabet when base64 is configured', () => {
    const b64 = scheme({ encoding: 'base64' });
    expect(outcome(`${T}|${VECTORS['sha1/base64']}`, b64)).toBe('401 signature-malformed');
    expect(outcome(`${T}|${VECTORS['sha256/base64'].replace('/', '_')}`, b64)).toBe(
      '401 signature-malformed',
    );
    expect(outcome(`${T}|${VECTORS['sha256/hex']}`, b64)).toBe('401 signature-malformed');
  });

  it.each<[string, number, string]>([
    ['exactly the maximum age', NOW + 300_000, 'ok'],
    ['one second past the maximum age', NOW + 301_000, '401 token-expired'],
    ['an hour old', NOW + 3_600_000, '401 token-expired'],
    ['exactly the allowed future skew', NOW - 30_000, 'ok'],
    ['one second beyond the allowed future skew', NOW - 31_000, '401 token-from-future'],
  ])('judges a token %s', (_name, nowMs, expected) => {
    expect(outcome(`${T}|${VECTORS['sha256/hex']}`, scheme(), nowMs)).toBe(expected);
  });

  it('checks the HMAC before the age, so a stale token of a wrong secret is a mismatch', () => {
    const token = `${T}|${mac('sha256', 'hex', OLD_SECRET, String(T))}`;
    expect(outcome(token, scheme(), NOW + 3_600_000)).toBe('401 signature-mismatch');
  });

  it('does not reveal the expected MAC when refusing a mismatch', () => {
    let body = '';
    try {
      verifyPerculusToken(`${T}|${'0'.repeat(64)}`, [SECRET], scheme(), NOW);
    } catch (err) {
      body = JSON.stringify((err as ProblemException).toBody(undefined, undefined)).toLowerCase();
    }
    expect(body).toContain('signature-mismatch');
    expect(body).not.toContain(VECTORS['sha256/hex'].slice(0, 16));
  });

  it('says how old an expired token is', () => {
    let detail = '';
    try {
      verifyPerculusToken(`${T}|${VECTORS['sha256/hex']}`, [SECRET], scheme(), NOW + 400_000);
    } catch (err) {
      detail = (err as ProblemException).detail ?? '';
    }
    expect(detail).toBe('The token was issued 400 s ago; at most 300 s is accepted.');
  });
});
