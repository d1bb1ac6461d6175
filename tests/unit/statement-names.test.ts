import { describe, expect, it } from 'vitest';
import { PREPARED_STATEMENT, statementName } from '../../src/db/client.js';

// Which statements node-postgres prepares under a name (db/client.ts): only those that ask for it.

describe('the name a statement is prepared under', () => {
  it('is none for statements that do not ask for it', () => {
    expect(statementName('SELECT 1')).toBe('');
    expect(statementName(` ${PREPARED_STATEMENT} SELECT 1`)).toBe('');
    expect(statementName(`SELECT 1 ${PREPARED_STATEMENT}`)).toBe('');
  });

  it('is the same for the same text and differs for any other text', () => {
    const a = `${PREPARED_STATEMENT} SELECT $1::int`;
    expect(statementName(a)).toMatch(/^agora_[\w-]+$/);
    expect(statementName(a)).toBe(statementName(`${PREPARED_STATEMENT} SELECT $1::int`));
    expect(statementName(`${a} `)).not.toBe(statementName(a));
    expect(statementName(`${PREPARED_STATEMENT} SELECT $1::text`)).not.toBe(statementName(a));
    // PostgreSQL keeps 63 bytes of an identifier: longer names would collide once truncated.
    expect(statementName(a).length).toBeLessThanOrEqual(63);
  });
});
