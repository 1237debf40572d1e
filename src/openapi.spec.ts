import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument, serializeOpenApi, withoutNullable } from 'src/openapi';

describe('openapi.json', () => {
  it('matches the document generated from the code (after an API change: run `npm run openapi`)', async () => {
    const fresh = serializeOpenApi(await generateOpenApiDocument());
    const committed = readFileSync(resolve(__dirname, '../openapi.json'), 'utf8');
    expect(
      fresh === committed
        ? 'in sync'
        : 'openapi.json is out of date: run `npm run openapi` and commit openapi.json',
    ).toBe('in sync');
  });

  it('documents every query route behind the bearer API key, with an example for every response', async () => {
    const document = await generateOpenApiDocument();
    const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaLike>;
    const routes = [
      '/api/sessions',
      '/api/sessions/{provider}/{externalId}',
      '/api/sessions/{provider}/{externalId}/events',
      '/api/recordings',
      '/api/recordings/{provider}/{externalId}',
      '/api/measurements',
      '/api/measurements/{provider}/{externalId}',
      '/api/events',
      '/api/deliveries',
      '/api/providers',
    ];
    const missing: string[] = [];
    for (const route of routes) {
      const get = document.paths[route]?.get;
      expect({ route, security: get?.security }).toEqual({ route, security: [{ 'api-key': [] }] });
      for (const [status, response] of Object.entries(get?.responses ?? {})) {
        const content = (response as { content?: Record<string, { schema?: SchemaLike; example?: unknown }> })
          .content;
        const media = content?.['application/json'] ?? content?.['application/problem+json'];
        if (media === undefined) missing.push(`${route} ${status}: no content`);
        else if (status !== '200' && media.example === undefined)
          missing.push(`${route} ${status}: no example`);
        else if (media.schema) missing.push(...propertiesWithoutExample(media.schema, schemas, new Set()));
      }
    }
    expect([...new Set(missing)]).toEqual([]);
    expect(document.components?.securitySchemes?.['api-key']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('is OpenAPI 3.1, where a nullable reference is `anyOf` the reference and null (no 3.0 `nullable` left)', async () => {
    const document = await generateOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(serializeOpenApi(document)).not.toMatch(/"nullable"/);
    const session = document.components?.schemas?.SessionDetailDto as { properties: Record<string, unknown> };
    expect(session.properties.parent).toEqual({
      description: expect.any(String),
      anyOf: [{ $ref: '#/components/schemas/ResourceRefDto' }, { type: 'null' }],
    });
    expect(session.properties.startedAt).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
  });

  it('documents problem+json for every error answer and only there, and describes every parameter', async () => {
    const document = await generateOpenApiDocument();
    const wrong: string[] = [];
    for (const [operation, { parameters, responses }] of operationsOf(document)) {
      for (const p of parameters ?? [])
        if (!p.description) wrong.push(`${operation}: ${p.in} ${p.name} undescribed`);
      for (const [status, { content }] of Object.entries(responses)) {
        const types = Object.keys(content ?? {});
        const isError = Number(status) >= 400;
        if (isError && (types.join() !== 'application/problem+json' || !content?.[types[0]].schema))
          wrong.push(`${operation} ${status}: ${types.join() || 'no content'}`);
        if (!isError && types.includes('application/problem+json'))
          wrong.push(`${operation} ${status}: lists application/problem+json`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('types JPEG bodies as bytes: the thumbnail a Millicast hook sends and the one the API serves', async () => {
    const document = await generateOpenApiDocument();
    const operations = Object.fromEntries(operationsOf(document));
    const binary = { schema: { type: 'string', format: 'binary' } };
    expect(operations['POST /webhooks/millicast'].requestBody?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/MillicastEnvelopeDto' } },
      'image/jpeg': binary,
    });
    for (const path of [
      '/api/millicast/streams/{streamId}/thumbnail',
      '/api/millicast/streams/{accountId}/{streamName}/thumbnail',
    ])
      expect(operations[`GET ${path}`].responses['200'].content).toEqual({ 'image/jpeg': binary });
  });
});

describe('withoutNullable (OpenAPI 3.0 nullable to 3.1)', () => {
  it.each([
    ['a type', { type: 'string', nullable: true }, { type: ['string', 'null'] }],
    [
      'an enum (null joins the values)',
      { type: 'string', enum: ['a'], nullable: true },
      { type: ['string', 'null'], enum: ['a', null] },
    ],
    [
      "Nest's nullable reference",
      { nullable: true, description: 'd', type: 'object', allOf: [{ $ref: '#/r' }] },
      { description: 'd', anyOf: [{ $ref: '#/r' }, { type: 'null' }] },
    ],
    [
      'a composition',
      { nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }] },
      { anyOf: [{ oneOf: [{ type: 'string' }, { type: 'integer' }] }, { type: 'null' }] },
    ],
    ['nullable: false', { type: 'string', nullable: false }, { type: 'string' }],
    [
      'a nested schema, a property named nullable, an example',
      {
        properties: { nullable: { type: 'boolean' }, at: { type: 'string', nullable: true } },
        example: { nullable: true },
      },
      {
        properties: { nullable: { type: 'boolean' }, at: { type: ['string', 'null'] } },
        example: { nullable: true },
      },
    ],
  ])('rewrites %s', (_name, schema, expected) => {
    expect(withoutNullable(schema)).toEqual(expected);
  });
});

/** Every operation of the document, as `METHOD /path`, with the operation. */
function operationsOf(document: OpenAPIObject): Array<[string, OperationLike]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, OperationLike>).map(
      ([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, OperationLike],
    ),
  );
}

interface OperationLike {
  parameters?: Array<{ name: string; in: string; description?: string }>;
  requestBody?: { content: Record<string, { schema?: SchemaLike }> };
  responses: Record<string, { content?: Record<string, { schema?: SchemaLike }> }>;
}

interface SchemaLike {
  $ref?: string;
  anyOf?: SchemaLike[];
  items?: SchemaLike;
  example?: unknown;
  properties?: Record<string, SchemaLike>;
}

/** The schema a property points at: directly, as a nullable reference (`anyOf`), or as its items. */
const refOf = (schema: SchemaLike): string | undefined =>
  schema.$ref ?? schema.anyOf?.[0]?.$ref ?? schema.items?.$ref;

/** `Schema.property` for every property (followed through $ref, allOf and arrays) that has no example. */
function propertiesWithoutExample(
  schema: SchemaLike,
  schemas: Record<string, SchemaLike>,
  seen: Set<string>,
): string[] {
  const ref = refOf(schema);
  if (ref === undefined) return [];
  const name = ref.replace('#/components/schemas/', '');
  if (seen.has(name)) return [];
  seen.add(name);
  return Object.entries(schemas[name]?.properties ?? {}).flatMap(([property, p]) => {
    const nested = refOf(p);
    if (nested !== undefined) return propertiesWithoutExample(p, schemas, seen);
    return p.example === undefined ? [`${name}.${property}`] : [];
  });
}
