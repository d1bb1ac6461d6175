import { createHmac, timingSafeEqual } from 'node:crypto';

// Who is told what, how and when: pure decisions, unit tested without a database
// (tests/unit/notification-rules.test.ts). The jobs and pages enforce them.

export const NOTIFICATION_KINDS = [
  'MENTION',
  'REPLY_TO_POST',
  'REPLY_TO_THREAD',
  'WATCHED_THREAD',
  'ANNOUNCEMENT',
  'NEW_THREAD',
  'ANSWER_ACCEPTED',
  'REACTIONS',
  'JOIN_REQUEST',
  'INVITATION',
  'MODERATION',
  'DATA_EXPORT',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const DELIVERIES = ['IN_APP', 'EMAIL', 'DIGEST', 'OFF'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export const WATCH_LEVELS = ['WATCHING', 'NORMAL', 'MUTED'] as const;
export type WatchLevel = (typeof WATCH_LEVELS)[number];

export const DIGEST_FREQUENCIES = ['DAILY', 'WEEKLY', 'NEVER'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

/**
 * The kinds one post can cause, most specific first: a person told of a post is told once, with the first
 * of these that applies to them (mentioned in a reply to their own thread: MENTION).
 */
export const POST_KINDS_BY_PRECEDENCE: readonly NotificationKind[] = [
  'MENTION',
  'REPLY_TO_POST',
  'REPLY_TO_THREAD',
  'WATCHED_THREAD',
  'ANNOUNCEMENT',
  'NEW_THREAD',
];

/**
 * The defaults of issue 11, after Discourse's: what is addressed to the person (a mention, a reply to them)
 * by e-mail at once when they are away; everything else waits for the digest.
 */
export const DEFAULT_DELIVERY: Readonly<Record<NotificationKind, Delivery>> = {
  MENTION: 'EMAIL',
  REPLY_TO_POST: 'EMAIL',
  REPLY_TO_THREAD: 'EMAIL',
  WATCHED_THREAD: 'DIGEST',
  ANNOUNCEMENT: 'DIGEST',
  NEW_THREAD: 'DIGEST',
  ANSWER_ACCEPTED: 'DIGEST',
  REACTIONS: 'DIGEST',
  JOIN_REQUEST: 'DIGEST',
  INVITATION: 'DIGEST',
  // A restriction and its statement of reasons reach the person without delay (DSA Art. 17(1)).
  MODERATION: 'EMAIL',
  // The copy of their data the person asked for (GDPR Art. 15): they are waiting for it.
  DATA_EXPORT: 'EMAIL',
};

/** The delivery a person chose for `kind`, or the default. */
export function deliveryFor(kind: NotificationKind, chosen: ReadonlyMap<NotificationKind, Delivery>): Delivery {
  return chosen.get(kind) ?? DEFAULT_DELIVERY[kind];
}

/** "At once" waits while the person is on the site: the bell tells them (minutes). */
export const AWAY_AFTER_MS = 10 * 60 * 1000;
/** At most one e-mail per thread per person in this time; the rest wait for the digest. */
export const EMAIL_PER_THREAD_MS = 10 * 60 * 1000;

export type EmailDecision = 'send' | 'not-chosen' | 'present' | 'recently-emailed' | 'not-mailable';

/**
 * Whether a notification is e-mailed now. `lastSeenAt`: the person's last page load; `lastEmailForThreadAt`:
 * the last e-mail about the same thread to the same person. Suspended and unverified accounts get no mail
 * (an unverified address may be a stranger's: issue 9).
 */
export function decideEmail(input: {
  readonly delivery: Delivery;
  readonly mailable: boolean;
  readonly lastSeenAt: Date | null;
  readonly lastEmailForThreadAt: Date | null;
  readonly now: Date;
}): EmailDecision {
  if (!input.mailable) return 'not-mailable';
  if (input.delivery !== 'EMAIL') return 'not-chosen';
  const now = input.now.getTime();
  if (input.lastSeenAt && now - input.lastSeenAt.getTime() < AWAY_AFTER_MS) return 'present';
  if (input.lastEmailForThreadAt && now - input.lastEmailForThreadAt.getTime() < EMAIL_PER_THREAD_MS) {
    return 'recently-emailed';
  }
  return 'send';
}

/**
 * Whether a watch level lets a kind through. The thread's level, when the person set one, wins over the
 * community's. MUTED lets only a MENTION through: someone called the person by name.
 */
export function watchAllows(
  kind: NotificationKind,
  levels: { readonly thread: WatchLevel | null; readonly community: WatchLevel | null },
): boolean {
  const level = levels.thread ?? levels.community ?? 'NORMAL';
  if (level === 'MUTED') return kind === 'MENTION';
  if (kind === 'WATCHED_THREAD') return levels.thread === 'WATCHING';
  if (kind === 'NEW_THREAD') return levels.community === 'WATCHING';
  return true;
}

// ── Time zones and digests ─────────────────────────────────────────────────────────────────────────

const ZONES = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);

/**
 * Whether `zone` is an IANA time zone this server knows (Europe/Madrid, Atlantic/Canary…), by its current
 * name or an older one (Europe/Kyiv and Europe/Kiev): whatever the ICU data of Node accepts. Names are
 * case-sensitive here, as in PostgreSQL's `AT TIME ZONE`.
 */
export function isTimeZone(zone: string): boolean {
  if (ZONES.has(zone)) return true;
  if (!/^[A-Za-z][\w+-]*(\/[\w+-]+){0,2}$/.test(zone) || zone.length > 64) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved === zone : true;
  } catch {
    return false;
  }
}

/** The IANA zones, for the preferences form's list. */
export function timeZones(): string[] {
  return [...ZONES].sort();
}

interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  readonly weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock time in `zone` at `instant`. Throws RangeError for an unknown zone. */
export function localTime(instant: Date, zone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    hourCycle: 'h23',
    weekday: 'short',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    hour: Number(part('hour')),
    weekday: WEEKDAYS[part('weekday')] ?? 1,
  };
}

