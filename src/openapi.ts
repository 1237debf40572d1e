import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeys } from 'src/common/api-key.guard';
import { PROBLEM_CONTENT_TYPE, problemType, unauthorized } from 'src/common/problem';
import { problemCodeOf, sendProblem } from 'src/common/problem.filter';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  RequestBodyObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AppModule } from 'src/app.module';
import { loadConfig } from 'src/config/app-config';
import { license, version } from '../package.json';

/** The name of the bearer scheme the query API's controllers refer to with `@ApiBearerAuth('api-key')`. */
export const API_KEY_SCHEME = 'api-key';

/** The OpenAPI document of the app's routes, as served at /docs-json and committed as openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Hooktrail')
    .setDescription(
      'Receives, verifies and stores webhooks from streaming, recording and measurement platforms, and ' +
        'answers what happened. Every /api route needs `Authorization: Bearer <API key>` (a key from ' +
        'API_KEYS). Times are ISO 8601 UTC; ids are bigints as strings. Listings are keyset-paginated: ' +
        'pass `nextCursor` back as `cursor`, unchanged, with the same filters. Errors are ' +
        'application/problem+json (RFC 9457).',
    )
    .setVersion(version) // package.json's: the document describes this build
    .setOpenAPIVersion('3.1.0')
    .addServer('/', 'this service')
    // A plain key, not a JWT: addSecurity, because addBearerAuth claims `bearerFormat: JWT`.
    .addSecurity(API_KEY_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from the API_KEYS setting.',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.info.license = { name: license };
  document.paths = withoutNullable(document.paths) as OpenAPIObject['paths'];
  document.components = withoutNullable(document.components) as OpenAPIObject['components'];
  documentBodies(document);
  documentAnswers(document);
  return document;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: malformed JSON, not UTF-8, an empty body, or a parameter that is unknown or repeated or has a bad value (named in `parameter`).',
  401: 'Not authenticated: no or a wrong API key (`api-disabled` when none is configured) or, on webhooks, a missing, malformed or wrong signature or token.',
  404: 'Nothing with this id.',
  413: 'The body is larger than WEBHOOK_BODY_LIMIT (not stored: not read).',
  415: 'A content type this sender does not use (stored as rejected).',
  422: 'Signed, but invalid: every problem in `errors[]` (stored as rejected).',
  429: 'Too many requests: retry after `Retry-After` seconds.',
  503: 'The database cannot be reached: nothing was stored; retry after `Retry-After` seconds.',
};

/** The answers every operation of a kind can give, on top of what its controller documents. */
function answersOf(path: string, operation: OperationObject): number[] {
  const params = (operation.parameters ?? []) as ParameterObject[];
  if (path.startsWith('/webhooks/')) return [400, 401, 413, 415, 422, 503];
  if (path.startsWith('/api/')) {
    return [
      ...(params.some((p) => p.in === 'query') || operation.requestBody ? [400] : []),
      401,
      ...(params.some((p) => p.in === 'path') ? [404] : []),
      429,
      503,
    ];
  }
  if (path === '/metrics') return [401];
  if (path === '/health/ready') return [503];
  return [];
}

/** The operations of the document, with their path. */
function operationsOf(document: OpenAPIObject): Array<[string, OperationObject]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => {
      const operation = item[method];
      return operation ? [[path, operation] as [string, OperationObject]] : [];
    }),
  );
}

/** Keywords that describe a schema without constraining it: they stay beside a nullable's `anyOf`. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'example',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/**
 * @nestjs/swagger writes OpenAPI 3.0's `nullable: true`, which OpenAPI 3.1 (JSON Schema) has no more, and a
 * nullable reference as `allOf: [{$ref}]` beside it, which a strict reader never lets be null. Rewritten the
 * one way every 3.1 reader agrees on: `type: [T, 'null']`, or `anyOf: [<schema>, {type: 'null'}]` for a
 * reference or a composition. Examples are payloads, not schemas: left as they are.
 */
export function withoutNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'example' || k === 'examples' ? v : withoutNullable(v)]),
  );
  if (typeof out.nullable !== 'boolean') return out;
  const { nullable, ...schema } = out;
  if (!nullable) return schema;
  const composed = 'allOf' in schema || 'anyOf' in schema || 'oneOf' in schema;
  if (typeof schema.type === 'string' && !composed) {
    const withNull = Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {};
    return { ...schema, type: [schema.type, 'null'], ...withNull };
  }
  const annotations = Object.entries(schema).filter(([k]) => ANNOTATIONS.has(k));
  const constraints = Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)));
  // Nest's nullable reference: `type: 'object'` beside `allOf: [{$ref}]`; the reference says all of it.
  const { type: _object, allOf, ...others } = constraints;
  const reference =
    Array.isArray(allOf) && allOf.length === 1 && Object.keys(others).length === 0
      ? (allOf[0] as unknown)
      : constraints;
  return { ...Object.fromEntries(annotations), anyOf: [reference, { type: 'null' }] };
}

