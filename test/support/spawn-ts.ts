import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/**
 * Runs a TypeScript file of this project (e.g. `src/main.ts`) in a child Node process, straight from the
 * sources through the require hook the npm scripts use (scripts/ts-register.js): what runs is exactly what the
 * tests compile, with no build step, so a child never runs a stale `dist/`.
 */
export function spawnTs(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcess {
  const register = join(PROJECT_ROOT, 'scripts', 'ts-register.js');
  return spawn(process.execPath, ['-r', register, join(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
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
