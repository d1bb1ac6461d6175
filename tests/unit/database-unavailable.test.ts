import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';

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
