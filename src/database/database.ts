import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { isRetryableTransactionError } from 'src/database/db-errors';

/**
 * Runs a statement on a pool or a client. Never a named (session-level) prepared statement: the service
 * works through a pooler in transaction mode, where a session's state does not follow it.
 */
export async function runQuery<R = Record<string, unknown>>(
  on: Pool | PoolClient,
  statement: string,
  values?: unknown[],
): Promise<{ rows: R[]; rowCount: number | null }> {
  // A fresh config every time: `pg` keeps the values on the object it is given.
  const config: QueryConfig = { text: statement, values };
  const result = await on.query(config);
  return { rows: result.rows as R[], rowCount: result.rowCount };
}

/**
 * Plain SQL on TypeORM's own `pg` pool, for the ingestion hot path where a handful of hand-written
 * statements per delivery beat ORM round trips. Queries are parameterised; nothing is interpolated.
 */
@Injectable()
export class Database {
  readonly pool: Pool;

  constructor(dataSource: DataSource) {
    // TypeORM's Postgres driver keeps its pg.Pool as `master`; sharing it means one pool, one config.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  query<R = Record<string, unknown>>(
    statement: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    return runQuery<R>(this.pool, statement, values);
  }

  /** Runs `work` in a transaction, retrying deadlocks and serialization failures a few times. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      // While checked out a client has no pool listener: if the server ends the session between two
      // statements (restart, failover, pg_terminate_backend), the unhandled 'error' would kill the process.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone; do not return it to the pool
        }
        if (attempt < attempts && isRetryableTransactionError(err)) continue;
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }
}
