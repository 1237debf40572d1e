import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
/**
 * Transpiled modules, keyed by content hash: shared by every child and every run, never stale. Kept with the
 * project's other caches, not in the system's temp folder (the tests leave nothing there).
 */
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'hooktrail-ts');

/** ts-register.ts transpiled to plain JavaScript (once; the file name carries its content hash). */
function registerScript(): string {
  const source = readFileSync(join(__dirname, 'ts-register.ts'), 'utf8');
  const file = join(CACHE_DIR, `ts-register-${createHash('sha1').update(source).digest('hex')}.js`);
  if (!existsSync(file)) {
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2023,
        esModuleInterop: true,
      },
    });
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(`${file}.${process.pid}`, outputText);
    renameSync(`${file}.${process.pid}`, file); // atomic: a parallel worker never reads half a file
  }
  return file;
}

/**
 * Runs a TypeScript file of this project (e.g. `src/main.ts`) in a child Node process, straight from the
 * sources (see ts-register.ts): what runs is exactly what the tests compile, with no build step.
 */
export function spawnTs(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcess {
  return spawn(process.execPath, ['-r', registerScript(), join(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      HOOKTRAIL_ROOT: PROJECT_ROOT,
      HOOKTRAIL_TS_CACHE: CACHE_DIR,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves when the child exits (immediately if it has already). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Collects a child's output, to show it when the child fails. */
export function captureOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}
