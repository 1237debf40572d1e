import { waitForProjection } from './support/projection';
import { createTestDatabase, startTestApp, startTestAppOn, TEST_ENV, TestApp } from './support/test-app';
import { TcpProxy } from './support/tcp-proxy';
import { wmsSignature } from './support/wms-sender';

const SECRET = TEST_ENV.WMS_MAC_SECRETS;

function wmsBody(sessionId: string, sequence: number): string {
  return JSON.stringify({
    timestamp: 1700000000 + sequence,
    sessionId,
    sequence,
    event: 'CAMERA_STARTED',
    severity: 'INFO',
  });
}

function post(t: TestApp, body: string, secret = SECRET) {
  return t
    .http()
    .post('/webhooks/wms')
    .set('Content-Type', 'application/json')
    .set('X-WMS-Content-MAC', wmsSignature(body, secret))
    .send(body);
}

describe('shared ingestion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores concurrent copies of one delivery once, answering every copy 2xx', async () => {
    const body = wmsBody('race', 0);
    const responses = await Promise.all(Array.from({ length: 12 }, () => post(t, body)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(responses.filter((r) => r.body.status === 'accepted')).toHaveLength(1);
    expect(new Set(responses.map((r) => r.body.deliveryId)).size).toBe(1);
    await waitForProjection(t.baseUrl, responses[0]);
    const { rows } = await t.db.query(
      `SELECT (SELECT count(*)::int FROM events WHERE idempotency_key = 'race:0') AS events,
              (SELECT count(*)::int FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.idempotency_key = 'race:0') AS deliveries,
              (SELECT x.count FROM delivery_duplicates x JOIN deliveries d ON d.id = x.delivery_id
                 WHERE d.idempotency_key = 'race:0') AS dups`,
    );
    expect(rows[0]).toEqual({ events: 1, deliveries: 1, dups: 11 });
  });

  it('refuses a delivery signed with a secret that is not configured', async () => {
    const res = await post(t, wmsBody('wrong-secret', 0), 'not-the-configured-secret').expect(401);
    expect(res.body).toMatchObject({ code: 'signature-mismatch', status: 401 });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
  });

  it('answers malformed JSON that passed its signature with 400 and stores it as rejected', async () => {
    const body = '{"timestamp":1689684577,"sessionId":"x",}';
    const res = await post(t, body).expect(400);
    expect(res.body).toMatchObject({ code: 'malformed-body', stored: true });
    const { rows } = await t.db.query(`SELECT status, body FROM deliveries WHERE id = $1`, [
      res.body.deliveryId,
    ]);
    expect(rows).toEqual([{ status: 'rejected', body: Buffer.from(body) }]);
  });

  it('answers a body over the configured limit with 413', async () => {
    const small = await startTestApp({ WEBHOOK_BODY_LIMIT: '1kb' });
    try {
      const body = JSON.stringify({ pad: 'x'.repeat(2000) });
      const res = await post(small, body).expect(413);
      expect(res.body.code).toBe('payload-too-large');
    } finally {
      await small.close();
    }
  });
});

describe('a provider with no secret configured', () => {
  it('refuses every delivery with 401 provider-disabled', async () => {
    const t = await startTestApp({ WMS_MAC_SECRETS: '' });
    try {
      const body = wmsBody('disabled', 0);
      const res = await post(t, body).expect(401);
      expect(res.body.code).toBe('provider-disabled');
      const unsigned = await t
        .http()
        .post('/webhooks/wms')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(401);
      expect(unsigned.body.code).toBe('provider-disabled');
    } finally {
      await t.close();
    }
  });
});

describe('when the database is unreachable', () => {
  it('answers 503 (never 2xx), and recovers without restart once the database is back', async () => {
    const database = await createTestDatabase();
    const proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    // Boot (and migrate) through the proxy, so that cutting the proxy cuts the app off its database.
    const t = await startTestAppOn(
      proxy.route(database.url),
      { DB_CONNECT_TIMEOUT_MS: '500' },
      database.drop,
      database.url,
    );
    try {
      await post(t, wmsBody('outage', 0)).expect(200);
      await proxy.cut();
      const started = Date.now();
      const down = await post(t, wmsBody('outage', 1));
      expect({ status: down.status, body: down.body }).toMatchObject({ status: 503 });
      expect(down.body.code).toBe('database-unavailable');
      expect(down.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeLessThan(3_000);
      // A problem, as openapi.json documents it.
      await t
        .http()
        .get('/health/ready')
        .expect(503)
        .expect('Content-Type', /^application\/problem\+json/);
      await proxy.restore();
      await waitForProjection(t.baseUrl, await post(t, wmsBody('outage', 2)).expect(200));
      await waitForProjection(t.baseUrl, await post(t, wmsBody('outage', 1)).expect(200));
      const { rows } = await t.db.query(
        `SELECT sequence FROM events WHERE idempotency_key LIKE 'outage:%' ORDER BY sequence`,
      );
      expect(rows.map((r) => Number(r.sequence))).toEqual([0, 1, 2]);
    } finally {
      await t.close();
      await proxy.cut();
    }
  });
});
