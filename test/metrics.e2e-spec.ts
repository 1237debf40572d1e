import { get } from 'node:http';
import { MetricsServer } from 'src/metrics/metrics.server';
import { parsePrometheus, Sample, sampleValue } from './support/prometheus';
import { TcpProxy } from './support/tcp-proxy';
import {
  createTestDatabase,
  startTestApp,
  startTestAppOn,
  TEST_API_KEY,
  TEST_ENV,
  TestApp,
} from './support/test-app';
import { wmsSignature } from './support/wms-sender';

const SECRET = TEST_ENV.WMS_MAC_SECRETS;
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const wmsEvent = (sessionId: string, sequence: number) =>
  JSON.stringify({
    timestamp: 1689684577 + sequence,
    sessionId,
    sequence,
    event: 'WMS_LOADED',
    severity: 'INFO',
  });

function postWms(t: TestApp, body: string, signature: string | null = wmsSignature(body, SECRET)) {
  const req = t.http().post('/webhooks/wms').set('Content-Type', 'application/json');
  if (signature !== null) req.set('X-WMS-Content-MAC', signature);
  return req.send(body);
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
  return parsePrometheus(res.text);
}

/** A plain GET on the separate metrics listener (supertest is bound to the API port). */
function getMetricsPort(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text, contentType: res.headers['content-type'] }),
      );
    }).on('error', reject);
  });
}

