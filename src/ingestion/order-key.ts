/**
 * A byte-sortable text that totally orders a provider's events: provider time (ms), then the provider's
 * sequence, then the idempotency key as a tie-breaker. Compared with COLLATE "C" in SQL, so that any
 * permutation of the same events folds to the same state.
 */
export function orderKey(
  occurredAt: Date,
  sequence: number | null | undefined,
  idempotencyKey: string,
): string {
  const ms = Math.max(0, occurredAt.getTime());
  const seq = Math.max(0, Math.trunc(sequence ?? 0));
  return `${String(ms).padStart(15, '0')}|${String(seq).padStart(20, '0')}|${idempotencyKey}`;
}
