import { z } from 'zod';
import { startOfDayIn } from '../admin/admin-search.js';
import type { FieldMessage, FormErrors } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import { checkFeedbackPeriod } from '../policy/suggestion-feedback.js';
import { POST_TAGS, type PostTag } from '../policy/tags.js';

// The period and tag filter of the balance pages and of the suggestion feedback (issue 13): what the
// form sends, checked, turned into instants in the site's time zone. Pure: no database, no request.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a real calendar day written YYYY-MM-DD. */
export function isCalendarDay(value: string): boolean {
  const match = DAY.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A day YYYY-MM-DD moved by `days` (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The Monday (YYYY-MM-DD) of the week a day falls in: the balance's weeks start on Monday (ISO 8601). */
export function mondayOf(day: string): string {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  const weekday = (new Date(Date.UTC(year, month - 1, date)).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function dayIn(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}

/** How many weeks a page shows when no period is given: the last twelve, this one included. */
export const DEFAULT_WEEKS = 12;

/** The filter as typed: days as strings ('' when not given), a tag as typed ('' for all). */
export const periodQuery = z.object({
  from: z.string().trim().max(40).default(''),
  to: z.string().trim().max(40).default(''),
  tag: z.string().trim().max(40).default(''),
});

export interface ResolvedPeriod {
  /** First and last calendar days asked for, inclusive (YYYY-MM-DD). */
  readonly fromDay: string;
  readonly toDay: string;
  /** The Monday of the first and of the last week shown. */
  readonly firstWeek: string;
  readonly lastWeek: string;
  /** [from, to) as instants in the site's time zone: `to` is the start of the day after toDay. */
  readonly from: Date;
  readonly to: Date;
  /** The tag filter, or null for all. */
  readonly tag: PostTag | null;
}

export type PeriodResult =
  | { readonly ok: true; readonly period: ResolvedPeriod; readonly values: Record<string, string> }
  | { readonly ok: false; readonly errors: FormErrors; readonly values: Record<string, string> };

/**
 * Checks a period filter and turns it into instants. Empty days default to the last DEFAULT_WEEKS
 * weeks up to today. Refused, each with its message beside its field: a day that is not a date
 * (`balance.period.invalidDay`), a period that is backwards (on `to`), longer than five years or
 * starting after today (on `from`) — the same checks as the suggestion feedback's
 * (checkFeedbackPeriod) — and a tag that is not one of POST_TAGS (`balance.tag.unknown`, on `tag`).
 * The values typed come back as they were, to fill the form again.
 */
export function resolvePeriod(query: unknown, timeZone: string, now: Date): PeriodResult {
  // A field given twice counts once (the first), as in every other form.
  const first = Object.fromEntries(
    Object.entries((query ?? {}) as Record<string, unknown>).map(([name, value]) => [
      name,
      Array.isArray(value) ? value[0] : value,
    ]),
  );
  const raw = periodQuery.safeParse(first);
  const typed = raw.success ? raw.data : { from: '', to: '', tag: '' };
  const values = { from: typed.from, to: typed.to, tag: typed.tag };
  const errors: Record<string, FieldMessage> = {};
  const today = dayIn(now, timeZone);
  const toDay = typed.to === '' ? today : typed.to;
  // The default start counts back from a real day only (a malformed `to` is refused below).
  const fromDay =
    typed.from === '' ? addDays(mondayOf(isCalendarDay(toDay) ? toDay : today), -7 * (DEFAULT_WEEKS - 1)) : typed.from;
  if (!raw.success) errors.from = { key: 'balance.period.invalidDay' };
  if (typed.from !== '' && !isCalendarDay(typed.from)) errors.from = { key: 'balance.period.invalidDay' };
  if (typed.to !== '' && !isCalendarDay(typed.to)) errors.to = { key: 'balance.period.invalidDay' };
  const upper = typed.tag.toUpperCase();
  const tag = typed.tag === '' ? null : (POST_TAGS.find((known) => known === upper) ?? null);
  if (typed.tag !== '' && tag === null) errors.tag = { key: 'balance.tag.unknown', params: { tag: typed.tag } };
  if (!errors.from && !errors.to && isCalendarDay(fromDay) && isCalendarDay(toDay)) {
    const from = startOfDayIn(fromDay, timeZone);
    const to = startOfDayIn(toDay, timeZone, 1);
    for (const problem of checkFeedbackPeriod(from, to, now)) {
      const key: MessageKey =
        problem === 'backwards'
          ? 'balance.period.backwards'
          : problem === 'too-long'
            ? 'balance.period.tooLong'
            : 'balance.period.future';
      if (problem === 'backwards') errors.to ??= { key };
      else errors.from ??= { key };
    }
    // Weeks not yet lived are not figures: the period ends today at the latest.
    if (toDay > today) errors.to ??= { key: 'balance.period.toFuture' };
    if (Object.keys(errors).length === 0) {
      return {
        ok: true,
        values: { from: fromDay, to: toDay, tag: typed.tag },
        period: { fromDay, toDay, firstWeek: mondayOf(fromDay), lastWeek: mondayOf(toDay), from, to, tag },
      };
    }
  }
  return { ok: false, errors, values };
}

/** Every Monday from firstWeek to lastWeek, inclusive: the rows of the tables, weeks without posts included. */
export function weeksBetween(firstWeek: string, lastWeek: string): string[] {
  const weeks: string[] = [];
  const last = Date.parse(`${lastWeek}T00:00:00Z`);
  for (let at = Date.parse(`${firstWeek}T00:00:00Z`); at <= last; at += 7 * 86_400_000) {
    weeks.push(new Date(at).toISOString().slice(0, 10));
  }
  return weeks;
}
