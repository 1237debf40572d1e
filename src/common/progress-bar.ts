/** `[##########--------------]  40% 4/10  label`: a text progress bar of `width` cells. */
export function progressLine(done: number, total: number, label: string, width = 24): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${done}/${total}  ${label}`;
}

/**
 * A progress bar on a stream (the command-line tools): redrawn in place on a terminal; on a pipe or log
 * file, one line per tenth of the work (plus any update marked `notable`), so logs stay short.
 */
export function progressBar(
  stream: NodeJS.WriteStream,
): (done: number, total: number, label: string, notable?: boolean) => void {
  let lastTenth = -1;
  return (done, total, label, notable = false) => {
    const finished = done >= total;
    const line = progressLine(done, total, label);
    if (stream.isTTY) {
      const width = stream.columns ? stream.columns - 1 : line.length;
      stream.write(`\r${line.slice(0, width).padEnd(width)}${finished ? '\n' : ''}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (!notable && (tenth === lastTenth || (finished && lastTenth === 10))) return;
    lastTenth = finished ? 10 : tenth;
    stream.write(`${line}\n`);
  };
}
