import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { scratchDataDir, startEmbeddedPostgres } from '../../src/database/embedded-postgres';

declare global {
  var __HOOKTRAIL_PG__: { stop(): Promise<void>; folder: string } | undefined;
}

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

/**
 * Tests follow the service's own rule: DATABASE_URL when set, otherwise one embedded Postgres for the
 * run (a throwaway cluster in a temp folder). Each test file then works in a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const port = await freePort();
  const dataDir = scratchDataDir('hooktrail-test-');
  const pg = await startEmbeddedPostgres({
    dataDir,
    port,
    database: 'postgres',
    ephemeral: true,
    // A throwaway cluster: durability settings off to keep the suite fast (the service keeps them on).
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  globalThis.__HOOKTRAIL_PG__ = { stop: pg.stop, folder: dirname(dataDir) };
  process.env.TEST_ADMIN_DATABASE_URL = pg.url;
}
