import type { NestExpressApplication } from '@nestjs/platform-express';
import { gzipSync } from 'node:zlib';
import { createLogger } from 'src/common/logger';
import { loadConfig } from 'src/config/app-config';
import { createHttpApp, runMigrations } from 'src/http-app';
import { eyesonPath, eyesonToken } from './support/eyeson-sender';
import { perculusRequest } from './support/perculus-sender';
import { parsePrometheus, sampleValue } from './support/prometheus';
import { finalStatus, postHead, rawClient } from './support/raw-http';
import { createTestDatabase, TEST_API_KEY, TEST_ENV } from './support/test-app';
import { wmsSignature } from './support/wms-sender';

const WMS_SECRET = TEST_ENV.WMS_MAC_SECRETS;
const FORGED_MAC = 'hmac-sha256=' + '0'.repeat(64);

interface LoggedApp {
  app: NestExpressApplication;
  baseUrl: string;
  port: number;
  /** Every line the app has logged, parsed. */
  lines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The real app on a fresh database, logging at info into memory. */
async function startLoggedApp(env: Record<string, string> = {}): Promise<LoggedApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    ...TEST_ENV,
    LOG_LEVEL: 'info',
    ...env,
    DATABASE_URL: database.url,
    PORT: '0',
  });
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(config, {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const app = await createHttpApp(config, database.url, logger);
  await runMigrations(app, logger);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  return {
    app,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    lines,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

async function metric(
  baseUrl: string,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } });
  return sampleValue(parsePrometheus(await res.text()), name, labels);
}

/** Sends `count` requests made by `request(i)`, `concurrency` at a time; returns the statuses. */
async function burst(
  count: number,
  concurrency: number,
  request: (i: number) => Promise<Response>,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const res = await request(next++);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

const refusalLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.reason !== undefined);

