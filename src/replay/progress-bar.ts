import type { ReplaySummary } from 'src/replay/replay';

/** `[########------------]  40% 4/10  accepted 3  duplicate 0  rejected 1  failed 0  skipped 0` */
export function progressLine(done: number, summary: ReplaySummary, width = 24): string {
  const total = summary.selected;
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const counts = (['accepted', 'duplicate', 'rejected', 'failed', 'skipped'] as const)
    .map((k) => `${k} ${summary[k]}`)
    .join('  ');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${done}/${total}  ${counts}`;
}

/**
 * A text progress bar on a stream (stderr): redrawn in place on a terminal; on a pipe or log file, one
 * line per tenth of the work, so logs stay short.
 */
export function progressBar(stream: NodeJS.WriteStream): (done: number, summary: ReplaySummary) => void {
  let lastTenth = -1;
  return (done, summary) => {
    const finished = done >= summary.selected;
    if (stream.isTTY) {
      stream.write(`\r${progressLine(done, summary)}${finished ? '\n' : ''}`);
      return;
    }
    const tenth = summary.selected === 0 ? 10 : Math.floor((done * 10) / summary.selected);
    if (tenth === lastTenth && !finished) return;
    if (finished && lastTenth === 10) return;
    lastTenth = finished ? 10 : tenth;
    stream.write(`${progressLine(done, summary)}\n`);
  };
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
