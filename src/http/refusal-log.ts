import type { Request, Response } from 'express';
import type { Logger } from 'pino';

/** A refusal: a 4xx that stored nothing (a rejected delivery is stored, so it is logged as a request). */
export const isRefusal = (req: Request, res: Response): boolean =>
  res.statusCode >= 400 && res.statusCode < 500 && req.outcome !== 'rejected';

interface Tally {
  status: number;
  route: string;
  /** Refusals since the last line written for this (source, reason). */
  count: number;
  sampleRequestId: string | undefined;
}

/**
 * Refused requests are counted, not logged one by one: a flood of forged requests would otherwise write a
 * line per request, costing about as much CPU as refusing them and telling an operator nothing the
 * counters do not. The first refusal of each (source, reason) is logged in full; after that, at most one
 * summary line per (source, reason) per interval gives the count and one request id to look for. A kind
 * that stays quiet for a whole interval is forgotten, so its next refusal is logged in full again.
 */
export class RefusalLog {
  private readonly tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  record(source: string, reason: string, status: number, route: string, requestId: string | undefined): void {
    const key = `${source} ${reason}`;
    const tally = this.tallies.get(key);
    if (tally !== undefined) {
      if (tally.count++ === 0) tally.sampleRequestId = requestId;
      return;
    }
    this.tallies.set(key, { status, route, count: 0, sampleRequestId: undefined });
    this.logger.info(
      { source, reason, status, route, requestId, summaryIntervalMs: this.intervalMs },
      'request refused; more of this kind are summarised once per interval',
    );
    if (this.timer === null) {
      this.timer = setInterval(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes one summary line per kind refused since the last one; forgets the kinds that stayed quiet. */
  flush(): void {
    for (const [key, tally] of this.tallies) {
      if (tally.count === 0) {
        this.tallies.delete(key);
        continue;
      }
      const [source, reason] = key.split(' ');
      this.logger.info(
        {
          source,
          reason,
          status: tally.status,
          route: tally.route,
          count: tally.count,
          sampleRequestId: tally.sampleRequestId,
          intervalMs: this.intervalMs,
        },
        'requests refused since the last line',
      );
      tally.count = 0;
      tally.sampleRequestId = undefined;
    }
    if (this.tallies.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Writes what is pending and stops the timer (the server is closing). */
  close(): void {
    this.flush();
    this.tallies.clear();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
