import { WindowCounter } from 'src/rate-limit/window-counter';

/**
 * Slows a flood down without spending CPU on it: beyond `perSecond` refusals in a second (all sources
 * together), each further refusal is answered only after `delayMs`. A flooding client waits on every
 * connection it has, so a closed-loop flood is held to (its connections / delay) requests a second, while
 * the event loop stays free for genuine deliveries. Only refusals wait: a genuine delivery is never delayed,
 * whoever else shares its address or proxy, which is why this is not keyed on the client address.
 */
export class RefusalDelay {
  private readonly counter: WindowCounter | null;

  constructor(
    perSecond: number,
    private readonly delayMs: number,
  ) {
    this.counter = perSecond > 0 && delayMs > 0 ? new WindowCounter(perSecond, 1_000) : null;
  }

  /** Calls `answer` now, or after the delay when this second's budget of prompt refusals is spent. */
  answer(answer: () => void): void {
    if (this.counter === null) return answer();
    if (this.counter.blockedForSeconds('') === 0) {
      this.counter.hit('');
      return answer();
    }
    setTimeout(answer, this.delayMs).unref();
  }
}
