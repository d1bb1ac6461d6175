import path from 'node:path';
import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { type DatabaseHandle, openDatabase, redactUrl } from '../db/database-server.js';
import { createMigration, DatabaseConnectionError, isValidMigrationName } from '../db/migrate.js';
import { projectRoot } from '../paths.js';

// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// what schema.prisma changed since the last migration. The database server (DATABASE_URL or the
// embedded one) only hosts a scratch database for the comparison; its data is not touched.

const USAGE = `Usage: npm run db:migration -- <name>
  <name>: what the migration does, in letters, digits, underscores or dashes (e.g. add_user_roles).
`;

async function main(name: string): Promise<void> {
  const config = loadConfig(readProcessEnv());
  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase(config.database);
    const { url } = database;
    const created = await createMigration(name, { connectionString: url }).catch((error: unknown) => {
      if (error instanceof DatabaseConnectionError) {
        throw new Error(`Could not reach the database at ${redactUrl(url)}: ${error.message}`);
      }
      throw new Error(`Could not write the migration: ${(error as Error).message}`);
    });
    if (created) process.stdout.write(`Wrote ${path.relative(projectRoot, created.directory)}/migration.sql\n`);
    else process.stdout.write('schema.prisma matches the migrations: nothing to write.\n');
  } finally {
    await database?.stop();
  }
}

const args = process.argv.slice(2);
const name = args[0];
if (args.length !== 1 || name === undefined || !isValidMigrationName(name)) {
  if (name !== undefined && !isValidMigrationName(name)) process.stderr.write(`Invalid migration name: ${name}\n`);
  process.stderr.write(USAGE);
  process.exit(2);
}

main(name).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
