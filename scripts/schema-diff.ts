import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from 'src/config/app-config';
import { buildDataSourceOptions } from 'src/database/typeorm-options';
import 'src/providers/providers';

/**
 * Runs every migration on the given database, then asks TypeORM what it would still change to match
 * the entities. An empty answer means entities and migrations agree.
 */
export async function pendingSchemaChanges(
  database: DatabaseConfig,
  url: string,
): Promise<{ up: string[]; down: string[] }> {
  const dataSource = new DataSource(buildDataSourceOptions(database, url));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return { up: sql.upQueries.map((q) => q.query), down: sql.downQueries.map((q) => q.query) };
  } finally {
    await dataSource.destroy();
  }
}
