import { startTestApp, TestApp } from './support/test-app';

describe('service foundation over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers liveness and readiness', async () => {
    await t.http().get('/health').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.info.database.status).toBe('up');
  });

  it('answers unknown routes with a problem document and a correlation id', async () => {
    const res = await t.http().post('/webhooks/nope').set('X-Request-Id', 'corr-123').send('{}').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('corr-123');
    expect(res.body).toMatchObject({
      status: 404,
      code: 'not-found',
      type: 'urn:hooktrail:problem:not-found',
      requestId: 'corr-123',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
