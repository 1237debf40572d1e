import { storableJson, storableText } from 'src/ingestion/storable-json';

describe('storableJson', () => {
  it.each([
    ['a NUL character', { detail: 'a\u0000b' }, '{"detail":"a\uFFFDb"}'],
    ['an unpaired high surrogate', { detail: 'x\ud800y' }, '{"detail":"x\uFFFDy"}'],
    ['an unpaired low surrogate', { detail: '\udc00' }, '{"detail":"\uFFFD"}'],
    ['a NUL character in a key', { 'k\u0000': 1 }, '{"k\uFFFD":1}'],
    [
      'nested strings',
      { errors: [{ path: 'a', message: '\u0000' }] },
      '{"errors":[{"path":"a","message":"\uFFFD"}]}',
    ],
  ])('replaces %s with U+FFFD', (_name, value, expected) => {
    expect(storableJson(value)).toBe(expected);
  });

  it('keeps valid Unicode, surrogate pairs and escaped backslashes as they are', () => {
    const value = { text: 'Zürich 🎥 \\u0000 東京' };
    expect(storableJson(value)).toBe(JSON.stringify(value));
    expect(storableText('🎥')).toBe('🎥');
  });
});
