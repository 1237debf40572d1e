import type { DataSource } from 'typeorm';

/**
 * Postgres advisory lock keys of this service: one per job that only one instance at a time may run.
 * Arbitrary numbers, fixed forever (two versions of the service must agree on them during a rollout).
 */
export const ADVISORY_LOCK = {
  migrations: 7_254_810_001,
  retention: 7_254_810_002,
} as const;

/**
 * Runs `work` while holding a session-level advisory lock on a dedicated connection, waiting (polling, so
 * no statement timeout applies to the wait) up to `waitMs` for another instance to release it. Used so
 * that instances started together do not apply the same migration twice.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
  options: { waitMs: number; onWait?: () => void },
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const deadline = Date.now() + options.waitMs;
    let waited = false;
    for (;;) {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as Array<{
        locked: boolean;
      }>;
      if (locked) break;
      if (Date.now() > deadline)
        throw new Error(`advisory lock ${key} still held after ${options.waitMs} ms`);
      if (!waited) options.onWait?.();
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
