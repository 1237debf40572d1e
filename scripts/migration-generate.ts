import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from 'src/config/app-config';
import { scratchDataDir, startEmbeddedPostgres } from 'src/database/embedded-postgres';
import { pendingSchemaChanges } from './schema-diff';

/**
 * Usage: npm run migration:generate -- <name>
 * Applies every migration to a scratch database (a throwaway embedded Postgres, or DATABASE_URL), diffs the
 * result against the entities and writes the difference as a new migration in migrations/.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error('usage: migration:generate <kebab-case-name>');
  const config = loadConfig(process.env);
  const pg = config.database.url
    ? { url: config.database.url, stop: async () => undefined }
    : await startEmbeddedPostgres({
        dataDir: scratchDataDir('hooktrail-migrate-'),
        port: config.database.embedded.port + 1,
        database: 'scratch',
        ephemeral: true,
      });
  try {
    const { up, down } = await pendingSchemaChanges(config.database, pg.url);
    if (up.length === 0) {
      console.log('entities and migrations agree: nothing to generate');
      return;
    }
    const timestamp = Date.now();
    const className = name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()) + timestamp;
    const q = (s: string) => `    await queryRunner.query(${JSON.stringify(s)});`;
    const file = resolve(__dirname, '..', 'migrations', `${timestamp}-${name}.ts`);
    writeFileSync(
      file,
      `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up.map(q).join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${[...down].reverse().map(q).join('\n')}
  }
}
`,
    );
    console.log(`wrote ${file}\nadd ${className} to MIGRATIONS in src/database/migrations.ts`);
  } finally {
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
