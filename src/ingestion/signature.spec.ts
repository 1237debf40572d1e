import { hmac, matchesAnyKey } from 'src/ingestion/signature';

describe('matchesAnyKey', () => {
  const data = Buffer.from('{"sessionId":"s"}');
  const mac = (key: Buffer) => hmac('sha256', key, data);

  it('never matches under an empty key, even when the MAC was made with one', () => {
    const empty = Buffer.alloc(0);
    expect(matchesAnyKey([empty], mac(empty), mac)).toBe(false);
  });

  it('matches under any one of several keys, skipping an empty one', () => {
    const key = Buffer.from('a-key-of-sixteen-bytes');
    expect(matchesAnyKey([Buffer.alloc(0), key], mac(key), mac)).toBe(true);
    expect(matchesAnyKey([key], mac(Buffer.from('another-key')), mac)).toBe(false);
  });
});
