import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const pg = globalThis.__HOOKTRAIL_PG__;
  if (!pg) return;
  await pg.stop();
  rmSync(pg.folder, { recursive: true, force: true }); // the run's scratch folder, owner file included
}
