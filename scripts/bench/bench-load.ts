import autocannon from 'autocannon';
import { connect, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchDelivery, BenchProvider, DeliverySource } from './bench-deliveries';

/**
 * A full collection of the load generator's own heap, run before a clock starts: the generator holds every
 * earlier run's answers until they are checked, and a major collection of that heap during a run (10–20 ms)
 * would delay its sends and show up as the server's latency.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** What one answered request said, kept to check afterwards that every 2xx is stored exactly once. */
export interface Answer {
  delivery: BenchDelivery;
  status: number;
  /** From a 2xx body: `accepted` (stored) or `duplicate` (a copy of a stored one, named by `deliveryId`). */
  outcome?: string;
  deliveryId?: string;
  /** A non-2xx body (first bytes), for the error report. */
  detail?: string;
}

export interface LoadStats {
  /** 2xx answers per second over the measured window. */
  rate: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  p50: number;
  p99: number;
  durationS: number;
  byProvider: Partial<Record<BenchProvider, number>>;
}

function record(answers: Answer[], delivery: BenchDelivery, status: number, body: string): void {
  if (status >= 200 && status < 300) {
    try {
      const parsed = JSON.parse(body) as { status?: string; deliveryId?: string };
      answers.push({
        delivery,
        status,
        outcome: parsed.status,
        deliveryId: parsed.deliveryId === undefined ? undefined : String(parsed.deliveryId),
      });
    } catch {
      answers.push({ delivery, status, detail: body.slice(0, 300) });
    }
  } else {
    answers.push({ delivery, status, detail: body.slice(0, 300) });
  }
}

function byProvider(answers: Answer[], from: number): Partial<Record<BenchProvider, number>> {
  const counts: Partial<Record<BenchProvider, number>> = {};
  for (let i = from; i < answers.length; i++) {
    const a = answers[i];
    if (a.status >= 200 && a.status < 300)
      counts[a.delivery.provider] = (counts[a.delivery.provider] ?? 0) + 1;
  }
  return counts;
}

/**
 * Closed loop with autocannon: `connections` keep-alive connections, each sending its next delivery as soon
 * as the previous one is answered, for `durationS`, or, given `amount`, until that many were answered.
 * Deliveries are built ahead (`expectedRate` × duration, and more on demand), and each connection takes the
 * next one from the shared list, so none is sent twice.
 */
export async function closedLoop(
  url: string,
  stream: DeliverySource,
  connections: number,
  durationS: number,
  expectedRate: number,
  answers: Answer[],
  amount?: number,
): Promise<LoadStats> {
  const ahead = stream.batch(amount ?? Math.ceil(expectedRate * durationS) + connections);
  let next = 0;
  const from = answers.length;
  collectGarbage();
  const result = await autocannon({
    url,
    connections,
    ...(amount === undefined ? { duration: durationS } : { amount }),
    timeout: 10,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          // A fixed amount may be asked for a few more at the end: those repeat the first ones.
          const delivery =
            next < ahead.length
              ? ahead[next++]
              : amount === undefined
                ? stream.take()
                : ahead[next++ % ahead.length];
          if (delivery === null) throw new Error('the delivery stream is exhausted');
          context.delivery = delivery;
          return {
            ...req,
            method: 'POST',
            path: delivery.path,
            // A copy: autocannon adds Content-Length to the object it is given, and deliveries of one
            // scenario share theirs (a later one sent by the open loop would carry it twice).
            headers: { ...delivery.headers },
            body: delivery.body,
          };
        },
        onResponse: (status, body, context) =>
          record(answers, context.delivery as BenchDelivery, status, body),
      },
    ],
  });
  return {
    rate: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    durationS: result.duration,
    byProvider: byProvider(answers, from),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One request's bytes, built before the run: status line, headers and body in a single buffer. */
function requestBytes(host: string, delivery: BenchDelivery): Buffer {
  const head = [`POST ${delivery.path} HTTP/1.1`, `Host: ${host}`];
  for (const [name, value] of Object.entries(delivery.headers)) head.push(`${name}: ${value}`);
  head.push(`Content-Length: ${delivery.body.length}`, '', '');
  return Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), delivery.body]);
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A keep-alive HTTP/1.1 connection that carries one request at a time and reads answers framed by
 * Content-Length (both servers always send it); an answer saying `Connection: close` ends it. Far cheaper per request than node:http's client, which
 * matters here: the load generator shares the machine's two cores with the server and Postgres.
 */
