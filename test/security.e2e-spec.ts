import type { Response } from 'supertest';
import { startTestApp, TEST_API_KEY, TEST_ENV, TestApp } from './support/test-app';
import { wmsSignature } from './support/wms-sender';

const OTHER_API_KEY = 'second-api-key-0123456789abcdef';

function postWms(t: TestApp, sequence: number) {
  const body = JSON.stringify({
    timestamp: 1689684577 + sequence,
    sessionId: 'security-session',
    sequence,
    event: 'WMS_LOADED',
    severity: 'INFO',
  });
  return t
    .http()
    .post('/webhooks/wms')
    .set('Content-Type', 'application/json')
    .set('X-WMS-Content-MAC', wmsSignature(body, TEST_ENV.WMS_MAC_SECRETS))
    .send(body);
}

/** An API call (an authenticated /api route that needs no data). */
const mint = (t: TestApp, key = TEST_API_KEY, reference = 'call-1') =>
  t.http().post('/api/eyeson/callback-urls').set('Authorization', `Bearer ${key}`).send({ reference });

function expectSecurityHeaders(res: Response): void {
  expect(res.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'strict-transport-security': expect.stringContaining('max-age='),
    'content-security-policy': expect.stringContaining("default-src 'self'"),
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
  });
  expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('are sent on health, API, webhook, problem and unknown-route responses', async () => {
    expectSecurityHeaders(await t.http().get('/health').expect(200));
    expectSecurityHeaders(await mint(t).expect(201));
    expectSecurityHeaders(await postWms(t, 0).expect(200));
    expectSecurityHeaders(await t.http().post('/webhooks/wms').send('{}').expect(401));
    expectSecurityHeaders(await t.http().get('/nowhere').expect(404));
  });

  it('let the API documentation load: Swagger UI needs no inline script', async () => {
    const res = await t.http().get('/docs').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expectSecurityHeaders(res);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    await t.http().get('/docs/swagger-ui-init.js').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
  });
});

describe('API rate limiting (API_RATE_LIMIT_PER_MINUTE)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '3', API_KEYS: `${TEST_API_KEY},${OTHER_API_KEY}` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 as a problem document with Retry-After once a client spends its budget', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await mint(t).expect(201);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(3 - i));
    }
    const refused = await mint(t).expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 429,
      code: 'too-many-requests',
      type: 'urn:hooktrail:problem:too-many-requests',
      instance: '/api/eyeson/callback-urls',
    });
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectSecurityHeaders(refused);
    // One budget per client across the API: the query routes are refused too.
    await t.http().get('/api/sessions').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(429);
  });

  it('gives every API key a budget of its own', async () => {
    await mint(t, OTHER_API_KEY).expect(201);
  });

  it('counts one budget per matched key, however the Authorization header is spelled', async () => {
    // The limit once keyed on the raw header, so `bearer` or extra spaces each bought a fresh budget.
    const spellings = [`bearer ${OTHER_API_KEY}`, `BEARER  ${OTHER_API_KEY} `, `Bearer\t${OTHER_API_KEY}`];
    const statuses: number[] = [];
    for (const authorization of spellings) {
      const res = await t
        .http()
        .post('/api/eyeson/callback-urls')
        .set('Authorization', authorization)
        .send({ reference: 'call-1' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('never throttles webhooks, health checks or metrics', async () => {
    await mint(t).expect(429);
    for (let i = 0; i < 10; i++) {
      await postWms(t, i).expect(200);
      await t.http().get('/health').expect(200);
    }
    for (let i = 0; i < 5; i++)
      await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    const webhook = await postWms(t, 10).expect(200);
    expect(webhook.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

describe('failed API authentications per client address (API_AUTH_FAILURES_PER_MINUTE)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 once an address has spent its failures, even for a valid key, and never counts successes', async () => {
    for (let i = 0; i < 5; i++) await mint(t).expect(201);
    for (let i = 0; i < 3; i++) await mint(t, `wrong-key-${i}-0123456789abcdef`).expect(401);
    const refused = await mint(t, 'wrong-key-3-0123456789abcdef').expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'too-many-requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before any key is compared, so a guesser learns nothing more until the window ends.
    await mint(t).expect(429);
    await t.http().get('/api/sessions').expect(429);
    // Webhooks and health checks are not API authentications.
    await t.http().get('/health').expect(200);
    await postWms(t, 0).expect(200);
  });
});

describe('API answers are never cached', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('send Cache-Control: no-store on every /api answer, errors included', async () => {
    const auth = `Bearer ${TEST_API_KEY}`;
    expect((await mint(t).expect(201)).headers['cache-control']).toBe('no-store');
    const list = await t.http().get('/api/sessions').set('Authorization', auth).expect(200);
    expect(list.headers['cache-control']).toBe('no-store');
    expect((await t.http().get('/api/sessions').expect(401)).headers['cache-control']).toBe('no-store');
    const missing = await t.http().get('/api/nowhere').set('Authorization', auth).expect(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });
});

describe('API rate limiting turned off (API_RATE_LIMIT_PER_MINUTE=0)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets every request through and sends no rate-limit headers', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await mint(t).expect(201);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
