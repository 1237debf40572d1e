import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import { generateOpenApiDocument } from 'src/openapi';
import { insertSession } from './support/query-fixtures';
import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';

type Schema = Record<string, unknown>;
interface Operation {
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Every operation of the document (whoever added it) is called for real, with and without an API key, and
 * each answer must be one the operation documents, with a body that validates against its schema.
 */
describe('the OpenAPI document against real answers', () => {
  let t: TestApp;
  let operations: Array<{ method: (typeof METHODS)[number]; path: string; operation: Operation }>;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12: validated as such, with no translation.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  /** A schema of the document; its $refs point into the components, registered as `openapi`. */
  const compile = (schema: Schema): ValidateFunction =>
    ajv.compile(
      JSON.parse(JSON.stringify(schema).replace(/#\/components/g, 'openapi#/components')) as Schema,
    );

  beforeAll(async () => {
    t = await startTestApp();
    const document = (await generateOpenApiDocument()) as unknown as {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
      components: { schemas: Record<string, Schema> };
    };
    ajv.addSchema({ components: document.components }, 'openapi');
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method]! })),
    );
    // Listings then answer real items, some with a null reference (a session without a parent), some not.
    const parent = await insertSession(t.db, { externalId: 'answers-parent' });
    await insertSession(t.db, { externalId: 'answers-child', parentId: parent.id });
  });

  afterAll(async () => {
    await t.close();
  });

  it('documents at least one error answer for every operation but liveness, and says who may call it', () => {
    const undocumented = operations
      .filter(({ path }) => path !== '/health')
      .filter(({ operation }) => !Object.keys(operation.responses).some((s) => /^[45]\d\d$/.test(s)))
      .map(({ method, path }) => `${method} ${path}`);
    expect(undocumented).toEqual([]);
    expect(operations.filter(({ operation }) => operation.security === undefined)).toEqual([]);
  });

  it('answers only what it documents, with bodies that match', async () => {
    const problems: string[] = [];
    for (const { method, path, operation } of operations) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'provider' ? 'wms' : 'nope-1'));
      for (const key of [undefined, TEST_API_KEY]) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (key) headers.Authorization = `Bearer ${key}`;
        const res = await fetch(`${t.baseUrl}${url}`, {
          method: method.toUpperCase(),
          headers,
          ...(method === 'get' ? {} : { body: '{}' }),
        });
        const where = `${method.toUpperCase()} ${url} ${key ? 'with' : 'without'} a key: ${res.status}`;
        const documented = operation.responses[String(res.status)];
        const type = (res.headers.get('content-type') ?? '').split(';')[0];
        // A stream (GET /api/events/stream) never ends by itself: its status and media type are checked.
        let text = '';
        if (type === 'text/event-stream') await res.body?.cancel();
        else text = await res.text();
        if (!documented) {
          problems.push(`${where} is not documented`);
          continue;
        }
        const hasBody = type !== '' && (text !== '' || type === 'text/event-stream');
        const media = documented.content?.[type];
        if (hasBody !== (media !== undefined)) {
          problems.push(`${where}: ${hasBody ? `${type} is not documented` : 'no body, one documented'}`);
          continue;
        }
        if (!media?.schema || !/json/.test(type)) continue;
        const check = compile(media.schema);
        if (!check(JSON.parse(text))) problems.push(`${where}: ${ajv.errorsText(check.errors)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('validates a nullable reference as it is answered, null or the object, and nothing else', async () => {
    const operation = operations.find(
      (o) => o.method === 'get' && o.path === '/api/sessions/{provider}/{externalId}',
    )!.operation;
    const check = compile(operation.responses['200'].content!['application/json'].schema!);
    const bodies: Schema[] = [];
    for (const [externalId, parent] of [
      ['answers-parent', null],
      ['answers-child', { provider: 'wms', externalId: 'answers-parent' }],
    ] as const) {
      const res = await fetch(`${t.baseUrl}/api/sessions/wms/${externalId}`, {
        headers: { Authorization: `Bearer ${TEST_API_KEY}` },
      });
      const body = (await res.json()) as Schema;
      expect({ status: res.status, parent: body.parent }).toEqual({ status: 200, parent });
      expect(check(body) ? 'valid' : ajv.errorsText(check.errors)).toBe('valid');
      bodies.push(body);
    }
    // The schema still constrains the reference: not any value passes.
    expect(check({ ...bodies[0], parent: 42 })).toBe(false);
    expect(check({ ...bodies[0], parent: { provider: 'wms' } })).toBe(false);
    const { parent: _parent, ...withoutParent } = bodies[0];
    expect(check(withoutParent)).toBe(false);
  });
});
