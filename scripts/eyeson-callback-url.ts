import { loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import 'src/providers/providers';
import {
  callbackUrlExpiresAt,
  mintCallbackUrl,
  referenceProblem,
} from 'src/providers/eyeson/eyeson-callback-token';

/**
 * Usage: npm run -s eyeson:callback-url -- <reference>
 * Prints the signed callback URL for <reference> (the same URL POST /api/eyeson/callback-urls returns),
 * minted with the first of EYESON_CALLBACK_SECRETS under PUBLIC_BASE_URL, read from the same validated
 * configuration as the service. Only the URL goes to stdout, so it can be captured in a shell variable.
 */
function main(argv: string[]): number {
  const [reference, ...rest] = argv;
  if (reference === undefined || rest.length > 0) {
    process.stderr.write('usage: npm run -s eyeson:callback-url -- <reference>\n');
    return 64; // EX_USAGE
  }
  const problem = referenceProblem(reference);
  if (problem !== null) {
    process.stderr.write(`${problem}\n`);
    return 65; // EX_DATAERR
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 78; // EX_CONFIG
  }
  const [secret] = config.providers.eyeson.secrets;
  if (secret === undefined) {
    process.stderr.write('EYESON_CALLBACK_SECRETS is not set: no callback URL can be minted.\n');
    return 78;
  }
  if (!process.env.PUBLIC_BASE_URL && !process.env.PUBLIC_BASE_URL_FILE) {
    process.stderr.write(`PUBLIC_BASE_URL is not set: the URL uses ${config.publicBaseUrl}\n`);
  }
  const expiresAt = callbackUrlExpiresAt(config.providers.eyeson.callbackUrlTtlDays);
  process.stderr.write(`valid until ${expiresAt.toISOString()}\n`);
  process.stdout.write(`${mintCallbackUrl(config.publicBaseUrl, secret, reference, expiresAt)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
