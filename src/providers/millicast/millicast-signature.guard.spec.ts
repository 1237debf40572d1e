import { createHmac } from 'node:crypto';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { hmac } from 'src/ingestion/signature';
import { refusal, requestContext } from '../../../test/support/guard-context';
import {
  MillicastSignatureGuard,
  verifyMillicastSignature,
} from 'src/providers/millicast/millicast-signature.guard';

/** A webhook secret as the Millicast dashboard shows it: base64 of 32 random bytes. */
const SECRET = 'kq3V0mCq2mXWm1dYx5m8ZrC0yM7pN1h2Fv4sT9uQe6A=';
const OTHER_SECRET = Buffer.from('a-renewed-webhook-secret').toString('base64');
const BODY = Buffer.from(
  '{"type":"feeds","event":"started","timestamp":1638463486489,"data":{"feedId":"369e4a86-f937-4254-bd9f-99dc484d2bd6","accountId":"ZG6NWV","name":"sample_stream","streamId":"ZG6NWV/sample_stream","started":1638463486359,"active":true}}',
);
/** Computed once with Millicast's sample code (below) and pinned, so a change of scheme cannot go unnoticed. */
const BODY_SIGNATURE = 'sha1=2e54c0633281c7c6e9c31021143c57777447e43e';

/** Millicast's published sample, verbatim apart from names. */
function millicastSample(body: Buffer | string, webhookSecret: string): string {
  const webhookSecretBuffer = Buffer.from(webhookSecret, 'base64');
  return 'sha1=' + createHmac('sha1', webhookSecretBuffer).update(body).digest('hex');
}

function guard(secrets = SECRET): MillicastSignatureGuard {
  return new MillicastSignatureGuard(loadConfig({ MILLICAST_WEBHOOK_SECRETS: secrets }));
}

describe('Millicast signature', () => {
  it('computes HMAC-SHA1 as the widely published test vector says', () => {
    expect(
      hmac('sha1', Buffer.from('key'), 'The quick brown fox jumps over the lazy dog').toString('hex'),
    ).toBe('de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9');
  });

  it('matches the pinned vector made with the sample code', () => {
    expect(millicastSample(BODY, SECRET)).toBe(BODY_SIGNATURE);
  });

  it('accepts the signature Millicast computes (base64-decoded secret, sha1= + hex)', () => {
    expect(guard().canActivate(requestContext({ 'X-Millicast-Signature': BODY_SIGNATURE }, BODY))).toBe(true);
  });

  it('accepts the signature of a JPEG thumbnail body (binary bytes)', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x80, 0xff, 0xd9]);
    expect(
      guard().canActivate(requestContext({ 'x-millicast-signature': millicastSample(jpeg, SECRET) }, jpeg)),
    ).toBe(true);
  });

  it('accepts upper-case hex and surrounding spaces', () => {
    const upper = 'sha1=' + BODY_SIGNATURE.slice(5).toUpperCase();
    expect(guard().canActivate(requestContext({ 'x-millicast-signature': ` ${upper} ` }, BODY))).toBe(true);
  });

  it('refuses a signature made with the raw (not base64-decoded) secret', () => {
    const rawKeyed = 'sha1=' + createHmac('sha1', SECRET).update(BODY).digest('hex');
    expect(rawKeyed).not.toBe(BODY_SIGNATURE);
    expect(
      refusal(() => guard().canActivate(requestContext({ 'x-millicast-signature': rawKeyed }, BODY))),
    ).toBe('signature-mismatch');
  });

  it('tries every configured secret, so a renewed secret and the previous one both pass', () => {
    const g = guard(`${OTHER_SECRET},${SECRET}`);
    expect(g.canActivate(requestContext({ 'x-millicast-signature': BODY_SIGNATURE }, BODY))).toBe(true);
    expect(
      g.canActivate(requestContext({ 'x-millicast-signature': millicastSample(BODY, OTHER_SECRET) }, BODY)),
    ).toBe(true);
  });

  it('refuses a secret that was removed from the configuration', () => {
    expect(
      refusal(() =>
        guard(OTHER_SECRET).canActivate(requestContext({ 'x-millicast-signature': BODY_SIGNATURE }, BODY)),
      ),
    ).toBe('signature-mismatch');
  });

  it('refuses a body changed after signing', () => {
    const tampered = Buffer.from(BODY.toString().replace('"active":true', '"active":false'));
    expect(
      refusal(() =>
        guard().canActivate(requestContext({ 'x-millicast-signature': BODY_SIGNATURE }, tampered)),
      ),
    ).toBe('signature-mismatch');
  });

  it.each<[string, Record<string, string | string[]>, string]>([
    ['no header', {}, 'signature-missing'],
    ['an empty header', { 'x-millicast-signature': '' }, 'signature-missing'],
    [
      'a repeated header',
      { 'x-millicast-signature': [BODY_SIGNATURE, BODY_SIGNATURE] },
      'signature-malformed',
    ],
    [
      'two values folded into one header',
      { 'x-millicast-signature': `${BODY_SIGNATURE}, ${BODY_SIGNATURE}` },
      'signature-malformed',
    ],
    ['no sha1= prefix', { 'x-millicast-signature': BODY_SIGNATURE.slice(5) }, 'signature-malformed'],
    [
      'another algorithm',
      { 'x-millicast-signature': `sha256=${BODY_SIGNATURE.slice(5)}` },
      'signature-malformed',
    ],
    ['non-hex digits', { 'x-millicast-signature': `sha1=${'z'.repeat(40)}` }, 'signature-malformed'],
    [
      'a digest one byte short',
      { 'x-millicast-signature': BODY_SIGNATURE.slice(0, -2) },
      'signature-malformed',
    ],
    ['a SHA-256 sized digest', { 'x-millicast-signature': `sha1=${'a'.repeat(64)}` }, 'signature-malformed'],
    [
      'a valid-looking digest of something else',
      { 'x-millicast-signature': `sha1=${'0'.repeat(40)}` },
      'signature-mismatch',
    ],
  ])('refuses %s with 401 %s', (_name, headers, code) => {
    expect(refusal(() => guard().canActivate(requestContext(headers, BODY)))).toBe(code);
  });

  it('refuses everything when no secret is configured', () => {
    const g = new MillicastSignatureGuard(loadConfig({}));
    expect(
      refusal(() => g.canActivate(requestContext({ 'x-millicast-signature': BODY_SIGNATURE }, BODY))),
    ).toBe('provider-disabled');
  });

  it('keys the HMAC with the decoded secret bytes', () => {
    expect(loadConfig({ MILLICAST_WEBHOOK_SECRETS: SECRET }).providers.millicast.keys).toEqual([
      Buffer.from(SECRET, 'base64'),
    ]);
    expect(() =>
      verifyMillicastSignature(BODY_SIGNATURE, BODY, [Buffer.from(SECRET, 'base64')]),
    ).not.toThrow();
  });
});