class RawConnection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: ((status: number, body: string) => void) | null = null;
  private fail: ((err: Error) => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  closed = false;
  /** Settles when the TCP connection is established (or failed). */
  readonly ready: Promise<void>;

  constructor(port: number, host: string) {
    this.socket = connect({ port, host, noDelay: true });
    this.ready = new Promise((resolve) => {
      this.socket.once('connect', resolve);
      this.socket.once('close', resolve);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const close = (err: Error) => {
      this.closed = true;
      this.settleError(err);
    };
    this.socket.on('error', close);
    this.socket.on('close', () => close(new Error('connection closed')));
  }

  send(bytes: Buffer, timeoutMs: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.pending = (status, body) => resolve({ status, body });
      this.fail = reject;
      this.timer = setTimeout(() => this.socket.destroy(new Error('timeout')), timeoutMs);
      this.socket.write(bytes);
    });
  }

  private settleError(err: Error): void {
    const fail = this.fail;
    this.clear();
    fail?.(err);
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.pending = null;
    this.fail = null;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) {
      this.socket.destroy(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const end = headEnd + HEAD_END.length + Number(length[1]);
    if (this.buffered.length < end) return;
    const body = this.buffered.toString('utf8', headEnd + HEAD_END.length, end);
    this.buffered = this.buffered.subarray(end);
    // The server closes after this answer: the connection must not carry another request.
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.closed = true;
      this.socket.end();
    }
    const done = this.pending;
    this.clear();
    done?.(status, body);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Open before an open-loop run starts: more than it keeps busy at half the peak (~10 in flight). */
const PREOPENED_CONNECTIONS = 16;

/**
 * Open loop at a fixed rate: deliveries are scheduled evenly (`rate` per second) whatever the server does,
 * and each latency is measured from its scheduled time, so a stalled server cannot hide its backlog
 * (no coordinated omission). Given several URLs, each delivery goes to every one of them at its time (two
 * instances receiving the same deliveries), and every answer counts. autocannon's own rate cap sends each second's quota in a burst, which is not
 * what "at half the peak rate" means, hence this small client: keep-alive connections (up to
 * `maxConnections`, 16 opened before the run and more as needed), one request in flight on each, requests
 * serialized before the run.
 */
export async function openLoop(
  urls: string | readonly string[],
  stream: DeliverySource,
  rate: number,
  durationS: number,
  maxConnections: number,
  answers: Answer[],
): Promise<LoadStats> {
  const targets = (typeof urls === 'string' ? [urls] : urls).map((url) => {
    const target = new URL(url);
    return {
      port: Number(target.port),
      hostname: target.hostname,
      host: target.host,
      idle: [] as RawConnection[],
      all: [] as RawConnection[],
    };
  });
  const ahead = stream.batch(Math.floor(rate * durationS));
  const bytes = ahead.map((d) => requestBytes(targets[0].host, d));
  const latencies: number[] = [];
  const from = answers.length;
  const waiting: Array<[number, (typeof targets)[number]]> = [];
  const total = ahead.length * targets.length;
  let errors = 0;
  let done = 0;
  // Connections are opened before the clock starts, as load tools do: the run measures the server at the
  // rate, not a burst of TCP handshakes in its first milliseconds. More are opened if these are all busy.
  for (const target of targets) {
    for (let i = 0; i < Math.min(maxConnections, PREOPENED_CONNECTIONS); i++) {
      const connection = new RawConnection(target.port, target.hostname);
      target.all.push(connection);
      target.idle.push(connection);
    }
  }
  await Promise.all(targets.flatMap((t) => t.all.map((c) => c.ready)));
  collectGarbage();
  const started = performance.now();

  await new Promise<void>((resolve) => {
    let sent = 0;
    const send = (i: number, target: (typeof targets)[number], connection: RawConnection) => {
      connection.send(bytes[i], 10_000).then(
        ({ status, body }) => {
          latencies.push(performance.now() - (started + (i / rate) * 1000));
          record(answers, ahead[i], status, body);
          target.idle.push(connection);
          finishOne();
        },
        () => {
          errors++;
          connection.destroy();
          finishOne();
        },
      );
    };
    const dispatch = () => {
      while (waiting.length > 0) {
        const [i, target] = waiting[0];
        let connection = target.idle.pop();
        while (connection?.closed) connection = target.idle.pop();
        if (connection === undefined) {
          if (target.all.filter((c) => !c.closed).length >= maxConnections) return;
          connection = new RawConnection(target.port, target.hostname);
          target.all.push(connection);
        }
        waiting.shift();
        send(i, target, connection);
      }
    };
    const finishOne = () => {
      if (++done === total) resolve();
      else dispatch();
    };
    const tick = () => {
      const due = Math.min(ahead.length, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        for (const target of targets) waiting.push([sent, target]);
        sent++;
      }
      dispatch();
      if (sent < ahead.length) setTimeout(tick, 1);
    };
    if (ahead.length === 0) resolve();
    else tick();
  });
  for (const target of targets) for (const connection of target.all) connection.destroy();
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = answers.slice(from).filter((a) => a.status >= 200 && a.status < 300).length;
  return {
    rate: ok / elapsed,
    ok,
    non2xx: answers.length - from - ok,
    errors,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    durationS: elapsed,
    byProvider: byProvider(answers, from),
  };
}
