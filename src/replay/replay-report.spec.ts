import type { ReplaySummary } from 'src/replay/replay';
import { replayCounts, summaryText } from 'src/replay/replay-report';

const summary: ReplaySummary = { selected: 6, accepted: 2, duplicate: 1, rejected: 1, failed: 1, skipped: 1 };

describe('replay report', () => {
  it('labels the progress bar with every count', () => {
    expect(replayCounts(summary)).toBe('accepted 2  duplicate 1  rejected 1  failed 1  skipped 1');
  });

  it('says whether anything was written', () => {
    expect(summaryText(summary, true)).toMatch(/^6 deliveries checked \(dry run: nothing written\):/);
    expect(summaryText(summary, false)).toMatch(/^6 deliveries replayed:/);
  });
});
