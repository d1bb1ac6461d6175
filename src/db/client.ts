import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { READ_TIMEOUT_MESSAGE } from './unavailable.js';

export type Db = PrismaClient;

/**
 * What a process's connection pool is doing, for /metrics: connections open, idle and requests waiting
 * for one (node-postgres's own counters), and each time a connection was held — one statement, or a
 * whole transaction — reported as it is released, in seconds.
 */
export interface PoolWatch {
  readonly max: number;
  counts(): { total: number; idle: number; waiting: number };
  /** Called with the seconds each checked-out connection was held, when it goes back to the pool. */
  onHeld(listener: (seconds: number) => void): void;
}

const watches = new WeakMap<object, PoolWatch>();

/** The pool behind a client made by createDb (undefined for any other client). */
export function poolWatchOf(db: Db): PoolWatch | undefined {
  return watches.get(db);
}

/**
 * Put first in a raw statement (`$queryRaw`) whose text never varies, for PostgreSQL to keep it prepared on
 * each connection: the text is parsed once, and after a few executions the planner may keep one generic
 * plan instead of planning it again every time. The thread page's posts (thread-reading.ts) spent more of
 * PostgreSQL's CPU planning than running (2.3 of 4.6 ms a view, issue 15). Only statements that ask for it:
 * node-postgres keeps every named statement for the life of the connection, and Prisma's own statements
 * vary with their arguments (`IN ($1, $2, …)`), so naming every statement would grow without bound.
 * Named statements need a direct connection or a pooler that supports them (PgBouncer 1.21+).
 */
export const PREPARED_STATEMENT = '/* prepared */';

/** The name a statement is prepared under: a digest of its text, for statements that ask for it; else none. */
export function statementName(sql: string): string {
  return sql.startsWith(PREPARED_STATEMENT) ? `agora_${createHash('sha1').update(sql).digest('base64url')}` : '';
}

/**
 * Bounds on how long the web process waits for PostgreSQL, in ms. Without them a write behind another
 * writer's row lock waited as long as that writer did (Prisma's 5 s transaction timeout is checked only
 * when the statement returns), and a hung server held every request until it woke: the browser or the
 * proxy gave up first, and the words of a form were lost with the page.
 */
export interface DatabaseTimeouts {
  /** PostgreSQL's lock_timeout: the longest wait for a row or table lock. */
  readonly lockMs: number;
  /** node-postgres's query_timeout: the longest wait for a statement's answer, measured by this process. */
  readonly queryMs: number;
}

/**
 * A node-postgres client class for a pool with DatabaseTimeouts:
 * - as it connects, before the pool hands it out, it sets PostgreSQL's lock_timeout (a statement that waits
 *   longer for rows another writer holds gives up: SQLSTATE 55P03, "busy"). A SET rather than a startup
 *   parameter, which poolers such as PgBouncer refuse unless told to pass it on; awaited, not sent beside
 *   the pool's first statement (node-postgres deprecates two statements in flight on one connection).
 * - when a statement's answer never came (query_timeout), it closes itself: the statement was sent and
 *   the connection's state is unknown (the probe found it `idle in transaction (aborted)` once the server
 *   woke), and the ROLLBACK that follows would wait a second timeout. Closed, the ROLLBACK fails at once,
 *   the pool drops the connection, and the server ends the transaction when it reads the close.
 */
function boundedClient(timeouts: DatabaseTimeouts): typeof pg.Client {
  const lockTimeout = `SET lock_timeout = ${Math.trunc(timeouts.lockMs)}`;
  return class BoundedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      this.query = ((...args: unknown[]) => {
        const result = query(...args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            if (error instanceof Error && error.message === READ_TIMEOUT_MESSAGE) this.end().catch(() => undefined);
          });
        }
        return result;
      }) as pg.Client['query'];
    }

    // pg-pool connects with a callback; the promise form is kept for anyone else.
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(
      callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void),
    ): Promise<pg.Client> | undefined {
      const connected = super.connect().then(async () => {
        await this.query(lockTimeout);
        return this as pg.Client;
      });
      if (!callback) return connected;
      const done = callback as (err: Error | null, c?: pg.Client) => void;
      connected.then(
        (client) => done(null, client),
        (error: Error) => done(error),
      );
      return undefined;
    }
  };
}

/** The one way Ágora creates its Prisma client: WebAssembly query compiler + node-postgres, no native engine. */
export function createDb(
  connectionString: string,
  poolMax: number,
  options: {
    readonly onQuery?: (sql: string) => void;
    /** How long an idle connection is kept open, in ms (node-postgres's default: 10 s); 0 keeps it open. */
    readonly idleTimeoutMillis?: number;
    /** Bounds on waiting, for the web process (config.databaseTimeouts); none for the CLI's long work. */
    readonly timeouts?: DatabaseTimeouts;
  } = {},
): Db {
  // Our own pool (ended with the client: disposeExternalPool), so its counters can be read.
  // A connection that cannot be had within 5 s fails (a 503, see db/unavailable.ts) instead of waiting forever.
  const { timeouts } = options;
  const pool = new pg.Pool({
    connectionString,
    max: poolMax,
    connectionTimeoutMillis: 5000,
    ...(options.idleTimeoutMillis === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMillis }),
    // Client-side: a server that accepts and then never answers (hung, or a network that drops packets)
    // fails the statement after this long ("Query read timeout", an outage: db/unavailable.ts).
    ...(timeouts ? { query_timeout: timeouts.queryMs, Client: boundedClient(timeouts) } : {}),
  });
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    // '' is node-postgres's unnamed statement, prepared again each time.
    statementNameGenerator: (query) => statementName(query.sql),
  });
  const { onQuery } = options;
  let client: Db;
  if (!onQuery) {
    client = new PrismaClient({ adapter });
  } else {
    // Every SQL statement the client sends, for tests that count the queries behind a page.
    const logging = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
    logging.$on('query', (event) => onQuery(event.query));
    client = logging as unknown as Db;
  }
  const checkedOut = new WeakMap<pg.PoolClient, number>();
  const listeners: ((seconds: number) => void)[] = [];
  pool.on('acquire', (connection) => checkedOut.set(connection, performance.now()));
  pool.on('release', (_error, connection) => {
    const since = checkedOut.get(connection);
    if (since === undefined || listeners.length === 0) return;
    const seconds = (performance.now() - since) / 1000;
    for (const listener of listeners) listener(seconds);
  });
  watches.set(client, {
    max: poolMax,
    counts: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    onHeld: (listener) => listeners.push(listener),
  });
  return client;
}
