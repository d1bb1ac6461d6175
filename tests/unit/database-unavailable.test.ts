import { describe, expect, it } from 'vitest';
import { isDatabaseBusy, isDatabaseUnavailable } from '../../src/db/unavailable.js';

const adapter = (cause: object) =>
  Object.assign(new Error('x'), { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } });

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      'PostgreSQL shutting down (57P01)',
      Object.assign(new Error('terminating connection'), { code: '57P01', severity: 'FATAL' }),
    ],
    ['crash shutdown (57P02)', { code: '57P02' }],
    ['starting up (57P03)', { code: '57P03' }],
    ['a connection exception (08006)', { code: '08006' }],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 }),
    ],
    ['Prisma cannot reach the server (P1001)', { code: 'P1001', message: "Can't reach database server" }],
    ['Prisma pool timeout (P2024)', { code: 'P2024' }],
    ['the adapter: not reachable', adapter({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 })],
    ['the adapter: connection closed', adapter({ kind: 'ConnectionClosed' })],
    ['the adapter wrapping 57P01', adapter({ kind: 'postgres', code: '57P01', message: 'terminating' })],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['wrapped as a cause', new Error('outer', { cause: { code: 'ECONNRESET' } })],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: 'P2002' }],
    ['the adapter: unique violation', adapter({ kind: 'UniqueConstraintViolation' })],
    ['the adapter: another SQLSTATE', adapter({ kind: 'postgres', code: '42P01' })],
    ['a plain error', new Error('boom')],
    ['nothing', null],
    ['a string', 'ECONNREFUSED'],
  ])('does not mistake %s for an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('stops on a cycle of causes', () => {
    const a: { cause?: unknown } = {};
    a.cause = { cause: a };
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});

describe('isDatabaseBusy', () => {
  const expired = (message: string) => Object.assign(new Error(`Transaction API error: ${message}`), { code: 'P2028' });

  it.each([
    ['a deadlock (40P01)', { code: '40P01' }],
    ['a serialization failure (40001)', { code: '40001' }],
    ['a lock timeout (55P03)', { code: '55P03' }],
    ['a statement timeout (57014)', { code: '57014' }],
    ['the adapter: a write conflict', adapter({ kind: 'TransactionWriteConflict' })],
    ['the adapter wrapping 55P03', adapter({ kind: 'postgres', code: '55P03' })],
    ['Prisma: write conflict or deadlock (P2034)', { code: 'P2034' }],
    [
      'Prisma: an interactive transaction past its timeout',
      expired(
        'A query cannot be executed on an expired transaction. The timeout for this transaction was 5000 ms, however 6980 ms passed since the start of the transaction.',
      ),
    ],
    ['Prisma: no transaction within maxWait', expired('Unable to start a transaction in the given time.')],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseBusy(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['an outage', { code: '57P01' }],
    ['a unique violation', adapter({ kind: 'UniqueConstraintViolation' })],
    [
      'a transaction used after it ended (a bug)',
      expired('Transaction already closed: the transaction was committed.'),
    ],
    ['a plain error', new Error('deadlock')],
    ['nothing', undefined],
  ])('does not mistake %s for contention', (_name, error) => {
    expect(isDatabaseBusy(error)).toBe(false);
  });
});
