import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import type { BenchDelivery, BenchProvider, DeliveryStream } from './bench-deliveries';

/** What one answered request said, kept to check afterwards that every 2xx is stored exactly once. */
export interface Answer {
  delivery: BenchDelivery;
  status: number;
  /** From a 2xx body: `accepted` (a new event) or `duplicate`. */
  outcome?: string;
  deliveryId?: string;
  eventId?: string;
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
      const parsed = JSON.parse(body) as { status?: string; deliveryId?: string; eventId?: string };
      answers.push({
        delivery,
        status,
        outcome: parsed.status,
        deliveryId: parsed.deliveryId === undefined ? undefined : String(parsed.deliveryId),
        eventId: parsed.eventId === undefined ? undefined : String(parsed.eventId),
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
 * as the previous one is answered, for `durationS`. Deliveries are built ahead (`expectedRate` × duration, and
 * more on demand), and each connection takes the next one from the shared list, so none is sent twice.
 */
export async function closedLoop(
  url: string,
  stream: DeliveryStream,
  connections: number,
  durationS: number,
  expectedRate: number,
  answers: Answer[],
): Promise<LoadStats> {
  const ahead = stream.batch(Math.ceil(expectedRate * durationS) + connections);
  let next = 0;
  const from = answers.length;
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    timeout: 10,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const delivery = next < ahead.length ? ahead[next++] : stream.take();
          if (delivery === null) throw new Error('the delivery stream is exhausted');
          context.delivery = delivery;
          return {
            ...req,
            method: 'POST',
            path: delivery.path,
            headers: delivery.headers,
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

/**
 * Open loop at a fixed rate: deliveries are scheduled evenly (`rate` per second) whatever the server does,
 * and each latency is measured from its scheduled time, so a stalled server cannot hide its backlog
 * (no coordinated omission). autocannon's own rate cap sends each second's quota in a burst, which is not
 * what "at half the peak rate" means, hence this small client (node:http, keep-alive, up to
 * `maxConnections` sockets).
 */
export async function openLoop(
  url: string,
  stream: DeliveryStream,
  rate: number,
  durationS: number,
  maxConnections: number,
  answers: Answer[],
): Promise<LoadStats> {
  const total = Math.floor(rate * durationS);
  const ahead = stream.batch(total);
  const agent = new Agent({ keepAlive: true, maxSockets: maxConnections });
  const target = new URL(url);
  const latencies: number[] = [];
  const from = answers.length;
  let errors = 0;
  let done = 0;
  const started = performance.now();

  await new Promise<void>((resolve) => {
    let sent = 0;
    const finishOne = () => {
      if (++done === ahead.length) resolve();
    };
    const send = (delivery: BenchDelivery, scheduledAt: number) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: delivery.path,
          headers: { ...delivery.headers, 'Content-Length': String(delivery.body.length) },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - scheduledAt);
            record(answers, delivery, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
            finishOne();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        finishOne();
      });
      req.end(delivery.body);
    };
    const tick = () => {
      const due = Math.min(ahead.length, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        send(ahead[sent], started + (sent / rate) * 1000);
        sent++;
      }
      if (sent < ahead.length) setTimeout(tick, 1);
    };
    if (ahead.length === 0) resolve();
    else tick();
  });
  agent.destroy();
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
