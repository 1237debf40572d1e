import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DatabaseConfig } from 'src/config/app-config';
import { Database } from 'src/database/database';
import { buildDataSourceOptions } from 'src/database/typeorm-options';

@Global()
@Module({})
export class DatabaseModule {
  /** `url` is the resolved server: DATABASE_URL, or the embedded Postgres started at boot. */
  static forRoot(database: DatabaseConfig, url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(database, url),
          // Boot waits a little for a database that is still starting, then fails loudly.
          retryAttempts: 5,
          retryDelay: 1_000,
        }),
      ],
      providers: [Database],
      exports: [Database],
    };
  }
}
