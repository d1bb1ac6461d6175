import path from 'node:path';
import { createBackup } from '../backup/backup.js';
import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { type DatabaseHandle, openDatabase } from '../db/database-server.js';

// `npm run backup [-- <folder>]`: writes agora-backup-<date>.tar.gz (database rows, attachments, manifest)
// into <folder>, else BACKUP_DIR. With the embedded database, stop Ágora first (one process holds it).
// Prints the archive's path; any failure is one line on stderr and exit code 1.

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnv());
  const [folder] = process.argv.slice(2);
  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase(config.database);
    const { archive } = await createBackup({
      databaseUrl: database.url,
      attachmentsDir: config.attachments.dir,
      outputDir: folder ? path.resolve(folder) : config.backupDir,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${archive}\n`);
  } finally {
    await database?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
    process.stderr.write(`Backup failed: ${message}\n`);
    process.exit(1);
  },
);
