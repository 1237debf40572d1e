import { progressBar, progressLine } from 'src/replay/progress-bar';
import type { ReplaySummary } from 'src/replay/replay';

const summary = (selected: number, accepted = 0): ReplaySummary => ({
  selected,
  accepted,
  duplicate: 0,
  rejected: 0,
  failed: 0,
  skipped: 0,
});

describe('replay progress', () => {
  it.each([
    [0, 10, '[------------------------]   0% 0/10'],
    [5, 10, '[############------------]  50% 5/10'],
    [10, 10, '[########################] 100% 10/10'],
    [0, 0, '[########################] 100% 0/0'],
  ])('draws %i of %i as a bar', (done, total, bar) => {
    expect(progressLine(done, summary(total, done))).toBe(
      `${bar}  accepted ${done}  duplicate 0  rejected 0  failed 0  skipped 0`,
    );
  });

  it('writes one line per tenth of the work when stderr is not a terminal', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const update = progressBar(stream);
    for (let done = 0; done <= 100; done++) update(done, summary(100, done));
    expect(lines).toHaveLength(11);
    expect(lines[10]).toContain('100% 100/100');
  });

  it('redraws one line in place on a terminal and ends it when done', () => {
    const writes: string[] = [];
    const stream = { isTTY: true, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const update = progressBar(stream);
    update(1, summary(2, 1));
    update(2, summary(2, 2));
    expect(writes[0].startsWith('\r[')).toBe(true);
    expect(writes[0].endsWith('\n')).toBe(false);
    expect(writes[1].endsWith('\n')).toBe(true);
  });
});
