import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { createDb } from '../db/client.js';
import { type DatabaseHandle, openDatabase, redactUrl } from '../db/database-server.js';
import { applyMigrations, DatabaseConnectionError } from '../db/migrate.js';
import { upgradePostText } from '../search/text-upgrade.js';

// `npm run db:migrate`: applies the pending prisma/migrations to DATABASE_URL or the embedded
// database, one line per migration applied. Any failure is one line on stderr and exit code 1.

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnv());
  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase(config.database);
    const { url } = database;
    const { applied } = await applyMigrations(url, { log: (line) => process.stdout.write(`${line}\n`) }).catch(
      (error: unknown) => {
        if (error instanceof DatabaseConnectionError) {
          throw new Error(`Could not reach the database at ${redactUrl(url)}: ${error.message}`);
        }
        throw new Error(`Could not apply the migrations to ${redactUrl(url)}: ${(error as Error).message}`);
      },
    );
    for (const name of applied) process.stdout.write(`Applied migration ${name}\n`);
    if (applied.length === 0) process.stdout.write('No pending migrations: the database is up to date.\n');
    const db = createDb(url, 2);
    try {
      const upgraded = await upgradePostText(db);
      if (upgraded > 0) process.stdout.write(`Re-indexed ${upgraded} post(s) for search and topics.\n`);
    } finally {
      await db.$disconnect();
    }
  } finally {
    await database?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
