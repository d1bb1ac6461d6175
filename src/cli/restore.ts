import { RestoreRefused, restoreBackup } from '../backup/restore.js';
import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { type DatabaseHandle, openDatabase } from '../db/database-server.js';

// `npm run restore -- <archive>`: restores a backup into the EMPTY database (DATABASE_URL, or the embedded
// one in EMBEDDED_DB_DIR) and the EMPTY ATTACHMENTS_DIR. A damaged archive, one from a newer Ágora, or a
// target that is not empty is refused before anything changes (exit code 1, the reason on stderr).

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0]?.startsWith('-')) {
    process.stderr.write('Usage: npm run restore -- <archive.tar.gz>\n');
    process.exit(2);
  }
  const config = loadConfig(readProcessEnv());
  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase(config.database);
    await restoreBackup({
      archive: args[0] ?? '',
      databaseUrl: database.url,
      attachmentsDir: config.attachments.dir,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await database?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
    const prefix = error instanceof RestoreRefused ? 'Restore refused' : 'Restore failed';
    process.stderr.write(`${prefix}: ${message}\n`);
    process.exit(1);
  },
);
