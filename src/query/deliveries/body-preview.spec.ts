import { bodyPreview, visibleHeaders } from 'src/query/deliveries/body-preview';
import 'src/providers/providers';

describe('bodyPreview', () => {
  it.each([
    ['a JSON body as text', '{"a":1}', 7, '{"a":1}'],
    ['a token value redacted', '{"token":"1714564800|abc","x":1}', 31, '{"token":"[redacted]","x":1}'],
    [
      'credential-like keys in any case',
      '{"Secret": "s", "api_key":"k", "password" : "p\\"q"}',
      50,
      '{"Secret": "[redacted]", "api_key":"[redacted]", "password" : "[redacted]"}',
    ],
    ['a token cut off by the preview limit', '{"a":1,"token":"17145648', 4096, '{"a":1,"token":"[redacted]"'],
    ['numbers under credential-like keys kept', '{"token":5}', 11, '{"token":5}'],
  ])('shows %s', (_name, text, size, expected) => {
    expect(bodyPreview(Buffer.from(text), size)).toBe(expected);
  });

  it('drops a multi-byte character cut by the limit instead of refusing the text', () => {
    const prefix = Buffer.from('{"a":"é', 'utf8').subarray(0, 7); // é cut after its first byte
    expect(bodyPreview(prefix, 4096)).toBe('{"a":"');
  });

  it('refuses invalid UTF-8 in a body that was not cut', () => {
    expect(bodyPreview(Buffer.from([0x7b, 0xc3]), 2)).toBeNull();
  });

  it.each([
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
    ['text with NUL bytes', Buffer.from('a\u0000b')],
    ['an empty body', Buffer.alloc(0)],
  ])('shows nothing for %s', (_name, body) => {
    expect(bodyPreview(body, body.length)).toBeNull();
  });
});

describe('visibleHeaders', () => {
  it('drops signature, MAC and credential headers and keeps the rest', () => {
    expect(
      visibleHeaders({
        'content-type': 'application/json',
        'x-millicast-signature': 'sha1=00',
        'x-wms-content-mac': 'hmac-sha256=00',
        'X-Other-Signature': 'x',
        authorization: 'Bearer x',
        'x-millicast-feed-id': 'feed-1',
      }),
    ).toEqual({ 'content-type': 'application/json', 'x-millicast-feed-id': 'feed-1' });
  });
});
