import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, runCommand } from './support/run-command';
import { PROJECT_ROOT } from './support/spawn-ts';
import { freePort } from './support/child-servers';
import { eventually } from './support/query-fixtures';
import { createTestDatabase, startTestApp, TEST_API_KEY, TEST_ENV, TestApp } from './support/test-app';

const npmRun = (args: string[], env: Record<string, string | undefined>) =>
  runCommand('npm', ['run', '--silent', ...args], { cwd: PROJECT_ROOT, env, timeoutMs: 90_000 });

/**
 * The npm scripts run the TypeScript sources through scripts/ts-register.js: no build first, so they start in
 * about a second and never touch dist/, which a running service (npm run start:prod) may be using.
 */
describe('npm run send, demo and replay', () => {
  let t: TestApp;
  let env: Record<string, string | undefined>;
  const dist = join(PROJECT_ROOT, 'dist');
  const marker = join(dist, `running-service-${randomBytes(4).toString('hex')}`);
  beforeAll(async () => {
    t = await startTestApp();
    // The test app's secrets sign; the scripts reach it by HOOKTRAIL_URL and its database by DATABASE_URL.
    env = { ...baseEnv(), ...TEST_ENV, HOOKTRAIL_URL: t.baseUrl, DATABASE_URL: t.databaseUrl };
    mkdirSync(dist, { recursive: true });
    writeFileSync(marker, 'a file of the build a service is running from\n');
  });
  afterAll(async () => {
    rmSync(marker, { force: true });
    if (readdirSync(dist).length === 0) rmdirSync(dist);
    await t.close();
  });

  it('send: delivers a signed webhook that the service stores and projects; dist/ is left alone', async () => {
    const sent = await npmRun(['send', '--', 'wms', 'MEASUREMENT_CREATED', '--session', 'npm-send'], env);
    expect({ code: sent.code, stdout: sent.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^HTTP 200[\s\S]*"status": "accepted"[\s\S]*\nprojected: event \d+\n$/),
    });
    const timeline = await fetch(`${t.baseUrl}/api/sessions/wms/npm-send/events`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(timeline.status).toBe(200);
    const { items } = (await timeline.json()) as { items: Array<{ type: string }> };
    expect(items.map((e) => e.type)).toEqual(['MEASUREMENT_CREATED']);
    expect(existsSync(marker)).toBe(true);
  }, 120_000);

  it('demo: replays its day and waits for its projection; dist/ is left alone', async () => {
    const demo = await npmRun(['demo', '--', '--run', 'npm'], env);
    expect({ code: demo.code, output: demo.stdout + demo.stderr }).toEqual({
      code: 0,
      output: expect.any(String),
    });
    expect(demo.stdout).toMatch(/Sent \d+ webhooks/);
    const session = await fetch(`${t.baseUrl}/api/sessions/perculus/class-101-npm`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect({ status: session.status, body: await session.json() }).toMatchObject({
      status: 200,
      body: { status: 'finished' },
    });
    expect(existsSync(marker)).toBe(true);
  }, 120_000);

  it('replay: re-processes the stored deliveries of the same database; dist/ is left alone', async () => {
    const replay = await npmRun(['replay', '--', '--provider', 'wms', '--since', '2000-01-01'], env);
    expect({ code: replay.code, stdout: replay.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('0 deliveries replayed'),
    });
    expect(existsSync(marker)).toBe(true);
  }, 120_000);

  it('compiles a file once: a second run takes every module from the cache and writes nothing', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'hooktrail-ts-cache-'));
    try {
      const files = () => readdirSync(cache).map((f) => [f, statSync(join(cache, f)).mtimeMs]);
      const list = () => npmRun(['send', '--', 'wms'], { ...env, HOOKTRAIL_TS_CACHE: cache });
      expect((await list()).code).toBe(0);
      const compiled = files();
      expect(compiled.length).toBeGreaterThan(10);
      expect((await list()).code).toBe(0);
      expect(files()).toEqual(compiled);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});

/** scripts/ts-register.js keeps one cache entry per source file, so the cache never grows with edits. */
describe('the TypeScript require hook', () => {
  it('replaces the cache entry of a file that changed', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hooktrail-ts-hook-'));
    const cache = join(folder, 'cache');
    const file = join(folder, 'answer.ts');
    const run = (text: string) => {
      writeFileSync(file, `const answer: string = '${text}';\nconsole.log(answer);\n`);
      return runCommand('node', ['-r', join(PROJECT_ROOT, 'scripts', 'ts-register.js'), file], {
        cwd: PROJECT_ROOT,
        env: { ...baseEnv(), HOOKTRAIL_TS_CACHE: cache },
      });
    };
    try {
      expect(await run('first')).toMatchObject({ code: 0, stdout: 'first\n' });
      expect(await run('second')).toMatchObject({ code: 0, stdout: 'second\n' });
      expect(readdirSync(cache)).toHaveLength(1);
      expect(await run('first')).toMatchObject({ code: 0, stdout: 'first\n' });
      expect(readdirSync(cache)).toHaveLength(1);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/**
 * A supervisor that started the service with `npm start` stops it by signalling npm: the signal must reach
 * the service (npm signals its child, the shell of the script, which `exec` replaces with node), or the
 * service would run on orphaned, holding its port.
 */
describe('npm start', () => {
  it('stops the service when npm is sent SIGTERM', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const health = `http://127.0.0.1:${port}/health`;
    const answers = () =>
      fetch(health).then(
        (r) => r.status,
        () => 'refused' as const,
      );
    const npm = spawn('npm', ['start'], {
      cwd: PROJECT_ROOT,
      env: { ...baseEnv(), DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
      // Its own process group, so that whatever it started can be cleared up if the test fails.
      detached: true,
    });
    const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    try {
      expect(await eventually(answers, (s) => s === 200, 60_000)).toBe(200);
      npm.kill('SIGTERM');
      await Promise.race([
        npmExited,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('npm did not exit within 15 s')), 15_000).unref(),
        ),
      ]);
      expect(await eventually(answers, (s) => s === 'refused', 15_000)).toBe('refused');
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // the group is gone: nothing outlived npm
      }
      await database.drop();
    }
  }, 120_000);
});
