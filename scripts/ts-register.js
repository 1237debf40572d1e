'use strict';
/**
 * Runs this project's TypeScript straight from the sources: `node -r ./scripts/ts-register.js scripts/send.ts`.
 * The npm scripts (send, demo, replay, ...) and the tests' child processes start this way, so they need no
 * build and never touch dist/, which a running service may be using.
 *
 * Hand-written because the ready-made runners do not fit: esbuild and tsx drop `emitDecoratorMetadata`,
 * which Nest's dependency injection reads; ts-node type-checks every start. This hook does what ts-jest does
 * in the tests: each file goes through TypeScript's own `transpileModule` with the project's tsconfig.json
 * options. Outputs are cached under node_modules/.cache, one entry per file, so an unchanged file is never
 * compiled twice and TypeScript itself is loaded only when some file changed. `src/...` imports resolve against the
 * project root, as tsconfig's baseUrl (and jest's moduleNameMapper) resolve them.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join, resolve, sep } = require('node:path');

const root = resolve(__dirname, '..');
const tsconfigPath = join(root, 'tsconfig.json');
const cacheDir = process.env.HOOKTRAIL_TS_CACHE || join(root, 'node_modules', '.cache', 'hooktrail-ts');

/** Everything besides a file's path and text that its output depends on: the compiler and its configuration. */
const compilerKey = createHash('sha1')
  .update(readFileSync(require.resolve('typescript/package.json')))
  .update(readFileSync(tsconfigPath))
  .digest('hex');

let compiler; // TypeScript and the project's options, loaded on the first cache miss only

function transpile(source, filename) {
  if (compiler === undefined) {
    const ts = require('typescript');
    const { config, error } = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
    if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
    // Source maps inline (no .map files to write), everything else exactly as tsconfig.json says.
    const compilerOptions = { ...options, sourceMap: false, inlineSourceMap: true, noEmit: false };
    compiler = { ts, compilerOptions };
  }
  const { ts, compilerOptions } = compiler;
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

/**
 * One cache entry per source file, named after its path and overwritten when the file changes, so the cache
 * holds no more files than the project has: its first line is the key of the text it was compiled from.
 */
function cached(source, filename) {
  const key = createHash('sha1').update(compilerKey).update(source).digest('hex');
  const header = `//${key}\n`;
  const file = join(cacheDir, `${createHash('sha1').update(filename).digest('hex')}.js`);
  try {
    const entry = readFileSync(file, 'utf8');
    if (entry.startsWith(header)) return entry.slice(header.length);
  } catch {
    // not compiled yet
  }
  const output = transpile(source, filename);
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${file}.${process.pid}`, header + output);
    renameSync(`${file}.${process.pid}`, file); // atomic: a process starting in parallel never reads half a file
  } catch {
    // a cache that cannot be written only costs the next start a compilation
  }
  return output;
}

Module._extensions['.ts'] = (module, filename) => {
  module._compile(cached(readFileSync(filename, 'utf8'), filename), filename);
};

const resolveFilename = Module._resolveFilename;
const inNodeModules = `${sep}node_modules${sep}`;
Module._resolveFilename = function (request, parent, ...rest) {
  const ours = parent?.filename && !parent.filename.includes(inNodeModules);
  const mapped = ours && request.startsWith('src/') ? join(root, request) : request;
  return resolveFilename.call(this, mapped, parent, ...rest);
};
