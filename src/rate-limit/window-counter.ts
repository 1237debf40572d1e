/**
 * Counts events per key in fixed windows, in memory (each instance counts on its own). Hand-written rather
 * than @nestjs/throttler's storage because callers must ask "is this key over its budget?" without
 * counting a hit, count only some outcomes (a failed authentication, a delivery), or count bytes; the
 * storage only offers increment-and-check by one. Expired windows are dropped as keys are counted, so memory follows the keys
 * seen within one window.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  private nextSweepAt = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Seconds until `key` may be counted again, or 0 when it is within its budget. */
  blockedForSeconds(key: string, nowMs = Date.now()): number {
    const window = this.windows.get(key);
    if (window === undefined || window.endsAt <= nowMs || window.count < this.limit) return 0;
    return Math.max(1, Math.ceil((window.endsAt - nowMs) / 1000));
  }

  /** Counts one event for `key`. */
  hit(key: string, nowMs = Date.now()): void {
    this.add(key, 1, nowMs);
  }

  /** Counts `amount` for `key` when it fits in what is left of its budget; says whether it did. */
  take(key: string, amount: number, nowMs = Date.now()): boolean {
    const window = this.windows.get(key);
    const used = window === undefined || window.endsAt <= nowMs ? 0 : window.count;
    if (used + amount > this.limit) return false;
    this.add(key, amount, nowMs);
    return true;
  }

  private add(key: string, amount: number, nowMs: number): void {
    this.sweep(nowMs);
    const window = this.windows.get(key);
    if (window === undefined || window.endsAt <= nowMs) {
      this.windows.set(key, { count: amount, endsAt: nowMs + this.windowMs });
    } else {
      window.count += amount;
    }
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepAt) return;
    this.nextSweepAt = nowMs + this.windowMs;
    for (const [key, window] of this.windows) if (window.endsAt <= nowMs) this.windows.delete(key);
  }
}
