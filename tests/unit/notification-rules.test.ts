import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decideEmail,
  deliveryFor,
  dueDigestPeriod,
  isTimeZone,
  localTime,
  signUnsubscribe,
  verifyUnsubscribe,
  watchAllows,
} from '../../src/notifications/notification-rules.js';

const now = new Date('2026-11-30T10:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

describe('deliveryFor', () => {
  it('mentions and replies to me by e-mail, the rest in the digest, unless the person chose', () => {
    const none = new Map();
    expect(deliveryFor('MENTION', none)).toBe('EMAIL');
    expect(deliveryFor('REPLY_TO_POST', none)).toBe('EMAIL');
    expect(deliveryFor('REPLY_TO_THREAD', none)).toBe('EMAIL');
    expect(deliveryFor('ANNOUNCEMENT', none)).toBe('DIGEST');
    expect(deliveryFor('REACTIONS', none)).toBe('DIGEST');
    expect(deliveryFor('MENTION', new Map([['MENTION', 'OFF']]))).toBe('OFF');
  });
});

describe('decideEmail', () => {
  const base = { delivery: 'EMAIL' as const, mailable: true, lastSeenAt: null, lastEmailForThreadAt: null, now };
  it('sends when chosen, away for 10 minutes and nothing about the thread was mailed in 10 minutes', () => {
    expect(decideEmail(base)).toBe('send');
    expect(decideEmail({ ...base, lastSeenAt: minutesAgo(11) })).toBe('send');
    expect(decideEmail({ ...base, lastEmailForThreadAt: minutesAgo(11) })).toBe('send');
  });
  it('waits while the person is here, after a recent e-mail about the thread, or when not chosen', () => {
    expect(decideEmail({ ...base, lastSeenAt: minutesAgo(9) })).toBe('present');
    expect(decideEmail({ ...base, lastEmailForThreadAt: minutesAgo(9) })).toBe('recently-emailed');
    expect(decideEmail({ ...base, delivery: 'DIGEST' })).toBe('not-chosen');
    expect(decideEmail({ ...base, delivery: 'IN_APP' })).toBe('not-chosen');
  });
  it('never mails a suspended or unverified account', () => {
    expect(decideEmail({ ...base, mailable: false })).toBe('not-mailable');
  });
});

describe('watchAllows', () => {
  it('lets only a mention through a muted thread or community; the thread level wins', () => {
    expect(watchAllows('MENTION', { thread: 'MUTED', community: null })).toBe(true);
    expect(watchAllows('REPLY_TO_THREAD', { thread: 'MUTED', community: null })).toBe(false);
    expect(watchAllows('ANNOUNCEMENT', { thread: null, community: 'MUTED' })).toBe(false);
    expect(watchAllows('REPLY_TO_POST', { thread: 'NORMAL', community: 'MUTED' })).toBe(true);
  });
  it('tells of every reply only to those watching the thread, of new threads only to those watching the community', () => {
    expect(watchAllows('WATCHED_THREAD', { thread: 'WATCHING', community: null })).toBe(true);
    expect(watchAllows('WATCHED_THREAD', { thread: null, community: 'WATCHING' })).toBe(false);
    expect(watchAllows('NEW_THREAD', { thread: null, community: 'WATCHING' })).toBe(true);
    expect(watchAllows('NEW_THREAD', { thread: null, community: 'NORMAL' })).toBe(false);
    expect(watchAllows('ANNOUNCEMENT', { thread: null, community: null })).toBe(true);
  });
});

describe('digests by local time', () => {
  it('knows IANA zones, Canarias included, and refuses others', () => {
    expect(isTimeZone('Europe/Madrid')).toBe(true);
    expect(isTimeZone('Atlantic/Canary')).toBe(true);
    expect(isTimeZone('Europe/Nowhere')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
  it('reads the wall clock of the zone (Madrid is an hour ahead of Canarias in winter)', () => {
    expect(localTime(now, 'Europe/Madrid').hour).toBe(11);
    expect(localTime(now, 'Atlantic/Canary').hour).toBe(10);
    expect(localTime(new Date('2026-07-01T10:00:00Z'), 'Europe/Madrid').hour).toBe(12);
  });
  it('is due at the local hour, daily every day and weekly on Mondays, with a period key', () => {
    const madrid = { frequency: 'DAILY' as const, hour: 11, timeZone: 'Europe/Madrid' };
    expect(dueDigestPeriod(madrid, now)).toBe('2026-11-30');
    expect(dueDigestPeriod({ ...madrid, hour: 10 }, now)).toBeNull();
    expect(dueDigestPeriod({ ...madrid, timeZone: 'Atlantic/Canary', hour: 10 }, now)).toBe('2026-11-30');
    // 2026-11-30 is a Monday, in ISO week 49.
    expect(dueDigestPeriod({ ...madrid, frequency: 'WEEKLY' }, now)).toBe('2026-W49');
    expect(dueDigestPeriod({ ...madrid, frequency: 'WEEKLY' }, new Date('2026-12-01T10:00:00Z'))).toBeNull();
    expect(dueDigestPeriod({ ...madrid, frequency: 'NEVER' }, now)).toBeNull();
  });
  it('names the ISO week across a year end (2027-01-01 is in 2026-W53)', () => {
    const friday = new Date('2027-01-01T07:00:00Z');
    expect(localTime(friday, 'UTC').weekday).toBe(5);
    const monday = new Date('2027-01-04T07:00:00Z');
    expect(dueDigestPeriod({ frequency: 'WEEKLY', hour: 8, timeZone: 'Europe/Madrid' }, monday)).toBe('2027-W01');
    expect(
      dueDigestPeriod({ frequency: 'WEEKLY', hour: 8, timeZone: 'Europe/Madrid' }, new Date('2026-12-28T07:00:00Z')),
    ).toBe('2026-W53');
  });
});

describe('unsubscribe tokens', () => {
  const key = randomBytes(32);
  const claim = { userId: '8f1c2a44-1111-4222-8333-944455556666', scope: 'MENTION' as const, expires: 1_900_000_000 };
  it('verify what was signed, until they expire', () => {
    const token = signUnsubscribe(claim, key);
    expect(verifyUnsubscribe(token, key, now)).toEqual(claim);
    expect(verifyUnsubscribe(token, key, new Date(1_900_000_000_000))).toBeNull();
  });
  it('refuse a changed scope, person or date, another key, and garbage', () => {
    const token = signUnsubscribe(claim, key);
    expect(verifyUnsubscribe(token.replace('MENTION', 'DIGEST'), key, now)).toBeNull();
    expect(verifyUnsubscribe(token.replace('8f1c', '8f1d'), key, now)).toBeNull();
    expect(verifyUnsubscribe(token.replace('1900000000', '1900000001'), key, now)).toBeNull();
    expect(verifyUnsubscribe(token, randomBytes(32), now)).toBeNull();
    expect(verifyUnsubscribe('', key, now)).toBeNull();
    expect(verifyUnsubscribe(`${token}x`, key, now)).toBeNull();
    expect(verifyUnsubscribe(signUnsubscribe({ ...claim, scope: 'NOPE' as never }, key), key, now)).toBeNull();
  });
});
