// Data-protection decisions, pure (no database, no HTTP): unit tested in tests/unit/privacy-rules.test.ts.
// The services (data-export, account-erasure, retention) enforce them.

/** Retention may be set from 1 month to 10 years; empty keeps the rows (the site admin decides, Art. 5(1)(e)). */
export const RETENTION_MIN_MONTHS = 1;
export const RETENTION_MAX_MONTHS = 120;

/**
 * The moment before which rows are older than `months` calendar months, in UTC: 31 March minus one month is
 * the last day of February (never 3 March), so a month of retention is never less than a calendar month.
 */
export function retentionCutoff(now: Date, months: number): Date {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      month,
      Math.min(now.getUTCDate(), lastDay),
      now.getUTCHours(),
      now.getUTCMinutes(),
      now.getUTCSeconds(),
      now.getUTCMilliseconds(),
    ),
  );
}

/** Why erasing one of a person's posts must wait (GDPR Art. 17(3)(e): a claim still being decided). */
export type ErasureWait = 'held' | 'review' | 'appeal';

/**
 * Whether a post's erasure waits: a post HELD for a moderator, one with a pending review item (reported),
 * or one whose moderation decision is under an appeal not yet decided keeps its words and author until the
 * matter is settled (the moderators and the appeal's decider must see what they decide on). null: erase now.
 */
export function erasureWaitFor(post: {
  readonly status: string;
  readonly pendingReviews: number;
  readonly openAppeals: number;
}): ErasureWait | null {
  if (post.status === 'HELD') return 'held';
  if (post.openAppeals > 0) return 'appeal';
  if (post.pendingReviews > 0) return 'review';
  return null;
}

/**
 * The name a file takes inside an export: `attachments/<id>-<displayName>`, the display name already cleaned
 * at upload (attachment-files.ts) and stripped again of anything a ZIP reader could take for a folder.
 */
export function exportEntryName(attachmentId: string, displayName: string): string {
  const clean =
    [...displayName].map((char) => (char.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(char) ? '_' : char)).join('') ||
    'file';
  return `attachments/${attachmentId}-${clean}`;
}

/**
 * What an erased account's row becomes (GDPR Art. 17): nothing that names the person, an address that can
 * never receive mail (`.invalid`, RFC 2606), so their own address can sign up again, and no password.
 */
export function anonymisedAccount(userId: string): { email: string; handle: string } {
  const compact = userId.replaceAll('-', '');
  return { email: `erased-${compact}@erased.invalid`, handle: `erased-${compact}` };
}
