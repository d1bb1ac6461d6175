import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { createDb } from '../db/client.js';
import { openDatabase, redactUrl } from '../db/database-server.js';
import { DEMO_PASSWORD, seedDemoData } from '../demo/demo-data.js';

// `npm run db:seed`: writes the demo data (idempotent) into DATABASE_URL or the embedded database.

async function main(): Promise<number> {
  const config = loadConfig(readProcessEnv());
  const database = await openDatabase(config.database);
  const db = createDb(database.url, 2);
  try {
    const accounts = await seedDemoData(db);
    process.stdout.write(`Demo data is in ${redactUrl(database.url)}; accounts (password: ${DEMO_PASSWORD}):\n`);
    for (const account of accounts) process.stdout.write(`  ${account.email.padEnd(40)} ${account.purpose}\n`);
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.problems.join('\n') : (error as Error).message;
    process.stderr.write(`Could not write the demo data: ${message}\n`);
    process.exit(1);
  },
);
