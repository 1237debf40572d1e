import { createHmac } from 'node:crypto';
import { loadConfig } from 'src/config/app-config';
import { hmac } from 'src/ingestion/signature';
import { WmsSignatureGuard, wmsSampleBytes } from 'src/providers/wms/wms-signature.guard';
import { refusal, requestContext } from '../../../test/support/guard-context';

const SECRET = 'wms-mac-secret-current';
const BODY = Buffer.from(
  '{"timestamp":1689684577,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}',
);
const sign = (body: Buffer | string, secret: string | Buffer = SECRET) =>
  'hmac-sha256=' + createHmac('sha256', secret).update(body).digest('hex');

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
    const raw = Buffer.from('binary-secret-bytes');
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
    const sample = createHmac('sha256', SECRET).update(body.toString(), 'ascii').digest('hex');
    expect(wmsSampleBytes(body).equals(body)).toBe(false);
    expect(guard().canActivate(requestContext({ 'x-wms-content-mac': `hmac-sha256=${sample}` }, body))).toBe(
      true,
    );
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