describe('metrics at /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_BODY_LIMIT: '2kb' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts webhook deliveries by provider and outcome, and signature failures by reason', async () => {
    const body = wmsEvent('metrics-session', 0);
    await postWms(t, body).expect(200);
    await postWms(t, body).expect(200); // the same delivery again: a duplicate
    await postWms(t, wmsEvent('metrics-session', 1), 'hmac-sha256=' + '0'.repeat(64)).expect(401);
    await postWms(t, wmsEvent('metrics-session', 2), null).expect(401);
    await postWms(t, '{not json').expect(400); // signed but malformed: stored as rejected
    await postWms(t, JSON.stringify({ padding: 'x'.repeat(4096) })).expect(413); // refused before routing

    const m = await scrape(t);
    const deliveries = (outcome: string) =>
      sampleValue(m, 'hooktrail_webhook_deliveries_total', { provider: 'wms', outcome });
    expect(deliveries('accepted')).toBe(1);
    expect(deliveries('duplicate')).toBe(1);
    expect(deliveries('unauthorized')).toBe(2);
    expect(deliveries('invalid')).toBe(2);
    expect(deliveries('unavailable')).toBe(0);
    expect(
      sampleValue(m, 'hooktrail_webhook_deliveries_total', { provider: 'perculus', outcome: 'accepted' }),
    ).toBe(0);
    expect(
      sampleValue(m, 'hooktrail_webhook_signature_failures_total', {
        provider: 'wms',
        reason: 'signature-mismatch',
      }),
    ).toBe(1);
    expect(
      sampleValue(m, 'hooktrail_webhook_signature_failures_total', {
        provider: 'wms',
        reason: 'signature-missing',
      }),
    ).toBe(1);
    // Latency covers the deliveries that reached ingestion: accepted, duplicate and the stored rejection.
    expect(sampleValue(m, 'hooktrail_webhook_ingest_duration_seconds_count', { provider: 'wms' })).toBe(3);
    expect(
      sampleValue(m, 'hooktrail_webhook_ingest_duration_seconds_bucket', { provider: 'wms', le: '+Inf' }),
    ).toBe(3);
    expect(
      sampleValue(m, 'hooktrail_webhook_ingest_duration_seconds_sum', { provider: 'wms' }),
    ).toBeGreaterThan(0);
  });

  it('does not count requests to routes that are not webhooks', async () => {
    const before = await scrape(t);
    await t.http().get('/health').expect(200);
    await t.http().post('/webhooks/nope').send('{}').expect(404);
    await t.http().get('/webhooks/wms').expect(404);
    const after = await scrape(t);
    const total = (m: Sample[]) =>
      m.filter((s) => s.name === 'hooktrail_webhook_deliveries_total').reduce((sum, s) => sum + s.value, 0);
    expect(total(after)).toBe(total(before));
  });

  it('reports database pool usage', async () => {
    const m = await scrape(t);
    expect(sampleValue(m, 'hooktrail_db_pool_max_connections')).toBe(t.config.database.poolSize);
    expect(sampleValue(m, 'hooktrail_db_pool_total_connections')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'hooktrail_db_pool_idle_connections')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(m, 'hooktrail_db_pool_waiting_requests')).toBe(0);
  });

  it('reports inbox rows awaiting replay by provider and status', async () => {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE provider = 'wms' AND status = 'rejected'`,
    );
    expect(rows[0].n).toBe(1);
    let m = await scrape(t);
    expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'wms', status: 'rejected' })).toBe(
      1,
    );
    expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'wms', status: 'failed' })).toBe(0);
    expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'eyeson', status: 'failed' })).toBe(
      0,
    );

    await t.db.query(
      `UPDATE deliveries SET status = 'failed' WHERE provider = 'wms' AND status = 'rejected'`,
    );
    m = await scrape(t);
    expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'wms', status: 'rejected' })).toBe(
      0,
    );
    expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'wms', status: 'failed' })).toBe(1);
  });

  it('includes process metrics', async () => {
    const m = await scrape(t);
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('needs an API key when no metrics token is configured', async () => {
    const res = await t.http().get('/metrics').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await t.http().get('/metrics').set('Authorization', 'Bearer not-a-key-not-a-key').expect(401);
    const ok = await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
  });
});

describe('inbox count on scrape', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_INBOX_QUERY_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is bounded by METRICS_INBOX_QUERY_TIMEOUT_MS when the count cannot run, reporting the failure', async () => {
    await postWms(t, '{broken').expect(400);
    expect(
      sampleValue(await scrape(t), 'hooktrail_inbox_awaiting_replay', {
        provider: 'wms',
        status: 'rejected',
      }),
    ).toBe(1);

    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const m = await scrape(t);
      expect(Date.now() - started).toBeLessThan(2_000);
      // The last known value stays; the failed collection is counted.
      expect(sampleValue(m, 'hooktrail_inbox_awaiting_replay', { provider: 'wms', status: 'rejected' })).toBe(
        1,
      );
      expect(sampleValue(m, 'hooktrail_metrics_collect_failures_total', { collector: 'inbox' })).toBe(1);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('metrics while the database is unreachable', () => {
  it('counts deliveries answered 503 as unavailable and still answers the scrape', async () => {
    const database = await createTestDatabase();
    const proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    const t = await startTestAppOn(
      proxy.route(database.url),
      { DB_CONNECT_TIMEOUT_MS: '500', METRICS_INBOX_QUERY_TIMEOUT_MS: '300' },
      database.drop,
      database.url,
    );
    try {
      await proxy.cut();
      await postWms(t, wmsEvent('outage', 0)).expect(503);
      const m = await scrape(t);
      expect(
        sampleValue(m, 'hooktrail_webhook_deliveries_total', { provider: 'wms', outcome: 'unavailable' }),
      ).toBe(1);
      expect(sampleValue(m, 'hooktrail_metrics_collect_failures_total', { collector: 'inbox' })).toBe(1);
    } finally {
      await proxy.restore();
      await t.close();
      await proxy.cut();
    }
  });
});

describe('metrics protected by METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers only the metrics token, not an API key', async () => {
    await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(401);
    await t.http().get('/metrics').expect(401);
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toContain('hooktrail_webhook_deliveries_total');
  });
});

describe('metrics on a separate port (METRICS_PORT)', () => {
  let open: TestApp;
  let guarded: TestApp;
  beforeAll(async () => {
    open = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    guarded = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
  });

  const portOf = (t: TestApp): number => {
    const address = t.app.get(MetricsServer).address();
    if (address === undefined) throw new Error('metrics server is not listening');
    return address.port;
  };

  it('serves /metrics on the metrics port and no longer on the API port', async () => {
    await open.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(404);
    const res = await getMetricsPort(portOf(open), '/metrics');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain/);
    expect(res.text).toContain('hooktrail_db_pool_total_connections');
    expect((await getMetricsPort(portOf(open), '/other')).status).toBe(404);
  });

  it('requires the metrics token on the metrics port when one is configured', async () => {
    expect((await getMetricsPort(portOf(guarded), '/metrics')).status).toBe(401);
    const wrong = await getMetricsPort(portOf(guarded), '/metrics', {
      Authorization: `Bearer ${TEST_API_KEY}`,
    });
    expect(wrong.status).toBe(401);
    const ok = await getMetricsPort(portOf(guarded), '/metrics', {
      Authorization: `Bearer ${METRICS_TOKEN}`,
    });
    expect(ok.status).toBe(200);
  });

  it('binds the metrics port to loopback when METRICS_HOST is not set, whatever HOST is', async () => {
    const t = await startTestApp({ METRICS_PORT: '0', HOST: '0.0.0.0' });
    try {
      expect(t.app.get(MetricsServer).address()?.address).toBe('127.0.0.1');
    } finally {
      await t.close();
    }
  });

  it('stops the metrics listener when the app closes', async () => {
    const t = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    const port = portOf(t);
    await t.close();
    await expect(getMetricsPort(port, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });
});
