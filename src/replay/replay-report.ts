import type { ReplaySummary } from 'src/replay/replay';

/** `accepted 3  duplicate 0  rejected 1  failed 0  skipped 0`: the label of the replay's progress bar. */
export function replayCounts(summary: ReplaySummary): string {
  return (['accepted', 'duplicate', 'rejected', 'failed', 'skipped'] as const)
    .map((k) => `${k} ${summary[k]}`)
    .join('  ');
}

/** The closing summary, for stdout. */
export function summaryText(summary: ReplaySummary, dryRun: boolean): string {
  return [
    `${summary.selected} deliveries ${dryRun ? 'checked (dry run: nothing written)' : 'replayed'}:`,
    `  accepted        ${summary.accepted}   applied now`,
    `  duplicate       ${summary.duplicate}   already on the timeline, linked`,
    `  still rejected  ${summary.rejected}   refused by the current code, kept`,
    `  failed          ${summary.failed}   processing failed, kept`,
    `  skipped         ${summary.skipped}   body purged, or only its preview kept`,
  ].join('\n');
}
