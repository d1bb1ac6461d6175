import type { PostTag } from '../policy/tags.js';
import { weeksBetween } from './balance-period.js';

// The balance's figures per week as pages, charts and CSV show them. Pure: rows of the roll-up in,
// one row per week of the period out (weeks without activity as zeros), with the shares computed.

/** A balance_weeks row as the service reads it (week as YYYY-MM-DD). */
export interface BalanceWeekRow {
  readonly week: string;
  readonly personalPosts: number;
  readonly professionalPosts: number;
  readonly organizationalPosts: number;
  readonly replies: number;
  readonly crossingReplies: number;
  readonly questions: number;
  readonly answeredQuestions: number;
  readonly acceptedQuestions: number;
  readonly medianFirstAnswerSeconds: number | null;
  readonly activePeople: number;
  readonly organizations: number;
}

export interface BalanceWeek extends BalanceWeekRow {
  /** Posts of the three tags (or of the filtered tag only). */
  readonly posts: number;
  /** crossingReplies / replies, 0..1 rounded to 3 decimals; null with no replies. */
  readonly crossingShare: number | null;
}

export interface RuleCount {
  readonly ruleCode: string;
  /** REJECT (refused), HOLD (held for a moderator) or WARN (the author confirmed). */
  readonly outcome: string;
  readonly decisions: number;
}

const EMPTY = {
  personalPosts: 0,
  professionalPosts: 0,
  organizationalPosts: 0,
  replies: 0,
  crossingReplies: 0,
  questions: 0,
  answeredQuestions: 0,
  acceptedQuestions: 0,
  medianFirstAnswerSeconds: null,
  activePeople: 0,
  organizations: 0,
} as const;

/** The share a/b rounded to 3 decimals, or null when b is 0 (nothing was measured, which is not 0 %). */
export function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;
}

/**
 * One entry per Monday from firstWeek to lastWeek, from the roll-up's rows (missing weeks are zeros).
 * With a tag, the mix keeps that tag's posts only (the other columns are not per tag).
 */
export function weeklyFigures(
  rows: readonly BalanceWeekRow[],
  firstWeek: string,
  lastWeek: string,
  tag: PostTag | null = null,
): BalanceWeek[] {
  const byWeek = new Map(rows.map((row) => [row.week, row]));
  return weeksBetween(firstWeek, lastWeek).map((week) => {
    const row = byWeek.get(week) ?? { week, ...EMPTY };
    const mix = {
      personalPosts: tag === null || tag === 'PERSONAL' ? row.personalPosts : 0,
      professionalPosts: tag === null || tag === 'PROFESSIONAL' ? row.professionalPosts : 0,
      organizationalPosts: tag === null || tag === 'ORGANIZATIONAL' ? row.organizationalPosts : 0,
    };
    return {
      ...row,
      ...mix,
      posts: mix.personalPosts + mix.professionalPosts + mix.organizationalPosts,
      crossingShare: share(row.crossingReplies, row.replies),
    };
  });
}

/** Sums over the period of what adds up (counts; not people, who may come back week after week). */
export function periodTotals(weeks: readonly BalanceWeek[]) {
  const sum = (pick: (week: BalanceWeek) => number) => weeks.reduce((total, week) => total + pick(week), 0);
  const replies = sum((w) => w.replies);
  const crossingReplies = sum((w) => w.crossingReplies);
  return {
    posts: sum((w) => w.posts),
    personalPosts: sum((w) => w.personalPosts),
    professionalPosts: sum((w) => w.professionalPosts),
    organizationalPosts: sum((w) => w.organizationalPosts),
    replies,
    crossingReplies,
    crossingShare: share(crossingReplies, replies),
    questions: sum((w) => w.questions),
    answeredQuestions: sum((w) => w.answeredQuestions),
    acceptedQuestions: sum((w) => w.acceptedQuestions),
  };
}

/** A CSV file (RFC 4180): a header row and the rows, fields quoted when they need it, CRLF line ends. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const field = (value: string | number | null) => {
    const text = value === null ? '' : String(value);
    // A leading =, +, - or @ would be a formula to a spreadsheet: quoted and prefixed (OWASP CSV injection).
    const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return `${[header, ...rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
