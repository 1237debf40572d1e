import { loadConfig } from 'src/config/app-config';
import { pendingSchemaChanges } from '../scripts/schema-diff';
import { createTestDatabase, TEST_ENV } from './support/test-app';

describe('schema', () => {
  it('has no drift: after every migration, the entities ask for no further change', async () => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({ ...TEST_ENV, DATABASE_URL: database.url });
      const { up } = await pendingSchemaChanges(config.database, database.url);
      expect(up).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
