import type { Db } from '../db/client.js';

// Failed sign-ins counted per account and per client address in PostgreSQL, so
// every app process sees the same counts. Past a few free failures each new one
// locks the key for twice as long as the last (1 min, 2, 4 … up to an hour).

export const ACCOUNT_FREE_FAILURES = 5;
export const ADDRESS_FREE_FAILURES = 20;
const FIRST_LOCK_MS = 60_000;
const LONGEST_LOCK_MS = 60 * 60_000;
/** A key with no failure for this long starts again from zero. */
const FORGET_AFTER_SECONDS = 24 * 60 * 60;

/** How long a key is locked after its n-th consecutive failure (0 while failures are free). */
export function lockDurationMs(failures: number, freeFailures: number): number {
  const over = failures - freeFailures;
  if (over <= 0) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (over - 1), LONGEST_LOCK_MS);
}

export interface ThrottleKeys {
  readonly account: string;
  readonly address: string;
}

export function throttleKeys(email: string, ipAddress: string): ThrottleKeys {
  return { account: `account:${email.trim().toLowerCase()}`, address: `address:${ipAddress}` };
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
    /** Seconds until either key may try again; 0 when neither is locked. */
    async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
      const rows = await db.signInThrottle.findMany({
        where: { key: { in: [keys.account, keys.address] }, lockedUntil: { gt: new Date() } },
        select: { lockedUntil: true },
      });
      const until = Math.max(0, ...rows.map((row) => row.lockedUntil?.getTime() ?? 0));
      return until === 0 ? 0 : Math.ceil((until - Date.now()) / 1000);
    },

    async recordFailure(keys: ThrottleKeys): Promise<void> {
      await fail(keys.account, ACCOUNT_FREE_FAILURES);
      await fail(keys.address, ADDRESS_FREE_FAILURES);
    },

    /** The account starts afresh; the address keeps its count (one good password must not unlock guessing). */
    async recordSuccess(keys: ThrottleKeys): Promise<void> {
      await db.signInThrottle.deleteMany({ where: { key: keys.account } });
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