/** JSON (`application/json`, `application/webhook+json`, ...) and forms are described by a schema of fields. */
const hasFields = (mediaType: string): boolean =>
  /[/+]json$/.test(mediaType) ||
  mediaType === 'application/x-www-form-urlencoded' ||
  mediaType === 'multipart/form-data';

/**
 * A request body of any other media type (a Millicast thumbnail's JPEG) is bytes, signed as sent. Nest's
 * decorators give every media type an operation consumes the same schema, the DTO of its JSON form.
 */
function documentBodies(document: OpenAPIObject): void {
  for (const [, operation] of operationsOf(document)) {
    const content = (operation.requestBody as RequestBodyObject | undefined)?.content ?? {};
    for (const mediaType of Object.keys(content)) {
      if (!hasFields(mediaType)) content[mediaType] = { schema: { type: 'string', format: 'binary' } };
    }
  }
}

/**
 * Completes every operation's answers, whoever added the route: public operations (health, webhooks, which
 * prove themselves by signature) say `security: []`; webhooks describe their 200 body; each operation lists
 * the problem answers of its kind (see answersOf). Every error is answered as a problem (ProblemFilter): an
 * error answer documented without the problem body, or with another one (the health check's), gets it.
 */
function documentAnswers(document: OpenAPIObject): void {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  schemas.WebhookAnswerDto = {
    type: 'object',
    required: ['status', 'deliveryId'],
    properties: {
      status: { type: 'string', enum: ['accepted', 'duplicate'] },
      deliveryId: { type: 'string', description: 'The inbox row (for a duplicate: the original).' },
    },
  };
  const problem = { $ref: '#/components/schemas/ProblemDto' };
  for (const [path, operation] of operationsOf(document)) {
    operation.security ??= [];
    const responses = operation.responses as Record<string, ResponseObject>;
    if (path.startsWith('/webhooks/') && responses['200'] && !('content' in responses['200'])) {
      responses['200'] = {
        description: 'Stored (or a copy of a stored delivery).',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookAnswerDto' } } },
      };
    }
    for (const status of answersOf(path, operation)) {
      responses[String(status)] ??= { description: PROBLEM_DESCRIPTIONS[status] };
    }
    for (const [status, response] of Object.entries(responses)) {
      const content = Object.keys(response.content ?? {});
      if (Number(status) < 400 || (content.length === 1 && content[0] === PROBLEM_CONTENT_TYPE)) continue;
      const [code, title] = problemCodeOf(Number(status));
      // `instance` is the route pattern as Express names it.
      const instance = path.replace(/\{(\w+)\}/g, ':$1');
      const example = {
        type: problemType(code),
        title,
        status: Number(status),
        code,
        instance,
        requestId: 'corr-123',
      };
      response.content = { [PROBLEM_CONTENT_TYPE]: { schema: problem, example } };
    }
  }
}

/**
 * Serves the document at /docs (Swagger UI) and /docs-json, mounted on Express. They need an API key
 * unless `isPublic` (DOCS_PUBLIC=true): the document is no secret (it is in the repository), but a public
 * one tells any visitor what this service is and which version runs.
 */
export function serveOpenApi(
  app: NestExpressApplication,
  document: OpenAPIObject,
  access: { isPublic: boolean; apiKeys: ApiKeys },
): void {
  if (!access.isPublic) {
    app.use(['/docs', '/docs-json'], (req: Request, res: Response, next: NextFunction) => {
      if (access.apiKeys.match(req.headers.authorization) !== null) return next();
      const detail =
        'The API documentation needs an API key ("Authorization: Bearer <key>"), or DOCS_PUBLIC=true.';
      sendProblem(unauthorized('unauthorized', detail), req, res);
    });
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}

/**
 * Builds the document without a database: the app module in Nest's preview mode resolves the module
 * graph and routes but instantiates no provider, so nothing connects. Used by `npm run openapi` and the
 * test that keeps openapi.json in sync.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(
    AppModule.register(config, 'postgres://openapi.invalid:5432/none', pino({ enabled: false })),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed form of the document: stable key order as built, two-space indent, final newline. */
export const serializeOpenApi = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;