describe('refused requests are counted, not logged one by one', () => {
  let t: LoggedApp;
  beforeAll(async () => {
    t = await startLoggedApp({ API_AUTH_FAILURES_PER_MINUTE: '50' });
  });
  afterAll(() => t.close());

  it('logs a burst of 1,000 forged WMS deliveries in one line while the counters say 1,000', async () => {
    const before = t.lines.length;
    const body = JSON.stringify({ sessionId: 'forged', sequence: 1, event: 'WMS_LOADED', severity: 'INFO' });
    const statuses = await burst(1_000, 16, () =>
      fetch(`${t.baseUrl}/webhooks/wms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-WMS-Content-MAC': FORGED_MAC },
        body,
      }),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(1_000);
    const during = t.lines.slice(before);
    expect(during.length).toBeLessThanOrEqual(3);
    expect(refusalLines(during)[0]).toMatchObject({
      level: 'info',
      source: 'wms',
      reason: 'signature-mismatch',
      status: 401,
      route: '/webhooks/wms',
    });
    const labels = { provider: 'wms', reason: 'signature-mismatch' };
    expect(await metric(t.baseUrl, 'hooktrail_webhook_signature_failures_total', labels)).toBe(1_000);
    expect(
      await metric(t.baseUrl, 'hooktrail_http_refusals_total', {
        source: 'wms',
        reason: 'signature-mismatch',
      }),
    ).toBe(1_000);
  });

  it('summarises the API refusals the same way: wrong keys, then the failures limit', async () => {
    const before = t.lines.length;
    const statuses = await burst(200, 8, () =>
      fetch(`${t.baseUrl}/api/sessions`, { headers: { Authorization: 'Bearer wrong-key-0123456789abcdef' } }),
    );
    // API_AUTH_FAILURES_PER_MINUTE=50: 50 answered 401, the rest 429 before any key is compared.
    expect({
      401: statuses.filter((s) => s === 401).length,
      429: statuses.filter((s) => s === 429).length,
    }).toEqual({ 401: 50, 429: 150 });
    expect(refusalLines(t.lines.slice(before)).map((l) => l.reason)).toEqual([
      'unauthorized',
      'too-many-requests',
    ]);
    expect(t.lines.length - before).toBeLessThanOrEqual(3);
    const refusals = (reason: string) =>
      metric(t.baseUrl, 'hooktrail_http_refusals_total', { source: 'api', reason });
    expect(await refusals('unauthorized')).toBe(50);
    expect(await refusals('too-many-requests')).toBe(150);
  });
});

describe('refusal summaries', () => {
  it('give the count and a sample request id once per interval, and are written at shutdown', async () => {
    const t = await startLoggedApp({ LOG_REFUSAL_SUMMARY_INTERVAL_MS: '100000' });
    try {
      const send = (id: string) =>
        fetch(`${t.baseUrl}/webhooks/millicast`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Request-Id': id },
          body: '{}',
        });
      for (const id of ['first', 'second', 'third']) expect((await send(id)).status).toBe(401);
      expect(refusalLines(t.lines)).toEqual([
        expect.objectContaining({ source: 'millicast', reason: 'signature-missing', requestId: 'first' }),
      ]);
    } finally {
      await t.close();
    }
    expect(refusalLines(t.lines)).toEqual([
      expect.objectContaining({ requestId: 'first' }),
      expect.objectContaining({
        source: 'millicast',
        reason: 'signature-missing',
        count: 2,
        sampleRequestId: 'second',
      }),
    ]);
  });
});

describe('checks made before the body is read', () => {
  let t: LoggedApp;
  beforeAll(async () => {
    t = await startLoggedApp({ LOG_LEVEL: 'silent', WEBHOOK_BODY_LIMIT: '64kb' });
  });
  afterAll(() => t.close());

  /** Sends only the head of a request that announces a body and waits for the body to be asked for. */
  async function headOnly(path: string, headers: Record<string, string | number>) {
    const client = await rawClient(t.port);
    client.socket.write(
      postHead(path, { 'Content-Type': 'application/json', Expect: '100-continue', ...headers }),
    );
    const received = await client.waitFor((r) => /HTTP\/1\.1 \d{3}/.test(r), 'an answer to the head');
    return { client, received };
  }

  it('refuses a WMS delivery without a signature before its body is sent (no 100 Continue)', async () => {
    const { client, received } = await headOnly('/webhooks/wms', { 'Content-Length': 1000 });
    expect(received).not.toContain('100 Continue');
    await client.waitFor((r) => r.includes('"code":"signature-missing"'), 'the problem body');
    expect(finalStatus(client.received())).toBe(401);
    await client.waitForClose();
  });

  it('refuses a malformed Millicast signature header before the body is sent', async () => {
    const { client, received } = await headOnly('/webhooks/millicast', {
      'Content-Length': 10,
      'X-Millicast-Signature': 'sha1=nothex',
    });
    expect(received).not.toContain('100 Continue');
    await client.waitFor((r) => r.includes('"code":"signature-malformed"'), 'the problem body');
    client.socket.destroy();
  });

  it('refuses a forged Eyeson path token before the body is sent', async () => {
    const token = eyesonToken('ref-1', 'not-the-configured-secret-0123456789');
    const { client, received } = await headOnly(eyesonPath(token), { 'Content-Length': 10 });
    expect(received).not.toContain('100 Continue');
    await client.waitFor((r) => r.includes('"code":"signature-mismatch"'), 'the problem body');
    client.socket.destroy();
  });

  it('refuses a body announced over the limit before it is sent, and closes the connection', async () => {
    const { client } = await headOnly('/webhooks/wms', {
      'Content-Length': 65 * 1024,
      'X-WMS-Content-MAC': FORGED_MAC,
    });
    await client.waitFor((r) => r.includes('"code":"payload-too-large"'), 'the problem body');
    expect(client.received()).not.toContain('100 Continue');
    await client.waitForClose();
  });

  it('asks for the body once the head passes, then verifies it', async () => {
    const body = JSON.stringify({
      sessionId: 'continue-1',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
      timestamp: 1,
    });
    const { client, received } = await headOnly('/webhooks/wms', {
      'Content-Length': Buffer.byteLength(body),
      'X-WMS-Content-MAC': wmsSignature(body, WMS_SECRET),
    });
    expect(received).toContain('HTTP/1.1 100 Continue');
    client.socket.write(body);
    await client.waitFor((r) => finalStatus(r) !== undefined, 'the final answer');
    expect(finalStatus(client.received())).toBe(200);
    client.socket.destroy();
  });

  it('answers a compressed webhook body 415 without inflating it, even when its signature matches', async () => {
    const body = gzipSync(
      JSON.stringify({ sessionId: 'gz', sequence: 0, event: 'WMS_LOADED', severity: 'INFO' }),
    );
    const res = await fetch(`${t.baseUrl}/webhooks/wms`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'X-WMS-Content-MAC': wmsSignature(body, WMS_SECRET),
      },
      body,
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'unsupported-media-type' });
  });

  it('refuses a Perculus body nested deeper than the bound without parsing it for a token', async () => {
    const request = perculusRequest({ request_id: 'deep-1' }, TEST_ENV.PERCULUS_WEBHOOK_SECRETS);
    const deep = `{"x":${'['.repeat(40)}${']'.repeat(40)},${request.body.slice(1)}`;
    const res = await fetch(`${t.baseUrl}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: deep,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      code: 'signature-missing',
      detail: expect.stringContaining('32 levels'),
    });
  });
});

describe('server timeouts and connection cap', () => {
  let t: LoggedApp;
  beforeAll(async () => {
    t = await startLoggedApp({
      LOG_LEVEL: 'silent',
      HTTP_REQUEST_TIMEOUT_MS: '800',
      HTTP_HEADERS_TIMEOUT_MS: '400',
      HTTP_MAX_CONNECTIONS: '3',
    });
  });
  afterAll(() => t.close());

  it('cuts a body trickled slower than the request timeout with 408', async () => {
    const client = await rawClient(t.port);
    client.socket.write(
      postHead('/webhooks/wms', { 'Content-Length': 1000, 'X-WMS-Content-MAC': FORGED_MAC }),
    );
    const trickle = setInterval(() => client.socket.writable && client.socket.write('['), 100);
    try {
      await client.waitForClose(5_000);
    } finally {
      clearInterval(trickle);
    }
    expect(finalStatus(client.received())).toBe(408);
  });

  it('cuts headers sent slower than the headers timeout with 408', async () => {
    const client = await rawClient(t.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => client.socket.writable && client.socket.write('X-Slow: 1\r\n'), 100);
    try {
      await client.waitForClose(5_000);
    } finally {
      clearInterval(trickle);
    }
    expect(finalStatus(client.received())).toBe(408);
  });

  it('closes connections beyond the cap while those within it are served', async () => {
    const held = await Promise.all([rawClient(t.port), rawClient(t.port), rawClient(t.port)]);
    const extra = await rawClient(t.port);
    await extra.waitForClose(5_000);
    const first = held[0];
    first.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await first.waitFor((r) => finalStatus(r) !== undefined, 'an answer on a held connection');
    expect(finalStatus(first.received())).toBe(200);
    for (const c of held) c.socket.destroy();
  });
});

describe('the access log', () => {
  let t: LoggedApp;
  beforeAll(async () => {
    t = await startLoggedApp({ LOG_LEVEL: 'debug' });
  });
  afterAll(() => t.close());

  const lineOf = (requestId: string) =>
    t.lines.find((l) => l.requestId === requestId && l.msg === 'request completed');

  async function sendWms(requestId: string, event: Record<string, unknown>): Promise<number> {
    const body = JSON.stringify(event);
    const res = await fetch(`${t.baseUrl}/webhooks/wms`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Request-Id': requestId,
        'X-WMS-Content-MAC': wmsSignature(body, WMS_SECRET),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('logs an accepted delivery at debug with request id, route, status, duration, provider and outcome', async () => {
    const event = { sessionId: 'access-1', sequence: 0, event: 'WMS_LOADED', severity: 'INFO', timestamp: 1 };
    expect(await sendWms('access-ok', event)).toBe(200);
    const line = lineOf('access-ok');
    expect(line).toMatchObject({
      level: 'debug',
      method: 'POST',
      route: '/webhooks/wms',
      status: 200,
      provider: 'wms',
      outcome: 'accepted',
    });
    expect(typeof line?.durationMs).toBe('number');
    // Nothing serialized whole: no headers, so no signature.
    expect(Object.keys(line ?? {})).not.toEqual(expect.arrayContaining(['req']));
    expect(JSON.stringify(line)).not.toContain('hmac-sha256');
  });

  it('logs a signed delivery that was stored as rejected at info (not a refusal)', async () => {
    expect(await sendWms('access-rejected', { sessionId: 'access-2' })).toBe(422);
    expect(lineOf('access-rejected')).toMatchObject({
      level: 'info',
      status: 422,
      provider: 'wms',
      outcome: 'rejected',
    });
  });
});

describe('the refusal delay under a flood', () => {
  let t: LoggedApp;
  beforeAll(async () => {
    t = await startLoggedApp({
      LOG_LEVEL: 'silent',
      REFUSALS_PROMPT_PER_SECOND: '2',
      REFUSAL_DELAY_MS: '3000',
    });
  });
  afterAll(() => t.close());

  it('answers refusals beyond the per-second budget late, and a genuine delivery at once', async () => {
    const finished: string[] = [];
    const started = performance.now();
    const forged = Array.from({ length: 10 }, async (_, i) => {
      const res = await fetch(`${t.baseUrl}/webhooks/wms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-WMS-Content-MAC': FORGED_MAC },
        body: '{}',
      });
      await res.arrayBuffer();
      finished.push(`forged-${i}`);
      return { status: res.status, ms: performance.now() - started };
    });
    const body = JSON.stringify({
      sessionId: 'delay-1',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
      timestamp: 1,
    });
    const genuine = fetch(`${t.baseUrl}/webhooks/wms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-WMS-Content-MAC': wmsSignature(body, WMS_SECRET) },
      body,
    }).then(async (res) => {
      await res.arrayBuffer();
      finished.push('genuine');
      return res.status;
    });
    expect(await genuine).toBe(200);
    const refusals = await Promise.all(forged);
    expect(refusals.every((r) => r.status === 401)).toBe(true);
    // Two a second are answered at once (a few more if the burst straddles a second); the rest wait 3 s.
    const late = refusals.filter((r) => r.ms >= 3_000);
    expect(late.length).toBeGreaterThanOrEqual(6);
    expect(finished.indexOf('genuine')).toBeLessThan(finished.indexOf(`forged-${refusals.indexOf(late[0])}`));
    // Every refusal that waited is counted (the operator's sign that a flood is being held back).
    expect(await metric(t.baseUrl, 'hooktrail_http_refusals_delayed_total', {})).toBe(late.length);
  });
});
