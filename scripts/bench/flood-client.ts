import autocannon from 'autocannon';

/**
 * A load client in a process of its own (so that its CPU is not the measuring client's): runs autocannon
 * with the options given as JSON in argv[2] and prints one JSON line with what it saw. Used by flood.ts.
 */
export interface FloodClientOptions {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
}

export interface FloodClientResult {
  /** Answers per second, whatever their status. */
  rate: number;
  total: number;
  non2xx: number;
  errors: number;
  p99: number;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as FloodClientOptions;
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    timeout: 10,
    pipelining: 1,
    requests: [{ method: o.method, path: o.path, headers: o.headers, body: o.body }],
  });
  const total = result['2xx'] + result.non2xx;
  const out: FloodClientResult = {
    rate: total / result.duration,
    total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p99: result.latency.p99,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`flood client failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
