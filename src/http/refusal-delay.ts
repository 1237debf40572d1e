/**
 * Slows a flood down without spending CPU on it: refusals (all sources together) are answered at once at up to
 * `perSecond` a second; beyond, each further refusal is answered only after `delayMs`. A flooding client waits on
 * every connection it has, so a closed-loop flood is held to (its connections / delay) requests a second, while
 * the event loop stays free for genuine deliveries. Only refusals wait: a genuine delivery is never delayed,
 * whoever else shares its address or proxy, which is why this is not keyed on the client address.
 *
 * The prompt answers come from a token bucket refilled evenly, holding at most a tenth of a second's worth. A
 * budget counted in fixed one-second windows would answer a flood's first `perSecond` refusals of every second
 * in one burst, and such a burst holds genuine deliveries back for a hundred milliseconds or more each second.
 * The bucket is these few lines rather than a rate-limiting library because nothing is keyed or stored.
 */
export class RefusalDelay {
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly delayMs: number,
    /** Told of each refusal that waits (the metric of delayed refusals). */
    private readonly onDelayed: () => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, Math.ceil(perSecond / 10));
    this.tokens = this.capacity;
    this.refilledAt = now();
  }

  /** Whether a refusal may be answered now; counts it when it may. */
  prompt(): boolean {
    if (this.delayMs === 0) return true;
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Calls `answer` now, or after the delay when the prompt budget is spent. */
  answer(answer: () => void): void {
    if (this.prompt()) return answer();
    this.onDelayed();
    setTimeout(answer, this.delayMs).unref();
  }
}
