import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, runCommand } from './support/run-command';
import { PROJECT_ROOT } from './support/spawn-ts';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The README's shell examples, run as a reader runs them: every ```sh block of README.md, as written, in
 * bash, with the real curl and the real `npm run demo` / `npm run send`, against the real service configured
 * as `npm run start:demo` configures it (.env.example). Only `localhost:3000` becomes the test's port. Edit an
 * example and this runs the new text.
 */
const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** Lines whose part the test plays itself: installing, starting the service, running the tests. */
const PLAYED_BY_THE_TEST = /^(npm install|npm start|npm test|npm run start:demo)\b/;
const runnable = (block: string) =>
  block.split('\n').filter((line) => line.trim() !== '' && !PLAYED_BY_THE_TEST.test(line));

/**
 * The demo first, then the examples that only query: they must answer after the demo alone. The blocks that
 * send webhooks of their own come last.
 */
const sends = (block: string) => block.includes('npm run send');
const ordered = [
  ...blocks.filter((b) => b.includes('npm run demo')),
  ...blocks.filter((b) => !b.includes('npm run demo') && !sends(b)),
  ...blocks.filter((b) => !b.includes('npm run demo') && sends(b)),
].filter((b) => runnable(b).length > 0);

/** `npm run start:demo`'s configuration; logs stay quiet in the test's output. */
function dotEnvExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return { ...env, LOG_LEVEL: 'silent', LOG_PRETTY: 'false' };
}

/**
 * Each curl reports its status on stderr (`HTTP <status> <method> <url>`), its output untouched; npm runs
 * the project's scripts from the temporary folder the block runs in (where `curl -o` writes).
 */
const prelude = [
  'set -euo pipefail',
  `curl() { command curl --silent --show-error --write-out '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' "$@"; }`,
  `npm() { command npm --prefix '${PROJECT_ROOT}' "$@"; }`,
];

describe('README examples, run after npm run demo', () => {
  let t: TestApp;
  let folder: string;
  beforeAll(async () => {
    t = await startTestApp(dotEnvExample());
    folder = mkdtempSync(join(tmpdir(), 'hooktrail-readme-'));
  });
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await t.close();
  });

  it('has the demo and the query examples to run', () => {
    expect(ordered[0]).toContain('npm run demo');
    expect(ordered.some((b) => b.includes('/api/sessions/perculus/'))).toBe(true);
  });

  it.each(ordered.map((block) => [runnable(block).find((l) => !l.startsWith('#')) ?? '', block]))(
    'the block starting `%s` runs, and every curl in it answers 200 (201 for a POST)',
    async (_first, block) => {
      const port = new URL(t.baseUrl).port;
      const lines = runnable(block);
      const script = [...prelude, ...lines].join('\n').replaceAll('localhost:3000', `localhost:${port}`);
      const result = await runCommand('bash', ['-c', script], {
        cwd: folder,
        env: { ...baseEnv(), PORT: port },
        timeoutMs: 90_000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect({ code: result.code, output }).toEqual({ code: 0, output });

      const answers = [...result.stderr.matchAll(/^HTTP (\d{3}) (\S+) (\S+)$/gm)].map(
        ([, status, method, url]) => ({ method, url, status: Number(status) }),
      );
      const curls =
        lines
          .filter((l) => !l.startsWith('#'))
          .join('\n')
          .match(/(^|[\s(])curl\s/gm) ?? [];
      expect(answers).toHaveLength(curls.length);
      expect(answers).toEqual(answers.map((a) => ({ ...a, status: a.method === 'POST' ? 201 : 200 })));
      // What `curl -o` saved (statSync throws for a file that is not there).
      for (const [, file] of block.matchAll(/ -o (\S+)/g))
        expect(statSync(join(folder, file)).size).toBeGreaterThan(0);
    },
    120_000,
  );
});
