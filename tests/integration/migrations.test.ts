import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import {
  applyMigrations,
  createMigration,
  DatabaseConnectionError,
  diffDatabaseToSchema,
  MIGRATION_LOCK,
  MigrationError,
} from '../../src/db/migrate.js';
import { migrationsDir, schemaPath } from '../../src/paths.js';
import { createEmptyDatabase, type TestDatabase } from '../support/database.js';

// The migrations themselves, on empty databases of this file's own (never the shared template).

const databases: TestDatabase[] = [];
const temporaryDirs: string[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createEmptyDatabase();
  databases.push(database);
  return database;
}

async function temporaryDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agora-migrations-'));
  temporaryDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  await Promise.all(temporaryDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function migrationNames(dir = migrationsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('applyMigrations on an empty database', () => {
  let database: TestDatabase;
  let first: { applied: string[] };
  let second: { applied: string[] };

  beforeAll(async () => {
    database = await emptyDatabase();
    first = await applyMigrations(database.url);
    second = await applyMigrations(database.url);
  });

  it('applies every migration in prisma/migrations, oldest first, starting with init', async () => {
    const names = await migrationNames();
    expect(names[0]).toMatch(/^\d{14}_init$/);
    expect(first.applied).toEqual(names);
  });

  it('records them in _prisma_migrations as `prisma migrate deploy` does (same checksums)', async () => {
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(
      database.url,
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    const names = await migrationNames();
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      // Prisma's checksum: SHA-256 of the migration.sql bytes, in lower-case hex.
      const sql = await readFile(path.join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('applies nothing the second time', () => {
    expect(second.applied).toEqual([]);
  });

  it('creates the extensions that schema.prisma declares', async () => {
    const rows = await query<{ extname: string }>(database.url, 'SELECT extname FROM pg_extension');
    expect(rows.map((row) => row.extname)).toEqual(expect.arrayContaining(['citext', 'unaccent', 'pg_trgm']));
  });

  it('leaves no difference with schema.prisma (a change without its migration fails here)', async () => {
    expect(await diffDatabaseToSchema(database.url)).toBe('');
  });
});

describe('diffDatabaseToSchema', () => {
  it('returns the SQL a database lacks to match schema.prisma', async () => {
    const database = await emptyDatabase();
    const sql = await diffDatabaseToSchema(database.url);
    expect(sql).toContain('CREATE TABLE "organizations"');
    expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS "citext"');
  });
});

describe('applyMigrations, more', () => {
  it('lets two processes migrate the same database at once: one applies, the other then finds nothing', async () => {
    const database = await emptyDatabase();
    const results = await Promise.all([applyMigrations(database.url), applyMigrations(database.url)]);
    expect(results.flatMap((result) => result.applied)).toEqual(await migrationNames());
    const rows = await query<{ count: string }>(database.url, 'SELECT count(*) FROM _prisma_migrations');
    expect(Number(rows[0]?.count)).toBe((await migrationNames()).length);
  });

  it('runs each migration as one script: semicolons in strings and bodies, and all or nothing', async () => {
    const database = await emptyDatabase();
    const dir = await temporaryDir();
    const write = async (name: string, sql: string) => {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, 'migration.sql'), sql);
    };
    await writeFile(path.join(dir, 'migration_lock.toml'), MIGRATION_LOCK);
    await write(
      '20200101000000_semicolons',
      `CREATE TABLE notes (body TEXT NOT NULL DEFAULT 'a;b');
CREATE FUNCTION one() RETURNS INTEGER LANGUAGE sql AS $$ SELECT 1; $$;
`,
    );
    await write('20200102000000_broken', 'CREATE TABLE half (id INTEGER);\nCREATE TABLE notes (id INTEGER);\n');

    const failure = await applyMigrations(database.url, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as Error).message).toMatch(/relation "notes" already exists.*20200102000000_broken/);

    const tables = await query<{ tablename: string }>(
      database.url,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.map((row) => row.tablename)).toEqual(['_prisma_migrations', 'notes']);
    const [row] = await query<{ body: string; one: number }>(
      database.url,
      'INSERT INTO notes DEFAULT VALUES RETURNING body, one() AS one',
    );
    expect(row).toEqual({ body: 'a;b', one: 1 });
  });

  it('reports an unreachable database as a DatabaseConnectionError', async () => {
    const url = `postgresql://agora:nothing@127.0.0.1:${await findFreePort()}/agora`;
    await expect(applyMigrations(url)).rejects.toBeInstanceOf(DatabaseConnectionError);
  });
});

describe('createMigration', () => {
  /** A copy of prisma/ in a temporary folder, with schema.prisma changed by `edit`. */
  async function copyOfPrisma(edit: (schema: string) => string = (schema) => schema) {
    const dir = await temporaryDir();
    const copy = { migrationsDir: path.join(dir, 'migrations'), schemaPath: path.join(dir, 'schema.prisma') };
    await cp(migrationsDir, copy.migrationsDir, { recursive: true });
    await writeFile(copy.schemaPath, edit(await readFile(schemaPath, 'utf8')));
    return copy;
  }

  async function scratchDatabasesLeft(url: string): Promise<string[]> {
    const rows = await query<{ datname: string }>(url, 'SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `agora_scratch_${process.pid}_%`,
    ]);
    return rows.map((row) => row.datname);
  }

  it('writes nothing when schema.prisma matches the migrations', async () => {
    const database = await emptyDatabase();
    const copy = await copyOfPrisma();
    expect(await createMigration('nothing', { connectionString: database.url, ...copy })).toBeNull();
    expect(await migrationNames(copy.migrationsDir)).toEqual(await migrationNames());
    expect(await scratchDatabasesLeft(database.url)).toEqual([]);
  });

  it('writes the SQL of a schema change as a new migration, and the lock file if missing', async () => {
    const database = await emptyDatabase();
    const copy = await copyOfPrisma((schema) => {
      const changed = schema.replace('  @@map("site_settings")', '  motto String?\n\n  @@map("site_settings")');
      expect(changed).not.toBe(schema);
      return changed;
    });
    await rm(path.join(copy.migrationsDir, 'migration_lock.toml'));

    const created = await createMigration('add-siteMotto', { connectionString: database.url, ...copy });
    expect(created).not.toBeNull();
    const { directory, sql } = created as { directory: string; sql: string };
    expect(path.dirname(directory)).toBe(copy.migrationsDir);
    expect(path.basename(directory)).toMatch(/^\d{14}_add_site_motto$/);
    expect(sql).toMatch(/ALTER TABLE "site_settings" ADD COLUMN\s+"motto" TEXT;/);
    expect(await readFile(path.join(directory, 'migration.sql'), 'utf8')).toBe(sql);
    expect(await readFile(path.join(copy.migrationsDir, 'migration_lock.toml'), 'utf8')).toBe(MIGRATION_LOCK);
    expect(await scratchDatabasesLeft(database.url)).toEqual([]);

    // The new migration covers the change, and applies on top of the others.
    expect(await createMigration('again', { connectionString: database.url, ...copy })).toBeNull();
    const { applied } = await applyMigrations(database.url, { migrationsDir: copy.migrationsDir });
    expect(applied.at(-1)).toBe(path.basename(directory));
    expect(await diffDatabaseToSchema(database.url, { schemaPath: copy.schemaPath })).toBe('');
  });

  it('refuses a name that is not letters, digits, underscores or dashes, before anything else', async () => {
    const copy = await copyOfPrisma();
    const options = { connectionString: 'postgresql://nobody@127.0.0.1:1/none', ...copy };
    for (const name of ['', 'two words', '../escape', 'semi;colon', '___']) {
      await expect(createMigration(name, options)).rejects.toThrow(/Invalid migration name/);
    }
    expect(await migrationNames(copy.migrationsDir)).toEqual(await migrationNames());
  });
});
