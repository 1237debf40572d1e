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
 * Runs `work` while holding an advisory lock, waiting (polling, so no statement timeout applies to the wait)
 * up to `waitMs` for another instance to release it. Used so that instances started together do not apply
 * the same migration twice. The lock is transaction-scoped, taken in a transaction a dedicated connection
 * keeps open around `work`: it ends with that transaction, never outlives it on a session (a pooler in
 * transaction mode hands sessions to other clients between transactions).
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
      await runner.query('BEGIN');
      // The transaction stays idle while `work` runs on other connections.
      await runner.query('SET LOCAL idle_in_transaction_session_timeout = 0');
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        key,
      ])) as Array<{ locked: boolean }>;
      if (locked) break;
      await runner.query('ROLLBACK');
      if (Date.now() > deadline)
        throw new Error(`advisory lock ${key} still held after ${options.waitMs} ms`);
      if (!waited) options.onWait?.();
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
      return await work();
    } finally {
      await runner.query('COMMIT');
    }
  } finally {
    await runner.release();
  }
}
