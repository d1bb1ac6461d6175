import { describe, expect, it } from 'vitest';
import { canPublishBalance, communityBalanceView, organizationBalanceView } from '../../src/access/balance-access.js';
import { type BalanceWeekRow, periodTotals, share, toCsv, weeklyFigures } from '../../src/balance/balance-figures.js';
import { addDays, mondayOf, resolvePeriod, weeksBetween } from '../../src/balance/balance-period.js';

// The balance's pure parts (issue 13, item 3): weeks, the period filter, the weekly figures, CSV, access.

const NOW = new Date('2026-11-30T10:00:00Z'); // a Monday
const TZ = 'Europe/Madrid';

describe('weeks', () => {
  it('start on Monday, across months and years', () => {
    expect(mondayOf('2026-11-30')).toBe('2026-11-30');
    expect(mondayOf('2026-12-06')).toBe('2026-11-30');
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(weeksBetween('2026-11-16', '2026-11-30')).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
  });
});

describe('the period filter', () => {
  it('defaults to the last twelve weeks up to today, in the site time zone', () => {
    const result = resolvePeriod({}, TZ, NOW);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.period.toDay).toBe('2026-11-30');
    expect(result.period.firstWeek).toBe('2026-09-14');
    expect(weeksBetween(result.period.firstWeek, result.period.lastWeek)).toHaveLength(12);
    // Madrid is UTC+1 in winter: the day starts at 23:00 UTC the day before.
    expect(result.period.from.toISOString()).toBe('2026-09-13T22:00:00.000Z');
    expect(result.period.to.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });

  it('refuses backwards, too long, future periods, bad days and unknown tags, keeping what was typed', () => {
    const refusal = (query: Record<string, string>) => {
      const result = resolvePeriod(query, TZ, NOW);
      return result.ok ? null : { errors: result.errors, values: result.values };
    };
    expect(refusal({ from: '2026-05-01', to: '2026-04-01' })?.errors).toEqual({
      to: { key: 'balance.period.backwards' },
    });
    expect(refusal({ from: '2020-01-01', to: '2026-01-02' })?.errors).toEqual({
      from: { key: 'balance.period.tooLong' },
    });
    expect(refusal({ from: '2027-01-01', to: '2027-02-01' })?.errors).toEqual({
      from: { key: 'balance.period.future' },
      to: { key: 'balance.period.toFuture' },
    });
    // Weeks not yet lived are not figures: a period may end today at the latest.
    expect(refusal({ from: '2026-01-01', to: '2027-06-01' })?.errors).toEqual({
      to: { key: 'balance.period.toFuture' },
    });
    // A day with a time, or given twice, is read as typed: refused beside its own field, never a 500.
    expect(refusal({ to: '2026-11-30T00:00' })?.errors).toEqual({ to: { key: 'balance.period.invalidDay' } });
    expect(resolvePeriod({ tag: ['PERSONAL', 'PROFESSIONAL'] }, TZ, NOW)).toMatchObject({
      ok: true,
      period: { tag: 'PERSONAL' },
    });
    expect(refusal({ from: '2026-02-30' })?.errors).toEqual({ from: { key: 'balance.period.invalidDay' } });
    expect(refusal({ tag: 'gossip' })).toEqual({
      errors: { tag: { key: 'balance.tag.unknown', params: { tag: 'gossip' } } },
      values: { from: '', to: '', tag: 'gossip' },
    });
    // Five years of 366 days fit.
    expect(refusal({ from: '2021-11-30', to: '2026-11-30' })).toBeNull();
    expect(resolvePeriod({ tag: 'professional' }, TZ, NOW)).toMatchObject({
      ok: true,
      period: { tag: 'PROFESSIONAL' },
    });
  });
});

describe('the weekly figures', () => {
  const row: BalanceWeekRow = {
    week: '2026-11-23',
    personalPosts: 2,
    professionalPosts: 5,
    organizationalPosts: 1,
    replies: 4,
    crossingReplies: 1,
    questions: 3,
    answeredQuestions: 2,
    acceptedQuestions: 1,
    medianFirstAnswerSeconds: 7200,
    activePeople: 4,
    organizations: 2,
  };

  it('fills weeks without activity with zeros and computes the shares', () => {
    const weeks = weeklyFigures([row], '2026-11-16', '2026-11-30');
    expect(weeks.map((w) => [w.week, w.posts, w.crossingShare])).toEqual([
      ['2026-11-16', 0, null],
      ['2026-11-23', 8, 0.25],
      ['2026-11-30', 0, null],
    ]);
    expect(periodTotals(weeks)).toMatchObject({ posts: 8, replies: 4, crossingReplies: 1, crossingShare: 0.25 });
    expect(weeklyFigures([row], '2026-11-23', '2026-11-23', 'PERSONAL')[0]).toMatchObject({
      personalPosts: 2,
      professionalPosts: 0,
      posts: 2,
    });
    expect(share(1, 3)).toBe(0.333);
    expect(share(0, 0)).toBeNull();
  });

  it('writes CSV with quoting, CRLF, and no formula a spreadsheet would run', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', null],
          ['=SUM(A1)', 2],
        ],
      ),
    ).toBe('a,b\r\n"x,y",\r\n"\'=SUM(A1)",2\r\n');
  });
});

describe('who sees a balance', () => {
  it('moderators in full; readers of an OPEN community that shows it, publicly; nobody else', () => {
    const facts = { canModerate: false, canRead: true, audience: 'OPEN', publicBalance: true } as const;
    expect(communityBalanceView({ ...facts, canModerate: true, publicBalance: false })).toBe('full');
    expect(communityBalanceView(facts)).toBe('public');
    expect(communityBalanceView({ ...facts, publicBalance: false })).toBeNull();
    expect(communityBalanceView({ ...facts, audience: 'INTERADMINISTRATIVE' })).toBeNull();
    expect(communityBalanceView({ ...facts, canRead: false })).toBeNull();
    expect(organizationBalanceView({ isSiteAdmin: false, isOfficialVoice: true })).toBe('full');
    expect(organizationBalanceView({ isSiteAdmin: false, isOfficialVoice: false })).toBeNull();
    expect(canPublishBalance('OPEN')).toBe(true);
    expect(canPublishBalance('INTERNAL')).toBe(false);
  });
});
