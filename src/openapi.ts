import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeys } from 'src/common/api-key.guard';
import { unauthorized } from 'src/common/problem';
import { sendProblem } from 'src/common/problem.filter';
import { NestFactory } from '@nestjs/core';
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
  const app = await NestFactory.create(AppModule.register(config, 'postgres://openapi.invalid:5432/none'), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed form of the document: stable key order as built, two-space indent, final newline. */
export const serializeOpenApi = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;
