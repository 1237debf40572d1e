import { RefusalDelay } from 'src/http/refusal-delay';

/** How many of `count` refusals arriving at once are answered at once. */
function promptOf(delay: RefusalDelay, count: number): number {
  let prompt = 0;
  for (let i = 0; i < count; i++) if (delay.prompt()) prompt++;
  return prompt;
}

describe('RefusalDelay', () => {
  it('answers a burst at once only up to a tenth of a second of its budget', () => {
    const delay = new RefusalDelay(200, 1_000, undefined, () => 0);
    expect(promptOf(delay, 1_000)).toBe(20);
  });

  it('spreads its prompt answers evenly over the second instead of spending them at its start', () => {
    let now = 0;
    const delay = new RefusalDelay(200, 1_000, undefined, () => now);
    const perTick: number[] = [];
    // A flood that never stops: 50 refusals every 10 ms for one second.
    for (let tick = 0; tick < 100; tick++) {
      perTick.push(promptOf(delay, 50));
      now += 10;
    }
    // The first tick takes the bucket's 20, then 2 per 10 ms: 218 in the second, never a burst again.
    expect(perTick[0]).toBe(20);
    expect(perTick.slice(1).every((n) => n === 2)).toBe(true);
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(218);
  });

  it('refills to its capacity after a quiet spell, and no further', () => {
    let now = 0;
    const delay = new RefusalDelay(200, 1_000, undefined, () => now);
    expect(promptOf(delay, 1_000)).toBe(20);
    now += 60_000;
    expect(promptOf(delay, 1_000)).toBe(20);
  });

  it('answers at least one refusal at once however small the budget', () => {
    let now = 0;
    const delay = new RefusalDelay(2, 3_000, undefined, () => now);
    expect(promptOf(delay, 10)).toBe(1);
    now += 500;
    expect(promptOf(delay, 10)).toBe(1);
  });

  it('tells of each refusal that waits, and of no other', () => {
    jest.useFakeTimers();
    try {
      let delayed = 0;
      let answered = 0;
      const delay = new RefusalDelay(
        20,
        1_000,
        () => delayed++,
        () => 0,
      );
      for (let i = 0; i < 10; i++) delay.answer(() => answered++);
      expect({ answered, delayed }).toEqual({ answered: 2, delayed: 8 });
      jest.advanceTimersByTime(1_000);
      expect(answered).toBe(10);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers every refusal at once when the delay is off', () => {
    expect(promptOf(new RefusalDelay(200, 0, undefined, () => 0), 1_000)).toBe(1_000);
  });
});
