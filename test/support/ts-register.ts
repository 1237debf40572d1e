/**
 * A require hook that runs the project's TypeScript sources directly in a child process, the way ts-jest
 * runs them in the tests: transpile-only (`isolatedModules`), the project's compiler options, `src/...`
 * imports resolved against the project root. Tests use it to spawn the real service (and helpers such as
 * a Postgres server they can stop) without a build step, so a child never runs a stale `dist/`.
 *
 * This file is transpiled on its own by spawn-ts.ts and preloaded with `node -r`; the project root comes
 * from HOOKTRAIL_ROOT.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as TypeScript from 'typescript';

interface CompilableModule {
  _compile(code: string, filename: string): void;
}
type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;

const root = process.env.HOOKTRAIL_ROOT;
if (!root) throw new Error('ts-register: HOOKTRAIL_ROOT is not set');
const cacheDir = process.env.HOOKTRAIL_TS_CACHE;
const ts = createRequire(join(root, 'package.json'))('typescript') as typeof TypeScript;

const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const compilerOptions: TypeScript.CompilerOptions = {
  ...options,
  sourceMap: false,
  inlineSourceMap: true,
  declaration: false,
  noEmit: false,
};
const optionsKey = JSON.stringify(compilerOptions);

function transpile(source: string, filename: string): string {
  const key = cacheDir
    ? createHash('sha1').update(optionsKey).update(filename).update(source).digest('hex')
    : null;
  if (key !== null && cacheDir) {
    try {
      return readFileSync(join(cacheDir, `${key}.js`), 'utf8');
    } catch {
      // not cached yet
    }
  }
  const output = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
  if (key !== null && cacheDir) {
    mkdirSync(cacheDir, { recursive: true });
    const file = join(cacheDir, `${key}.js`);
    writeFileSync(`${file}.${process.pid}`, output);
    renameSync(`${file}.${process.pid}`, file); // atomic: a parallel child never reads half a file
  }
  return output;
}

const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
extensions['.ts'] = (module: CompilableModule, filename: string) => {
  module._compile(transpile(readFileSync(filename, 'utf8'), filename), filename);
};

const internals = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = internals._resolveFilename;
internals._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]): string {
  const mapped = request.startsWith('src/') ? join(root, request) : request;
  return resolveFilename.call(this, mapped, parent, ...rest);
};
