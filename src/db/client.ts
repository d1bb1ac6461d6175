import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Prisma, PrismaClient } from '../generated/prisma/client.js';

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

/** Runs a statement as a named prepared statement on the client's own pool (see preparedQuery). */
export type PreparedQuery = <T>(query: Prisma.Sql) => Promise<T[]>;

const prepared = new WeakMap<object, PreparedQuery>();

/**
 * For the few statements every page sends whose planning costs more than running them (the header's
 * counts): the statement as a named prepared statement of node-postgres, on the client's own pool, so
 * PostgreSQL plans it once per connection and, once a generic plan proves as good as the custom ones (after
 * five runs, plan_cache_mode = auto), not again. Prisma's raw queries are unnamed and planned on each run.
 * The name is a digest of the text, so different texts never share one. Errors are node-postgres's, which
 * db/unavailable.ts reads as it reads Prisma's. Falls back to `db.$queryRawUnsafe` for a client not made by
 * createDb.
 */
export function preparedQuery(db: Db): PreparedQuery {
  return (
    prepared.get(db) ?? (<T>(query: Prisma.Sql) => db.$queryRawUnsafe<T[]>(query.text, ...(query.values as unknown[])))
  );
}

/** The pool behind a client made by createDb (undefined for any other client). */
export function poolWatchOf(db: Db): PoolWatch | undefined {
  return watches.get(db);
}

/** The one way Ágora creates its Prisma client: WebAssembly query compiler + node-postgres, no native engine. */
export function createDb(
  connectionString: string,
  poolMax: number,
  options: { readonly onQuery?: (sql: string) => void } = {},
): Db {
  // Our own pool (ended with the client: disposeExternalPool), so its counters can be read.
  // A connection that cannot be had within 5 s fails (a 503, see db/unavailable.ts) instead of waiting forever.
  const pool = new pg.Pool({ connectionString, max: poolMax, connectionTimeoutMillis: 5000 });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
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
  const names = new Map<string, string>();
  prepared.set(client, async <T>(query: Prisma.Sql) => {
    const text = query.text;
    let name = names.get(text);
    if (name === undefined) {
      name = `agora_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      if (names.size < 1_000) names.set(text, name);
    }
    const result = await pool.query({ name, text, values: query.values as unknown[] });
    onQuery?.(text);
    return result.rows as T[];
  });
  watches.set(client, {
    max: poolMax,
    counts: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    onHeld: (listener) => listeners.push(listener),
  });
  return client;
}
