import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-servers';

/** Where Debian's package puts it (`apt-get install pgbouncer`, see .ci/run), or on PATH. */
function binary(): string {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'])
    if (existsSync(candidate)) return candidate;
  return 'pgbouncer';
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A real PgBouncer in transaction pooling mode in front of `serverUrl`'s Postgres: each transaction of a
 * client may run on another server session, and a server session serves many clients.
 */
export class PgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly port: number,
    private readonly output: () => string,
  ) {}

  static async start(serverUrl: string, poolSize: number): Promise<PgBouncer> {
    const server = new URL(serverUrl);
    const user = decodeURIComponent(server.username);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hooktrail-pgbouncer-'));
    // PgBouncer refuses to run as root; it then runs as `nobody`, who must read its files.
    chmodSync(dir, 0o755);
    const ini = join(dir, 'pgbouncer.ini');
    const users = join(dir, 'users.txt');
    writeFileSync(users, `"${user}" "${decodeURIComponent(server.password)}"\n`, { mode: 0o644 });
    writeFileSync(
      ini,
      [
        '[databases]',
        `* = host=${server.hostname} port=${server.port}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${users}`,
        `admin_users = ${user}`,
        'pool_mode = transaction',
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 200',
        // Startup parameters node-postgres sends that PgBouncer does not track per client.
        'ignore_startup_parameters = extra_float_digits,statement_timeout,idle_in_transaction_session_timeout',
      ].join('\n'),
      { mode: 0o644 },
    );
    const asRoot = process.getuid?.() === 0;
    const child = spawn(binary(), [...(asRoot ? ['-u', 'nobody'] : []), ini], { stdio: 'pipe' });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`pgbouncer did not start (is it installed? see .ci/run):\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return new PgBouncer(child, dir, port, () => output);
  }

  /** `url` (a database of the server behind it) reached through this bouncer. */
  route(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
