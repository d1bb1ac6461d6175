import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, PREPARED_STATEMENT } from '../../src/db/client.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Raw statements that ask for it (PREPARED_STATEMENT first) are prepared once per connection under a name
// derived from their text; every other statement stays unnamed (db/client.ts).

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  // One connection: the statements prepared on it are the ones this test reads back.
  db = createDb(database.url, 1);
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe('statements prepared on the connection', () => {
  it('prepares the statements that ask for it, once, and answers each execution with its own values', async () => {
    const marked = (n: number) =>
      db.$queryRaw<{ n: number }[]>`${Prisma.raw(PREPARED_STATEMENT)} SELECT ${n}::int + 1 AS n`;
    const unmarked = (n: number) => db.$queryRaw<{ n: number }[]>`SELECT ${n}::int + 2 AS n`;
    for (let i = 0; i < 8; i++) {
      expect(await marked(i)).toEqual([{ n: i + 1 }]);
      expect(await unmarked(i)).toEqual([{ n: i + 2 }]);
    }
    const prepared = await db.$queryRaw<{ name: string; statement: string }[]>`
      SELECT name, statement FROM pg_prepared_statements ORDER BY name`;
    expect(prepared).toHaveLength(1);
    expect(prepared[0]?.name).toMatch(/^agora_[\w-]+$/);
    expect(prepared[0]?.statement.startsWith(PREPARED_STATEMENT)).toBe(true);
    expect(prepared[0]?.statement).toContain('+ 1 AS n');
  });
});
