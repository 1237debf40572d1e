import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { invalidParameter } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { decodeCursor } from 'src/query/cursor';
import type { EventFeedQueryDto } from 'src/query/events/events.dto';
import { EventsService } from 'src/query/events/events.service';

/** Events read per feed query. */
export const PAGE = 200;
/** How often a caught-up stream asks the feed for news. */
const POLL_MS = 500;
/**
 * The bounded buffer per client: no next page is read while more than this is waiting for a slow client;
 * a client that does not take it within EVENTS_STREAM_DRAIN_TIMEOUT_SECONDS is disconnected (it resumes
 * with Last-Event-ID).
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;

export type EventStreamQuery = Omit<EventFeedQueryDto, 'limit'>;

/**
 * `GET /api/events/stream`: the events feed as Server-Sent Events. Each event's `id` is its feed cursor, so
 * a reconnecting client (Last-Event-ID) continues exactly where it stopped, with the feed's guarantee that
 * no event that commits late is skipped. The stream reads the feed at the client's pace (the next page only
 * once the last one left the buffer), polls it when caught up, and sends a heartbeat comment when idle.
 */
@Injectable()
export class EventStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamService.name);
  private readonly open = new Set<Response>();
  private readonly heartbeatMs: number;
  private readonly drainTimeoutMs: number;

  constructor(
    private readonly events: EventsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.heartbeatMs = config.eventsStreamHeartbeatSeconds * 1000;
    this.drainTimeoutMs = config.eventsStreamDrainTimeoutSeconds * 1000;
  }

  /** Validates the start position; throws (a 400, before anything is sent) when it is not a feed cursor. */
  startCursor(query: EventStreamQuery, lastEventId: string | undefined): string | undefined {
    if (lastEventId === undefined || lastEventId === '') return query.cursor;
    try {
      decodeCursor('events', lastEventId, ['bigint', 'bigint']);
    } catch {
      throw invalidParameter('Last-Event-ID', 'Last-Event-ID is not the id of an event of this stream.');
    }
    return lastEventId;
  }

  async stream(res: Response, query: EventStreamQuery, cursor: string | undefined) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: pass each event on at once
    res.flushHeaders();
    this.open.add(res);
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    let lastWrite = Date.now();
    const send = (text: string) => {
      res.write(text);
      lastWrite = Date.now();
    };
    send('retry: 2000\n\n');
    try {
      while (!closed.signal.aborted) {
        const entries = await this.events.feedEntries({ ...query, cursor, limit: PAGE });
        if (closed.signal.aborted) break;
        for (const { item, cursor: id } of entries) {
          send(`id: ${id}\nevent: event\ndata: ${JSON.stringify(item)}\n\n`);
          cursor = id;
        }
        if (
          res.writableLength > MAX_BUFFERED_BYTES &&
          !(await drained(res, closed.signal, this.drainTimeoutMs))
        ) {
          this.logger.warn('event stream client too slow: disconnected (it resumes with Last-Event-ID)');
          // Not end(): that waits for the client to take the buffer, holding it and the connection for good.
          res.destroy();
          break;
        }
        if (entries.length === PAGE) continue;
        if (Date.now() - lastWrite >= this.heartbeatMs) send(': heartbeat\n\n');
        await sleep(Math.min(POLL_MS, this.heartbeatMs), closed.signal);
      }
    } catch (err) {
      // Headers are sent: the client sees the stream end and reconnects with Last-Event-ID.
      this.logger.warn(`event stream stopped: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.open.delete(res);
      if (!res.destroyed) res.end();
    }
  }

  /** Ends open streams so that closing the HTTP server does not wait for clients that never leave. */
  beforeApplicationShutdown(): void {
    for (const res of this.open) res.end();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * True once the buffer drained, false when the client did not take it in time or left. A timer of its own:
 * AbortSignal.any() holds an AbortSignal.timeout() so weakly that a garbage collection can cancel it.
 */
function drained(res: Response, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onDrain = () => done(true);
    const onAbort = () => done(false);
    res.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
    function done(ok: boolean) {
      clearTimeout(timer);
      res.off('drain', onDrain);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    }
  });
}
