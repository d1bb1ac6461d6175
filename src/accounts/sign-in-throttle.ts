import type { Db } from '../db/client.js';

// Failed sign-ins, counted per account and per client address separately, in PostgreSQL (every app
// process sees the same counts).
//
// Sources: OWASP ASVS 5.0 V6.3.1 (controls against credential stuffing and password brute force) and
// V6.1.1 (those controls must be documented and must prevent malicious account lock-out); ENS (Real
// Decreto 311/2022) op.acc.6, which asks that failed access attempts be limited, blocking access once
// the limit is passed. Both count attempts against an account; neither asks to refuse a whole network.
//
// - Per account (whatever the address): past ACCOUNT_FREE_FAILURES consecutive failures the account is
//   locked for 1 min, then 2, 4 … up to an hour per further failure. An account guessed at from many
//   addresses still locks. A correct password resets the count.
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
  readonly account: string;
  readonly address: string;
  /** This account at this address: present while the account is known there. */
  readonly known: string;
}

export function throttleKeys(email: string, ipAddress: string): ThrottleKeys {
  const account = email.trim().toLowerCase();
  return { account: `account:${account}`, address: `address:${ipAddress}`, known: `known:${ipAddress} ${account}` };
}

/** Which lock applies, given the locks in force: the account's always, the address's only to strangers. */
export function effectiveLockUntil(
  locks: { readonly account: number; readonly address: number },
  knownAtAddress: boolean,
): number {
  return Math.max(locks.account, knownAtAddress ? 0 : locks.address);
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
    /** Seconds until this account may try again from this address; 0 when it may now. */
    async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
      const now = new Date();
      const rows = await db.signInThrottle.findMany({
        where: {
          OR: [
            { key: { in: [keys.account, keys.address] }, lockedUntil: { gt: now } },
            { key: keys.known, updatedAt: { gt: new Date(now.getTime() - KNOWN_FOR_DAYS * 86_400_000) } },
          ],
        },
        select: { key: true, lockedUntil: true },
      });
      const until = (key: string) => rows.find((row) => row.key === key)?.lockedUntil?.getTime() ?? 0;
      const known = rows.some((row) => row.key === keys.known);
      const lockedUntil = effectiveLockUntil({ account: until(keys.account), address: until(keys.address) }, known);
      return lockedUntil === 0 ? 0 : Math.max(1, Math.ceil((lockedUntil - now.getTime()) / 1000));
    },

    async recordFailure(keys: ThrottleKeys): Promise<void> {
      await fail(keys.account, ACCOUNT_FREE_FAILURES);
      await fail(keys.address, ADDRESS_FREE_FAILURES);
    },

    /**
     * The account starts afresh and becomes known at this address; the address keeps its count (one
     * good password must not unlock guessing at other accounts).
     */
    async recordSuccess(keys: ThrottleKeys): Promise<void> {
      await db.$transaction([
        db.signInThrottle.deleteMany({ where: { key: keys.account } }),
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
