import { progressBar, progressLine } from 'src/common/progress-bar';

const recorder = (isTTY: boolean) => {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 60,
    write: (s: string) => writes.push(s),
  } as unknown as NodeJS.WriteStream;
  return { writes, stream };
};

describe('progress bar', () => {
  it.each([
    [0, 10, '[------------------------]   0% 0/10  x'],
    [5, 10, '[############------------]  50% 5/10  x'],
    [10, 10, '[########################] 100% 10/10  x'],
    [0, 0, '[########################] 100% 0/0  x'],
  ])('draws %i of %i as a bar', (done, total, bar) => {
    expect(progressLine(done, total, 'x')).toBe(bar);
  });

  it('writes one line per tenth of the work when the stream is not a terminal, plus notable updates', () => {
    const { writes, stream } = recorder(false);
    const update = progressBar(stream);
    for (let done = 0; done <= 100; done++) update(done, 100, `step ${done}`, done === 55);
    expect(writes).toHaveLength(12);
    expect(writes.some((w) => w.includes('step 55'))).toBe(true);
    expect(writes[11]).toContain('100% 100/100');
  });

  it('redraws one line in place on a terminal, within its width, and ends it when done', () => {
    const { writes, stream } = recorder(true);
    const update = progressBar(stream);
    update(1, 2, 'a very long label '.repeat(10));
    update(2, 2, 'done');
    expect(writes[0].startsWith('\r[')).toBe(true);
    expect(writes[0]).toHaveLength(1 + 59);
    expect(writes[0].endsWith('\n')).toBe(false);
    expect(writes[1].endsWith('\n')).toBe(true);
  });
});
