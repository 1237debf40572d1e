/** `[##########..........]  12/40  label`: a text progress bar of `width` cells. */
export function progressBar(done: number, total: number, label: string, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const count = `${String(done).padStart(String(total).length)}/${total}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}  ${label}`;
}
