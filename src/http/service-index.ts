import type { OpenAPIObject } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { AppConfig } from 'src/config/app-config';

/** Where things are, answered at `GET /` and printed once at start-up. */
export interface ServiceIndex {
  service: 'hooktrail';
  docs: string;
  openapi: string;
  health: string;
  /** Every webhook route, by provider (a path parameter such as `{token}` is the sender's credential). */
  webhooks: Record<string, string>;
}

/** Built from the OpenAPI document, so every provider's routes appear without being listed here. */
export function serviceIndex(config: AppConfig, document: OpenAPIObject): ServiceIndex {
  const base = config.publicBaseUrl;
  const webhooks: Record<string, string> = {};
  for (const path of Object.keys(document.paths).sort()) {
    const provider = /^\/webhooks\/([^/]+)/.exec(path)?.[1];
    if (provider !== undefined && document.paths[path].post !== undefined) webhooks[provider] = base + path;
  }
  return {
    service: 'hooktrail',
    docs: `${base}/docs`,
    openapi: `${base}/docs-json`,
    health: `${base}/health`,
    webhooks,
  };
}

/**
 * The start-up banner: one line (human-readable text, the same facts as fields) instead of Nest's line per
 * route. Providers without a secret are listed as disabled; they were warned about already.
 */
export function logBanner(logger: Logger, config: AppConfig, index: ServiceIndex): void {
  const enabled = (provider: string) =>
    (config.providers as Record<string, { secrets: unknown[] } | undefined>)[provider]?.secrets.length !== 0;
  const rows = Object.entries(index.webhooks).map(
    ([provider, url]) =>
      `  ${provider.padEnd(10)} ${url}${enabled(provider) ? '' : '  (disabled: no secret)'}`,
  );
  logger.info(
    {
      url: config.publicBaseUrl,
      docs: index.docs,
      webhooks: index.webhooks,
      disabledProviders: Object.keys(index.webhooks).filter((p) => !enabled(p)),
    },
    [
      `hooktrail is listening on ${config.publicBaseUrl}`,
      `  API docs   ${index.docs}`,
      '  webhooks:',
      ...rows,
    ].join('\n'),
  );
}
