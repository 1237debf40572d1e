import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, serializeOpenApi } from 'src/openapi';

/**
 * Usage: npm run openapi
 * Writes the OpenAPI document of the routes to openapi.json at the repository root (no database needed).
 * The openapi spec fails until the committed file matches the code.
 */
async function main(): Promise<void> {
  const file = resolve(__dirname, '..', 'openapi.json');
  writeFileSync(file, serializeOpenApi(await generateOpenApiDocument()));
  console.log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
