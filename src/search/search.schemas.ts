import { z } from 'zod';
import { dayIn } from '../balance/balance-period.js';
import type { MessageKey } from '../i18n/i18n.js';
import { POST_TAGS } from '../policy/tags.js';
import { textLength } from '../text/limits.js';
import { withoutFormatCharacters } from '../text/visible-text.js';
import { THREAD_KINDS } from '../threads/threads.schemas.js';
import { type ParsedQuery, parseQuery, QUERY_MAX } from './search-query.js';

// The search form (a GET form: the address is the search, so it can be bookmarked and shared). Every
// field is read as text first, so a bad one is refused beside itself with the others kept as typed.

/** The search form as typed, every field a string ('' when absent). */
export interface SearchFormValues {
  readonly q: string;
  readonly community: string;
  readonly tag: string;
  readonly kind: string;
  readonly answered: string;
  readonly author: string;
  readonly from: string;
  readonly to: string;
}

export const SEARCH_FIELDS = ['q', 'community', 'tag', 'kind', 'answered', 'author', 'from', 'to'] as const;

const text = z.union([z.string(), z.array(z.string())]).optional();
const rawForm = z.object(Object.fromEntries([...SEARCH_FIELDS, 'after'].map((name) => [name, text])));

/** The earliest and latest dates a range may name: before Ágora nothing was written; after, nothing yet. */
const DATE_MIN = new Date('2000-01-01T00:00:00Z');

export interface ReadSearchForm {
  readonly values: SearchFormValues;
  readonly after: string | null;
  readonly errors: Partial<Record<keyof SearchFormValues, MessageKey>>;
  /** The query, when there is one to run (no errors, at least one word). */
  readonly query: ParsedQuery | null;
  /** Nothing was typed but blanks and characters that show nothing (a zero-width space alone). */
  readonly blank: boolean;
  readonly tag: (typeof POST_TAGS)[number] | null;
  readonly kind: (typeof THREAD_KINDS)[number] | null;
  readonly answered: 'yes' | 'no' | null;
  readonly from: Date | null;
  readonly to: Date | null;
  /** The community slug and author handle as typed, left to the route to look up. */
  readonly communitySlug: string | null;
  readonly authorHandle: string | null;
}

function day(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : date;
}

/**
 * Reads the search form from a query string. Unknown parameters are ignored; a parameter given twice
 * counts once (the first). Errors are catalog keys per field; the values are kept as typed. Pure.
 */
export function readSearchForm(query: unknown, now = new Date(), timeZone = 'UTC'): ReadSearchForm {
  const parsed = rawForm.safeParse(query ?? {});
  const raw = parsed.success ? parsed.data : {};
  const first = (name: string) => {
    const value = raw[name];
    // At most 2,000 characters echoed back, cut between code points (never half a surrogate pair).
    return Array.from(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''))
      .slice(0, 2000)
      .join('');
  };
  const values = Object.fromEntries(SEARCH_FIELDS.map((name) => [name, first(name)])) as unknown as SearchFormValues;
  const errors: Partial<Record<keyof SearchFormValues, MessageKey>> = {};

  // Searched without the characters that show nothing (a zero-width space or soft hyphen pasted inside a
  // word split it in two); shown back as typed. Its length in characters as a person counts them.
  const q = withoutFormatCharacters(values.q).trim();
  let parsedQuery: ParsedQuery | null = null;
  if (textLength(q) > QUERY_MAX) errors.q = 'search.field.qTooLong';
  else if (q !== '') {
    parsedQuery = parseQuery(q);
    if (parsedQuery.include.length === 0) errors.q = 'search.field.qNoWords';
  }

  const tag = values.tag === '' ? null : (POST_TAGS as readonly string[]).includes(values.tag) ? values.tag : undefined;
  if (tag === undefined) errors.tag = 'search.field.tagUnknown';
  const kind =
    values.kind === '' ? null : (THREAD_KINDS as readonly string[]).includes(values.kind) ? values.kind : undefined;
  if (kind === undefined) errors.kind = 'search.field.kindUnknown';
  const answered =
    values.answered === '' ? null : values.answered === 'yes' || values.answered === 'no' ? values.answered : undefined;
  if (answered === undefined) errors.answered = 'search.field.answeredUnknown';

  const from = values.from.trim() === '' ? null : day(values.from.trim());
  const to = values.to.trim() === '' ? null : day(values.to.trim());
  if (from === null && values.from.trim() !== '') errors.from = 'search.field.dateInvalid';
  // "Today" is the site's (TIME_ZONE): in Madrid, from midnight to 1 a.m. UTC is still yesterday.
  else if (from && (from < DATE_MIN || from > (day(dayIn(now, timeZone)) ?? now)))
    errors.from = 'search.field.dateOutOfRange';
  if (to === null && values.to.trim() !== '') errors.to = 'search.field.dateInvalid';
  else if (to && to < DATE_MIN) errors.to = 'search.field.dateOutOfRange';
  if (from && to && !errors.from && !errors.to && to < from) errors.to = 'search.field.rangeBackwards';

  const communitySlug = values.community.trim() === '' ? null : values.community.trim();
  const authorHandle = values.author.trim().replace(/^@/, '') || null;
  const ok = Object.keys(errors).length === 0;
  return {
    values,
    after: first('after') || null,
    errors,
    query: ok ? parsedQuery : null,
    blank: q === '',
    tag: (tag ?? null) as ReadSearchForm['tag'],
    kind: (kind ?? null) as ReadSearchForm['kind'],
    answered: answered ?? null,
    from: from ?? null,
    to: to ?? null,
    communitySlug,
    authorHandle,
  };
}
