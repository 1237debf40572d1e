import { createHmac } from 'node:crypto';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { hmac } from 'src/ingestion/signature';
import { WmsSignatureGuard } from 'src/providers/wms/wms-signature.guard';
import { refusal, requestContext } from '../../../test/support/guard-context';

const SECRET = 'wms-mac-secret-current';
const BODY = Buffer.from(
  '{"timestamp":1689684577,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}',
);
const sign = (body: Buffer | string, secret: string | Buffer = SECRET) =>
  'hmac-sha256=' + createHmac('sha256', secret).update(body).digest('hex');

/** The documented sample verbatim: `hmac.update(requestBody.toString(), 'ascii')`. */
const sampleSign = (body: Buffer) =>
  'hmac-sha256=' + createHmac('sha256', SECRET).update(body.toString(), 'ascii').digest('hex');

function guard(env: Record<string, string> = {}): WmsSignatureGuard {
  return new WmsSignatureGuard(loadConfig({ WMS_MAC_SECRETS: SECRET, ...env }));
}

describe('WmsSignatureGuard', () => {
  it('accepts the MAC computed as the WMS docs compute it', () => {
    expect(guard().canActivate(requestContext({ 'X-WMS-Content-MAC': sign(BODY) }, BODY))).toBe(true);
  });

  it('computes HMAC-SHA256 as the published test vector says', () => {
    // The widely published HMAC-SHA256 vector, so the scheme is pinned independently of our own helper.
    const mac = hmac('sha256', Buffer.from('key'), 'The quick brown fox jumps over the lazy dog').toString(
      'hex',
    );
    expect(mac).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });

  it('accepts the MAC in upper-case hex', () => {
    const mac = createHmac('sha256', SECRET).update(BODY).digest('hex').toUpperCase();
    expect(guard().canActivate(requestContext({ 'x-wms-content-mac': `hmac-sha256=${mac}` }, BODY))).toBe(
      true,
    );
  });

  it('tries every configured secret, so a rotation keeps both valid', () => {
    const g = guard({ WMS_MAC_SECRETS: `new-secret-value,${SECRET}` });
    expect(g.canActivate(requestContext({ 'x-wms-content-mac': sign(BODY) }, BODY))).toBe(true);
    expect(g.canActivate(requestContext({ 'x-wms-content-mac': sign(BODY, 'new-secret-value') }, BODY))).toBe(
      true,
    );
  });

  it('uses a base64-decoded secret when configured so', () => {
    const raw = Buffer.from('binary-secret-bytes-0123');
    const g = guard({ WMS_MAC_SECRETS: raw.toString('base64'), WMS_MAC_SECRET_ENCODING: 'base64' });
    expect(g.canActivate(requestContext({ 'x-wms-content-mac': sign(BODY, raw) }, BODY))).toBe(true);
    expect(
      refusal(() =>
        g.canActivate(requestContext({ 'x-wms-content-mac': sign(BODY, raw.toString('base64')) }, BODY)),
      ),
    ).toBe('signature-mismatch');
  });

  it('accepts a non-ASCII body signed the way the documented sample hashes it', () => {
    const body = Buffer.from('{"sessionId":"é"}');
    expect(sampleSign(body)).not.toBe(sign(body));
    expect(guard().canActivate(requestContext({ 'x-wms-content-mac': sampleSign(body) }, body))).toBe(true);
    expect(guard().canActivate(requestContext({ 'x-wms-content-mac': sign(body) }, body))).toBe(true);
  });

  // Each forged body is refused under the MAC of a genuine one that the lenient check let it borrow.
  const victim = '{"sessionId":"victim","sequence":0,"event":"WMS_LOADED","severity":"INFO"}';
  const accented = Buffer.from('{"sessionId":"é"}');
  it.each([
    [
      'ASCII characters swapped for U+01xx ones with the same low byte ("ŶũţŴũŭ" for "victim")',
      Buffer.from(victim.replace('victim', 'ŶũţŴũŭ')),
      sign(victim),
    ],
    [
      'the mojibake "Ã©" of a raw-signed "é" (its sample form is the raw bytes of "é")',
      Buffer.from(accented.toString('latin1'), 'utf8'),
      sign(accented),
    ],
    [
      'the Latin-1 bytes of a sample-signed "é" (a WMS body is UTF-8)',
      Buffer.from(accented.toString(), 'latin1'),
      sampleSign(accented),
    ],
    [
      'a sample-form MAC over characters above U+00FF (not one-to-one)',
      Buffer.from('{"sessionId":"Ŷ"}'),
      sampleSign(Buffer.from('{"sessionId":"Ŷ"}')),
    ],
  ])('refuses %s', (_what, forged, mac) => {
    expect(refusal(() => guard().canActivate(requestContext({ 'x-wms-content-mac': mac }, forged)))).toBe(
      'signature-mismatch',
    );
  });

  it('still accepts a raw-signed body with characters above U+00FF', () => {
    const body = Buffer.from('{"sessionId":"Ŷ"}');
    expect(guard().canActivate(requestContext({ 'x-wms-content-mac': sign(body) }, body))).toBe(true);
  });

  it.each([
    ['a missing header', {}, 'signature-missing'],
    ['a repeated header', { 'x-wms-content-mac': [sign(BODY), sign(BODY)] }, 'signature-malformed'],
    [
      'a wrong prefix',
      { 'x-wms-content-mac': sign(BODY).replace('hmac-sha256=', 'sha256=') },
      'signature-malformed',
    ],
    ['non-hex characters', { 'x-wms-content-mac': 'hmac-sha256=' + 'z'.repeat(64) }, 'signature-malformed'],
    ['a truncated MAC', { 'x-wms-content-mac': sign(BODY).slice(0, -2) }, 'signature-malformed'],
    ['an oversized MAC', { 'x-wms-content-mac': sign(BODY) + 'ab'.repeat(1000) }, 'signature-malformed'],
    ['another secret', { 'x-wms-content-mac': sign(BODY, 'some-other-secret') }, 'signature-mismatch'],
  ])('refuses %s with 401 %s', (_what, headers, code) => {
    expect(refusal(() => guard().canActivate(requestContext(headers as Record<string, string>, BODY)))).toBe(
      code,
    );
  });

  it('refuses a body altered by one byte', () => {
    const altered = Buffer.from(BODY);
    altered[10] ^= 1;
    expect(
      refusal(() => guard().canActivate(requestContext({ 'x-wms-content-mac': sign(BODY) }, altered))),
    ).toBe('signature-mismatch');
  });

  it('refuses everything when no secret is configured', () => {
    const g = new WmsSignatureGuard(loadConfig({}));
    expect(refusal(() => g.canActivate(requestContext({ 'x-wms-content-mac': sign(BODY) }, BODY)))).toBe(
      'provider-disabled',
    );
  });
});
