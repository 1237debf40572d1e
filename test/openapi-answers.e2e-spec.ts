import Ajv from 'ajv';
import { generateOpenApiDocument } from 'src/openapi';
import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';

type Schema = Record<string, unknown>;
interface Operation {
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** OpenAPI 3.0's `nullable` as JSON Schema, so that a validator reads it as readers do. */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (typeof value !== 'object' || value === null) return value;
  const { nullable, example: _example, ...rest } = value as Schema;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, toJsonSchema(v)]));
  if (nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/**
 * Every operation of the document (whoever added it) is called for real, with and without an API key, and
 * each answer must be one the operation documents, with a body that validates against its schema.
 */
describe('the OpenAPI document against real answers', () => {
  let t: TestApp;
  let operations: Array<{ method: (typeof METHODS)[number]; path: string; operation: Operation }>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

  beforeAll(async () => {
    t = await startTestApp();
    const document = (await generateOpenApiDocument()) as unknown as {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
      components: { schemas: Record<string, Schema> };
    };
    ajv.addSchema({ components: toJsonSchema(document.components) as Schema }, 'openapi');
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method]! })),
    );
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
        const media = documented.content?.[type];
        if (documented.content && !media) {
          problems.push(`${where}: ${type} is not documented`);
          continue;
        }
        if (!media?.schema || !/json/.test(type)) continue;
        // $refs point into the document's components, registered as `openapi`.
        const schema = JSON.stringify(media.schema).replace(/#\/components/g, 'openapi#/components');
        const check = ajv.compile({ ...(toJsonSchema(JSON.parse(schema)) as Schema) });
        if (!check(JSON.parse(text))) problems.push(`${where}: ${ajv.errorsText(check.errors)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
