import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_FREE_FAILURES,
  ADDRESS_FREE_FAILURES,
  effectiveLockUntil,
  lockDurationMs,
  throttleKeys,
} from '../../src/accounts/sign-in-throttle.js';

describe('lockDurationMs', () => {
  it('is free up to the threshold, then doubles from a minute up to an hour', () => {
    expect(lockDurationMs(ACCOUNT_FREE_FAILURES, ACCOUNT_FREE_FAILURES)).toBe(0);
    expect(lockDurationMs(ACCOUNT_FREE_FAILURES + 1, ACCOUNT_FREE_FAILURES)).toBe(60_000);
    expect(lockDurationMs(ACCOUNT_FREE_FAILURES + 2, ACCOUNT_FREE_FAILURES)).toBe(120_000);
    expect(lockDurationMs(ACCOUNT_FREE_FAILURES + 30, ACCOUNT_FREE_FAILURES)).toBe(3_600_000);
  });

  it('gives an address, which many people share, far more room than one account', () => {
    expect(ADDRESS_FREE_FAILURES).toBeGreaterThanOrEqual(10 * ACCOUNT_FREE_FAILURES);
  });
});

describe('throttleKeys', () => {
  it('counts an account by its address in any case, and an address whatever the account', () => {
    const a = throttleKeys(' Ana@Ayto.example ', '10.0.0.1');
    const b = throttleKeys('ana@ayto.example', '10.0.0.2');
    expect(a.account).toBe(b.account);
    expect(a.address).not.toBe(b.address);
    expect(a.known).not.toBe(b.known);
    expect(a.accountHere).not.toBe(b.accountHere);
    expect(throttleKeys('luis@ayto.example', '10.0.0.1').address).toBe(a.address);
  });
});

describe('effectiveLockUntil', () => {
  const later = Date.now() + 60_000;
  it('an account lock from guessing elsewhere applies everywhere but where the account is known', () => {
    expect(effectiveLockUntil({ account: later, accountHere: 0, address: 0 }, false)).toBe(later);
    expect(effectiveLockUntil({ account: later, accountHere: 0, address: 0 }, true)).toBe(0);
  });

  it('guessing where the account is known locks it there', () => {
    expect(effectiveLockUntil({ account: 0, accountHere: later, address: 0 }, true)).toBe(later);
  });

  it('an address lock applies only to accounts never seen succeed there: colleagues behind a NAT get in', () => {
    expect(effectiveLockUntil({ account: 0, accountHere: 0, address: later }, true)).toBe(0);
    expect(effectiveLockUntil({ account: 0, accountHere: 0, address: later }, false)).toBe(later);
  });
});
