import { nestsDeeperThan } from 'src/ingestion/json-depth';

const nest = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('nestsDeeperThan', () => {
  it.each([
    ['32 nested arrays', nest(32), false],
    ['33 nested arrays', nest(33), true],
    ['33 nested objects', '{"a":'.repeat(33) + '1' + '}'.repeat(33), true],
    ['brackets inside a string', `{"a":"${nest(100)}"}`, false],
    ['an escaped quote before brackets in a string', `{"a":"\\"${'['.repeat(100)}"}`, false],
    ['siblings that each stay shallow', `[${Array(100).fill(nest(10)).join(',')}]`, false],
  ])('%s: %s', (_name, text, deeper) => {
    expect(nestsDeeperThan(Buffer.from(text), 32)).toBe(deeper);
  });
});
