import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from 'src/app.module';
import { loadConfig } from 'src/config/app-config';

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
    .setVersion('1.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key from the API_KEYS setting.' },
      API_KEY_SCHEME,
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at /docs (Swagger UI) and /docs-json. Mounted on Express: no API key needed. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
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
