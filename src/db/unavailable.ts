// Whether an error means "the database is away" (restarting, failing over, unreachable, every
// connection busy), as opposed to a bug or a bad query. The one place that knows the shapes:
// node-postgres errors (a SQLSTATE in `code`, a socket error, a pool timeout), Prisma's driver adapter
// wrapping them (`meta.driverAdapterError.cause.kind`), and Prisma's own connection codes.
// src/plugins/errors.ts answers such a failure with 503 + Retry-After instead of a 500.

/** Seconds a client is asked to wait before trying again while the database is away (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 10;

/** Seconds a client is asked to wait before trying again after its write met another on the same rows. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs of a server going away: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up, shutting down, in recovery), 53300 too_many_connections; and class 08, connection exceptions.
 */
const UNAVAILABLE_SQLSTATE = /^(57P0[123]|53300|08[0-9A-Z]{3})$/;

/** Socket errors of node (connecting or talking to the server). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Prisma's codes: P1001 can't reach, P1002 timed out, P1008 operation timed out, P1017 server closed, P2024 pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/** What @prisma/adapter-pg calls a lost connection (its DriverAdapterError's `cause.kind`). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** node-postgres's messages for a connection lost or never had, which carry no code. */
/** node-postgres's message when query_timeout ends the wait for an answer (db/client.ts closes that connection). */
export const READ_TIMEOUT_MESSAGE = 'Query read timeout';

const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end on the pool',
  'Connection refused',
  // node-postgres's query_timeout (db/client.ts): the server took the statement and never answered; the
  // connection then closes itself, and what was still to be sent on it (a ROLLBACK) fails so.
  READ_TIMEOUT_MESSAGE,
  'Client was closed and is not queryable',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function speaksOfOutage(value: Record<string, unknown>): boolean {
  const code = typeof value.code === 'string' ? value.code : null;
  if (code !== null && (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) {
    return true;
  }
  // The adapter's cause: { kind: 'postgres', code: '57P01' } or { kind: 'DatabaseNotReachable', … }.
  if (typeof value.kind === 'string') {
    if (ADAPTER_KINDS.has(value.kind)) return true;
    if (value.kind === 'postgres' && typeof value.code === 'string' && UNAVAILABLE_SQLSTATE.test(value.code)) {
      return true;
    }
  }
  if (typeof value.originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(value.originalCode)) return true;
  const message = typeof value.message === 'string' ? value.message : '';
  return PG_MESSAGES.some((known) => message.includes(known));
}

/**
 * True when `error` (or what it wraps: `cause`, Prisma's `meta.driverAdapterError`, an AggregateError's
 * `errors`) says the database is unreachable or going away. False for anything else, including
 * constraint violations and bad SQL. Never throws.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return anyWrapped(error, speaksOfOutage);
}

/** Whether `test` holds for `error` or anything it wraps (at most 20 objects walked, cycles skipped). */
function anyWrapped(error: unknown, test: (value: Record<string, unknown>) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!isRecord(current) || seen.has(current) || seen.size > 20) continue;
    seen.add(current);
    if (test(current)) return true;
    queue.push(current.cause);
    if (isRecord(current.meta)) queue.push(current.meta.driverAdapterError, current.meta.cause);
    if (Array.isArray(current.errors)) queue.push(...current.errors);
  }
  return false;
}

/**
 * SQLSTATEs of a transaction that lost to another on the same rows, which PostgreSQL asks the client to run
 * again (PostgreSQL 18 manual, 13.6 and appendix A): 40001 serialization_failure, 40P01 deadlock_detected,
 * 55P03 lock_not_available (lock_timeout, NOWAIT), 57014 query_canceled (statement_timeout).
 */
const BUSY_SQLSTATE = new Set(['40001', '40P01', '55P03', '57014']);

/** Prisma's P2034: "Transaction failed due to a write conflict or a deadlock. Please retry your transaction". */
const PRISMA_BUSY_CODES = new Set(['P2034']);

/**
 * Prisma's P2028 "Transaction API error" when it means time ran out: an interactive transaction past its
 * timeout (5 s; waiting on a lock held by another writer), or one that could not start within maxWait.
 * Its other meanings (a transaction used after it closed) are bugs, and stay 500s.
 */
const EXPIRED_TRANSACTION =
  /expired transaction|timeout for this transaction|unable to start a transaction in the given time/i;

function speaksOfContention(value: Record<string, unknown>): boolean {
  const code = typeof value.code === 'string' ? value.code : null;
  if (code !== null && (BUSY_SQLSTATE.has(code) || PRISMA_BUSY_CODES.has(code))) return true;
  const message = typeof value.message === 'string' ? value.message : '';
  if (code === 'P2028' && EXPIRED_TRANSACTION.test(message)) return true;
  // The adapter's cause: { kind: 'TransactionWriteConflict' } for 40001 and 40P01, { kind: 'postgres', code }.
  if (value.kind === 'TransactionWriteConflict') return true;
  if (value.kind === 'postgres' && typeof value.code === 'string' && BUSY_SQLSTATE.has(value.code)) return true;
  return typeof value.originalCode === 'string' && BUSY_SQLSTATE.has(value.originalCode);
}

/**
 * True when `error` (or what it wraps, as isDatabaseUnavailable reads it) says the database is there but
 * this request's transaction lost to another on the same rows: a deadlock, a serialization failure, a lock
 * or statement timeout, or Prisma's interactive transaction expiring while it waited. Nothing was written
 * (the transaction rolled back) and the same request may succeed a moment later, so it is answered 503 with
 * Retry-After and the words kept, not 500. False for anything else. Never throws.
 */
export function isDatabaseBusy(error: unknown): boolean {
  return anyWrapped(error, speaksOfContention);
}
