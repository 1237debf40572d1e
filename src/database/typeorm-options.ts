import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from 'src/config/app-config';
import { entities } from 'src/database/entities';
import { MIGRATIONS } from 'src/database/migrations';

/** The one place TypeORM is configured: the app, the tests and the migration tooling all build from it. */
export function buildDataSourceOptions(database: DatabaseConfig, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: entities(),
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    applicationName: 'hooktrail',
    connectTimeoutMS: database.connectTimeoutMs,
    poolSize: database.poolSize,
    extra: {
      // Bounded waits everywhere: a request never hangs on a database that is down or overloaded.
      connectionTimeoutMillis: database.connectTimeoutMs,
      statement_timeout: database.statementTimeoutMs,
      query_timeout: database.statementTimeoutMs + 1_000,
      idle_in_transaction_session_timeout: database.statementTimeoutMs * 2,
      // Connections are kept through quiet minutes: a burst after a pause would otherwise open them all again
      // (a new backend plans the projection function and loads its caches anew), which made the first second
      // of a burst after 35 s of quiet several times slower in the ingest bench (docs/benchmarks.md).
      idleTimeoutMillis: 10 * 60_000,
      keepAlive: true,
    },
  };
}
