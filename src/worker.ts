import closeWithGrace from 'close-with-grace';
import { BALANCE_JOBS } from './balance/balance-rollup.js';
import { type Config, ConfigError, loadConfig, readProcessEnv } from './config.js';
import { createDb } from './db/client.js';
import { redactUrl } from './db/database-server.js';
import { createMailer } from './email/mailer.js';
import { createJobs } from './jobs/jobs.js';

// `npm run worker`: works Ágora's job queues (notifications, e-mails, digests, clean-ups) in a process of
// its own, beside web processes started with JOB_WORKERS=none. Any number may run: pg-boss hands each job
// to one of them. It needs the database server of DATABASE_URL; the embedded database belongs to the one
// `npm start` process, whose in-process workers do this work.

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

function log(level: 'info' | 'warn' | 'error') {
  return (obj: object, msg: string) => {
    const error = (obj as { err?: unknown }).err;
    const detail = error instanceof Error ? `: ${error.message}` : '';
    (level === 'info' ? process.stdout : process.stderr).write(`[${level}] ${msg}${detail}\n`);
  };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig(readProcessEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`The worker cannot start; fix these environment variables:\n${error.problems.join('\n')}\n`);
    process.exit(1);
  }
  if (config.database.kind !== 'server') {
    process.stderr.write(
      'The worker needs DATABASE_URL (a PostgreSQL server). With the embedded database, `npm start` runs the jobs itself.\n',
    );
    process.exit(1);
  }
  const url = config.database.url;
  const db = createDb(url, 4);
  const logger = { info: log('info'), warn: log('warn'), error: log('error') };
  const mailer = createMailer(config.mail, logger);
  const jobs = createJobs({ config, db, databaseUrl: url, mailer, log: logger, workers: true });
  try {
    await jobs.queue.start();
  } catch (error) {
    process.stderr.write(
      `The worker cannot reach the job queue at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await db.$disconnect();
    process.exit(1);
  }
  // The balance catches up with what was written while no worker ran.
  await jobs.queue.send(BALANCE_JOBS.catchUp, {}, { singletonKey: BALANCE_JOBS.catchUp });
  say(`Ágora's worker is running the job queues on ${redactUrl(url)}.`);

  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'stopping after an uncaught error');
    else say(`Stopping the worker (${signal}): jobs under way finish first.`);
    await jobs.queue.stop(config.shutdownTimeoutMs);
    await mailer.close();
    await db.$disconnect();
  });
}

await main();
