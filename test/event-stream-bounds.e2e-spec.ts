import type { Socket } from 'node:net';
import { MAX_BUFFERED_BYTES, PAGE } from 'src/query/events/event-stream.service';
import { EventStreamClient } from './support/event-stream-client';
import { startTestApp, TestApp } from './support/test-app';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

const [wms] = WEBHOOK_ROUTES;
/**
 * Deliveries in the burst, and the padding that makes each event about 16 kB: 16 MB in all, far more than
 * the socket buffers of a loopback connection and the service's per-client bound hold together.
 */
const BURST = 1000;
const PADDING = 'x'.repeat(16_000);

/** EVENTS_STREAM_DRAIN_TIMEOUT_SECONDS of the app under test. */
const DRAIN_TIMEOUT_S = 3;
const DRAIN_TIMEOUT_MS = DRAIN_TIMEOUT_S * 1000;

jest.setTimeout(DRAIN_TIMEOUT_MS + 60_000);

/** Resolves once the service closed `socket`; rejects after `timeoutMs`, saying what it still holds. */
function closed(socket: Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      reject(new Error(`not disconnected within ${timeoutMs} ms (${socket.writableLength} bytes held)`));
    }, timeoutMs);
    const onClose = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('close', onClose);
  });
}

/**
 * `GET /api/events/stream` against a client that stops reading: the service holds at most its bound (plus
 * the page being written) for it, cuts it once it has not taken its buffer for DRAIN_TIMEOUT_MS, and the
 * client resumes with Last-Event-ID without a gap; the clients that read get every event meanwhile.
 */
describe('the event stream with a client that stops reading', () => {
  let t: TestApp;
  /** The service's side of each connection, by the client's port. */
  const serverSockets = new Map<number, Socket>();

  beforeAll(async () => {
    t = await startTestApp({ EVENTS_STREAM_DRAIN_TIMEOUT_SECONDS: String(DRAIN_TIMEOUT_S) });
    t.app.getHttpServer().on('connection', (socket: Socket) => serverSockets.set(socket.remotePort!, socket));
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds at most its bound for the slow client, cuts it, and the fast clients get every event', async () => {
    const query = `?provider=wms&since=${new Date(Date.now() - 60_000).toISOString()}`;
    const slow = await EventStreamClient.open(t.baseUrl, query);
    const fast = await Promise.all([1, 2].map(() => EventStreamClient.open(t.baseUrl, query)));
    fast.forEach((c) => c.read());
    const slowSocket = serverSockets.get(slow.localPort)!;
    expect(slowSocket).toBeDefined();
    let mostBuffered = 0;
    const sampler = setInterval(() => {
      mostBuffered = Math.max(mostBuffered, slowSocket.writableLength);
    }, 5);

    let all: string[];
    try {
      const tag = `burst-${Date.now()}`;
      const deliveries = Array.from({ length: BURST }, (_, n) => {
        const event = wms.event(tag, n);
        return wms.signEvent({ ...event, payload: { ...(event.payload ?? {}), padding: PADDING } });
      });
      for (let i = 0; i < BURST; i += 20) {
        const answers = await Promise.all(deliveries.slice(i, i + 20).map((d) => send(t.baseUrl, d)));
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      }

      // The readers get all of it, in the feed's order, while the slow client has read nothing.
      for (const client of fast) {
        await client.waitFor(() => client.eventIds.length >= BURST, `${BURST} events`, 60_000);
      }
      all = fast[0].eventIds;
      expect(fast[1].eventIds).toEqual(all);
      expect(new Set(all).size).toBe(BURST);

      // The slow client is cut once it has left its buffer untaken for DRAIN_TIMEOUT_MS.
      await closed(slowSocket, DRAIN_TIMEOUT_MS + 15_000);
      expect(slow.messages).toEqual([]);
    } finally {
      clearInterval(sampler);
    }

    // Meanwhile the service held no more for it than its bound and the one page it was writing.
    const largestEvent = Math.max(...fast[0].sizes);
    expect(mostBuffered).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(mostBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + PAGE * largestEvent);

    // What reached the slow client is the start of the feed; with Last-Event-ID it gets the rest, no gap.
    slow.read();
    await slow.waitFor(() => slow.ended, 'the end of the cut stream', 15_000);
    const got = slow.eventIds;
    expect(got.length).toBeLessThan(BURST);
    expect(got).toEqual(all.slice(0, got.length));
    const lastId = slow.messages.filter((m) => m.event === 'event').at(-1)?.id;
    const resumed = await EventStreamClient.open(t.baseUrl, query, lastId ? { 'Last-Event-ID': lastId } : {});
    resumed.read();
    await resumed.waitFor(() => resumed.eventIds.length >= BURST - got.length, 'the rest', 60_000);
    expect([...got, ...resumed.eventIds]).toEqual(all);
    for (const client of [...fast, resumed]) client.close();
  });
});
