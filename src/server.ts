import path from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig, readProcessEnv } from './config.js';
import { createDb, type Db } from './db/client.js';
import { type DatabaseHandle, openDatabase, redactUrl } from './db/database-server.js';
import { applyMigrations, DatabaseConnectionError } from './db/migrate.js';
import { DEMO_PASSWORD, seedDemoData } from './demo/demo-data.js';
import { TEXT_VERSION } from './search/post-text.js';
import { upgradePostText } from './search/text-upgrade.js';

// Starts Ágora: config, database (embedded unless DATABASE_URL), migrations,
// demo data, then listens. Any failure on the way is one line on stderr, a
// non-zero exit, and nothing left running.

class StartupError extends Error {}

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}

async function start(config: Config, started: { database?: DatabaseHandle; db?: Db; app?: FastifyInstance }) {
  const t0 = performance.now();
  const where =
    config.database.kind === 'embedded' ? `the embedded database in ${config.database.dir}` : 'DATABASE_URL';
  say(`Starting Ágora on ${where}…`);
  started.database = await openDatabase(config.database).catch((error: unknown) => {
    throw new StartupError(reason(error));
  });
  const { url, dataDir } = started.database;
  if (config.database.kind === 'embedded' && dataDir && dataDir !== path.resolve(config.database.dir)) {
    say(
      `Running as root: PostgreSQL runs as the \`postgres\` user, which cannot enter ${config.database.dir}; its data is kept in ${dataDir}.`,
    );
  }
  const unreachable = (error: unknown) =>
    new StartupError(`Could not reach the database at ${redactUrl(url)}: ${reason(error)}`);

  if (config.migrateOnStart) {
    const { applied } = await applyMigrations(url).catch((error: unknown) => {
      if (error instanceof DatabaseConnectionError) throw unreachable(error);
      throw new StartupError(`Could not apply the migrations to ${redactUrl(url)}: ${reason(error)}`);
    });
    if (applied.length > 0) say(`Applied ${applied.length} migration(s): ${applied.join(', ')}`);
  }
  started.db = createDb(url, config.database.poolMax, { timeouts: config.databaseTimeouts });
  await started.db.$queryRaw`SELECT 1`.catch((error: unknown) => {
    throw unreachable(error);
  });
  const upgraded = await upgradePostText(started.db);
  if (upgraded > 0) say(`Re-indexed ${upgraded} post(s) for search and topics (text normalisation ${TEXT_VERSION}).`);
  const demoAccounts = config.demoData ? await seedDemoData(started.db) : [];

  started.app = await buildApp({ config, db: started.db, databaseUrl: url });
  started.db = undefined; // the app owns it now
  await started.app.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE')
      throw new StartupError(`Port ${config.port} on ${config.host} is already in use: set PORT to a free port.`);
    if (code === 'EADDRNOTAVAIL') throw new StartupError(`HOST ${config.host} is not an address of this machine.`);
    throw new StartupError(`Could not listen on ${config.host}:${config.port}: ${reason(error)}`);
  });
  say(`Ágora is ready at ${config.publicUrl.origin}/ (${Math.round(performance.now() - t0)} ms)`);
  if (demoAccounts.length > 0) {
    say(`Demo accounts (password: ${DEMO_PASSWORD}):`);
    for (const account of demoAccounts) say(`  ${account.email.padEnd(40)} ${account.purpose}`);
  }
}

async function main() {
  let config: Config;
  try {
    config = loadConfig(readProcessEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Ágora cannot start; fix these environment variables:\n${error.problems.join('\n')}\n`);
    process.exit(1);
  }

  const started: { database?: DatabaseHandle; db?: Db; app?: FastifyInstance } = {};
  const stopAll = async () => {
    await started.app?.close();
    await started.db?.$disconnect();
    await started.database?.stop();
  };

  try {
    await start(config, started);
  } catch (error) {
    process.stderr.write(`Ágora cannot start: ${error instanceof StartupError ? error.message : reason(error)}\n`);
    if (!(error instanceof StartupError)) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    await stopAll().catch(() => {});
    process.exit(1);
  }

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, stop the embedded server.
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) started.app?.log.error({ err }, 'shutting down after an uncaught error');
    else started.app?.log.info({ signal }, 'shutting down');
    await stopAll();
  });
}

await main();
