import { generateOpenApiDocument } from 'src/openapi';
import { insertSession } from './support/query-fixtures';
import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';

const ROUTES = [
  '/api/sessions',
  '/api/sessions/wms/auth-session',
  '/api/sessions/wms/auth-session/events',
  '/api/recordings',
  '/api/recordings/wms/nope',
  '/api/measurements',
  '/api/measurements/wms/nope',
  '/api/events',
  '/api/deliveries?status=rejected',
];

describe('query API: authentication and documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await insertSession(t.db, { externalId: 'auth-session' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe.each(ROUTES)('GET %s', (route) => {
    it.each([
      ['without an Authorization header', undefined],
      ['with a wrong key', `Bearer ${TEST_API_KEY}x`],
      ['with the key in another scheme', `Basic ${TEST_API_KEY}`],
      ['with an empty bearer', 'Bearer '],
    ])('answers 401 problem+json %s', async (_name, authorization) => {
      const req = t.http().get(route);
      const res = await (authorization === undefined ? req : req.set('Authorization', authorization)).expect(
        401,
      );
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    });

    it('answers with the key', async () => {
      const res = await t.http().get(route).set('Authorization', `Bearer ${TEST_API_KEY}`);
      expect(res.status).toBe(route.endsWith('/nope') ? 404 : 200);
    });
  });

  it('serves the OpenAPI document at /docs-json with a key, the same document npm run openapi writes', async () => {
    const res = await t.http().get('/docs-json').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(await generateOpenApiDocument())));
    expect(res.body.paths['/api/sessions'].get.security).toEqual([{ 'api-key': [] }]);
  });

  it.each(['/docs', '/docs/', '/docs-json', '/docs/swagger-ui-init.js'])(
    'refuses %s without a key unless DOCS_PUBLIC is set',
    async (path) => {
      const res = await t.http().get(path).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'unauthorized' });
    },
  );
});

describe('API documentation made public (DOCS_PUBLIC=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DOCS_PUBLIC: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves Swagger UI at /docs and the document at /docs-json without a key', async () => {
    const res = await t.http().get('/docs').redirects(1).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
    await t.http().get('/docs-json').expect(200);
  });
});
