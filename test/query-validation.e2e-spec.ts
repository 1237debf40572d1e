import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';

/** Every query route that takes `limit`, and the live stream (which does not: its own filters are checked). */
const LISTINGS = [
  '/api/sessions',
  '/api/sessions/wms/any/events',
  '/api/recordings',
  '/api/measurements',
  '/api/events',
  '/api/deliveries',
];

/** Bad query parameters over HTTP: one message per problem, and a repeated parameter said to be repeated. */
describe('query API: validation messages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async (url: string) => {
    const res = await t.http().get(url).set('Authorization', `Bearer ${TEST_API_KEY}`);
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    return res.body as { code: string; parameter: string; detail: string; errors: unknown[] };
  };

  it.each(LISTINGS)('GET %s?limit=abc answers one message for limit', async (route) => {
    expect(await get(`${route}?limit=abc`)).toMatchObject({
      code: 'invalid-parameter',
      parameter: 'limit',
      detail: 'limit must be an integer between 1 and 500',
      errors: [{ path: 'limit', message: 'limit must be an integer between 1 and 500' }],
    });
  });

  it.each(LISTINGS)('GET %s?limit=5&limit=6 answers that limit is given more than once', async (route) => {
    expect(await get(`${route}?limit=5&limit=6`)).toMatchObject({
      code: 'invalid-parameter',
      parameter: 'limit',
      detail: 'limit is given more than once',
      errors: [{ path: 'limit', message: 'limit is given more than once' }],
    });
  });

  it('answers every problem of a query at once, one message each, on the live stream too', async () => {
    const body = await get('/api/events/stream?provider=wms&provider=eyeson&since=yesterday&limit=5');
    // In the order of the query.
    expect(body.errors).toEqual([
      { path: 'provider', message: 'provider is given more than once' },
      { path: 'since', message: expect.stringMatching(/^since must be an ISO 8601 timestamp/) },
      { path: 'limit', message: 'limit is not a known parameter' },
    ]);
  });
});
