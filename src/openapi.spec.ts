import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, serializeOpenApi } from 'src/openapi';

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
});

interface SchemaLike {
  $ref?: string;
  allOf?: SchemaLike[];
  items?: SchemaLike;
  example?: unknown;
  properties?: Record<string, SchemaLike>;
}

/** `Schema.property` for every property (followed through $ref, allOf and arrays) that has no example. */
function propertiesWithoutExample(
  schema: SchemaLike,
  schemas: Record<string, SchemaLike>,
  seen: Set<string>,
): string[] {
  const ref = schema.$ref ?? schema.allOf?.[0]?.$ref ?? schema.items?.$ref;
  if (ref === undefined) return [];
  const name = ref.replace('#/components/schemas/', '');
  if (seen.has(name)) return [];
  seen.add(name);
  return Object.entries(schemas[name]?.properties ?? {}).flatMap(([property, p]) => {
    const nested = p.$ref ?? p.allOf?.[0]?.$ref ?? p.items?.$ref;
    if (nested !== undefined) return propertiesWithoutExample(p, schemas, seen);
    return p.example === undefined ? [`${name}.${property}`] : [];
  });
}
