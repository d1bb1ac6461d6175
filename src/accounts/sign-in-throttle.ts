import type { Db } from '../db/client.js';

// Failed sign-ins, counted per account and per client address separately, in PostgreSQL (every app
// process sees the same counts).
//
// Sources: OWASP ASVS 5.0 V6.3.1 (controls against credential stuffing and password brute force) and
// V6.1.1 (those controls must be documented and must prevent malicious account lock-out); ENS (Real
// Decreto 311/2022) op.acc.6, which asks that failed access attempts be limited, blocking access once
// the limit is passed. Both count attempts against an account; neither asks to refuse a whole network.
//
// - Per account: past ACCOUNT_FREE_FAILURES consecutive failures the account is locked for 1 min, then
//   2, 4 … up to an hour per further failure. An account guessed at from many addresses still locks. A
//   correct password resets the count. So that a stranger cannot lock a person out (ASVS V6.1.1:
//   "prevent malicious account lock-out"), failures at an address where the account is known (it
//   signed in there within KNOWN_FOR_DAYS) are counted apart, for that address alone: guessing from
//   elsewhere locks the account everywhere else, never at its owner's usual places.
// - Per client address (whatever the account): a town hall's staff share one NAT address, so the
//   address count never refuses a person who has signed in from that address before (a "known"
//   account, within KNOWN_FOR_DAYS). Past ADDRESS_FREE_FAILURES failures — password spraying, many
//   accounts tried from one place — the address is locked only for accounts it has not seen succeed.
//   One person mistyping, or attacking one colleague's account, locks that account, not the office.
//
// Attempts refused while locked are not counted (they check no password), so a lock does not grow by
// itself; every attempt also passes the per-account request limit of the sign-in route.

export const ACCOUNT_FREE_FAILURES = 5;
export const ADDRESS_FREE_FAILURES = 50;
const FIRST_LOCK_MS = 60_000;
const LONGEST_LOCK_MS = 60 * 60_000;
/** A key with no failure for this long starts again from zero. */
const FORGET_AFTER_SECONDS = 24 * 60 * 60;
/** How long a successful sign-in makes an account known at an address. */
export const KNOWN_FOR_DAYS = 30;

/** How long a key is locked after its n-th consecutive failure (0 while failures are free). */
export function lockDurationMs(failures: number, freeFailures: number): number {
  const over = failures - freeFailures;
  if (over <= 0) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (over - 1), LONGEST_LOCK_MS);
}

export interface ThrottleKeys {
  /** The account's failures at addresses where it is not known. */
  readonly account: string;
  /** The account's failures at this address, counted when it is known here. */
  readonly accountHere: string;
  readonly address: string;
  /** This account at this address: present while the account is known there. */
  readonly known: string;
}

export function throttleKeys(email: string, ipAddress: string): ThrottleKeys {
  const account = email.trim().toLowerCase();
  return {
    account: `account:${account}`,
    accountHere: `account:${account} at ${ipAddress}`,
    address: `address:${ipAddress}`,
    known: `known:${ipAddress} ${account}`,
  };
}

/**
 * Which lock applies, given the locks in force: at an address where the account is known, only the
 * account's own lock for that address; elsewhere the account's lock and the address's.
 */
export function effectiveLockUntil(
  locks: { readonly account: number; readonly accountHere: number; readonly address: number },
  knownAtAddress: boolean,
): number {
  return knownAtAddress ? locks.accountHere : Math.max(locks.account, locks.address);
}

export function createSignInThrottle({ db }: { db: Db }) {
  async function fail(key: string, freeFailures: number): Promise<void> {
    const [row] = await db.$queryRaw<{ failures: number }[]>`
      INSERT INTO sign_in_throttles (key, failures, updated_at) VALUES (${key}, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN sign_in_throttles.updated_at < now() - make_interval(secs => ${FORGET_AFTER_SECONDS})
                        THEN 1 ELSE sign_in_throttles.failures + 1 END,
        updated_at = now()
      RETURNING failures`;
    const lockMs = lockDurationMs(row?.failures ?? 0, freeFailures);
    if (lockMs > 0) {
      await db.signInThrottle.update({ where: { key }, data: { lockedUntil: new Date(Date.now() + lockMs) } });
    }
  }

  return {
    /**
     * Seconds until this account may try again from this address (0 when it may now), and whether the
     * account is known at this address (pass it to recordFailure).
     */
    async assess(keys: ThrottleKeys): Promise<{ retryAfterSeconds: number; known: boolean }> {
      const now = new Date();
      const rows = await db.signInThrottle.findMany({
        where: {
          OR: [
            { key: { in: [keys.account, keys.accountHere, keys.address] }, lockedUntil: { gt: now } },
            { key: keys.known, updatedAt: { gt: new Date(now.getTime() - KNOWN_FOR_DAYS * 86_400_000) } },
          ],
        },
        select: { key: true, lockedUntil: true },
      });
      const until = (key: string) => rows.find((row) => row.key === key)?.lockedUntil?.getTime() ?? 0;
      const known = rows.some((row) => row.key === keys.known);
      const lockedUntil = effectiveLockUntil(
        { account: until(keys.account), accountHere: until(keys.accountHere), address: until(keys.address) },
        known,
      );
      const retryAfterSeconds = lockedUntil === 0 ? 0 : Math.max(1, Math.ceil((lockedUntil - now.getTime()) / 1000));
      return { retryAfterSeconds, known };
    },

    /** A wrong password: counted for the account (here alone when it is known here) and for the address. */
    async recordFailure(keys: ThrottleKeys, known: boolean): Promise<void> {
      await fail(known ? keys.accountHere : keys.account, ACCOUNT_FREE_FAILURES);
      await fail(keys.address, ADDRESS_FREE_FAILURES);
    },

    /**
     * The account starts afresh and becomes known at this address; the address keeps its count (one
     * good password must not unlock guessing at other accounts).
     */
    async recordSuccess(keys: ThrottleKeys): Promise<void> {
      await db.$transaction([
        db.signInThrottle.deleteMany({ where: { key: { in: [keys.account, keys.accountHere] } } }),
        db.signInThrottle.upsert({
          where: { key: keys.known },
          create: { key: keys.known, failures: 0 },
          update: { updatedAt: new Date() },
        }),
      ]);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