/** ISO 8601 week of a calendar date: `2026-W49`. */
function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

/**
 * The digest period due for a person at `now`, or null when none is due: a daily digest at its local hour
 * (`2026-11-30`), a weekly one at its local hour on Mondays (`2026-W49`). The period is the key that makes
 * the digest once-only.
 */
export function dueDigestPeriod(
  person: { readonly frequency: DigestFrequency; readonly hour: number; readonly timeZone: string },
  now: Date,
): string | null {
  if (person.frequency === 'NEVER') return null;
  const local = localTime(now, isTimeZone(person.timeZone) ? person.timeZone : 'Europe/Madrid');
  if (local.hour !== person.hour) return null;
  if (person.frequency === 'WEEKLY') return local.weekday === 1 ? isoWeek(local.year, local.month, local.day) : null;
  return `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
}

/** How far back a digest looks: a day, or a week. */
export function digestWindowMs(frequency: DigestFrequency): number {
  return (frequency === 'WEEKLY' ? 7 : 1) * 24 * 60 * 60 * 1000;
}

// ── Unsubscribe links (RFC 8058) ───────────────────────────────────────────────────────────────────

/** What an unsubscribe link stops: e-mail of one kind, or the digest. */
export type UnsubscribeScope = NotificationKind | 'DIGEST';

export interface UnsubscribeClaim {
  readonly userId: string;
  readonly scope: UnsubscribeScope;
  /** Seconds since the epoch. */
  readonly expires: number;
}

/** How long a link in an e-mail keeps working. */
export const UNSUBSCRIBE_TTL_MS = 90 * 24 * 60 * 60 * 1000;

function mac(payload: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`unsubscribe:${payload}`).digest();
}

/** A signed, URL-safe token: `<userId>.<scope>.<expires>.<HMAC-SHA256, base64url>`. */
export function signUnsubscribe(claim: UnsubscribeClaim, key: Uint8Array): string {
  const payload = `${claim.userId}.${claim.scope}.${claim.expires}`;
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** The claim of a token signed with `key` that has not expired at `now`; null for anything else. */
export function verifyUnsubscribe(token: string, key: Uint8Array, now: Date): UnsubscribeClaim | null {
  const match = /^([0-9a-f-]{36})\.([A-Z_]{1,20})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
  if (!match) return null;
  const [, userId = '', scope = '', expires = '', signature = ''] = match;
  const expected = mac(`${userId}.${scope}.${expires}`, key);
  const given = Buffer.from(signature, 'base64url');
  // One spelling per signature: base64url's last character carries bits that decoding ignores.
  if (given.toString('base64url') !== signature) return null;
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (scope !== 'DIGEST' && !(NOTIFICATION_KINDS as readonly string[]).includes(scope)) return null;
  if (Number(expires) * 1000 <= now.getTime()) return null;
  return { userId, scope: scope as UnsubscribeScope, expires: Number(expires) };
}
