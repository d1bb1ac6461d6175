import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('testDatabaseAdminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function newDatabase(template: string | null): Promise<TestDatabase> {
  const name = `agora_test_${process.ppid}_${randomBytes(5).toString('hex')}`;
  await withAdmin((client) =>
    client.query(
      `CREATE DATABASE ${client.escapeIdentifier(name)}${template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : ''}`,
    ),
  );
  const url = new URL(inject('testDatabaseAdminUrl'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await withAdmin((client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

/** A fresh database of this test file's own, cloned from the migrated template. */
export function createTestDatabase(): Promise<TestDatabase> {
  return newDatabase(inject('testDatabaseTemplate'));
}

/** An empty database (not from the template), for tests of the migrations themselves. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return newDatabase(null);
}
