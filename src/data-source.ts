import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { buildDataSourceOptions } from 'src/database/typeorm-options';

/**
 * Data source for the TypeORM CLI (with the registered providers' entities), built from the same validated configuration as the app. Without
 * DATABASE_URL it points at the embedded Postgres of `npm start` (same data folder and port).
 */
const config = loadConfig(process.env);
const url =
  config.database.url ??
  `postgres://postgres:hooktrail-embedded@127.0.0.1:${config.database.embedded.port}/hooktrail`;

export default new DataSource(buildDataSourceOptions(config.database, url));
