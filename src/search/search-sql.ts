import { Prisma } from '../generated/prisma/client.js';
import type { PostTag, ThreadKind } from '../generated/prisma/enums.js';
import type { ParsedQuery, SearchTerm } from './search-query.js';

// The SQL pieces of a search (src/search/search.service.ts): the query as a tsquery in each language Ágora
// indexes, the filters as conditions on a post `p` and its thread `t`, and the words a result marks.

/** What a search may be narrowed to; every field already checked (src/search/search.schemas.ts). */
export interface SearchFilters {
  readonly communityId: string | null;
  readonly tag: PostTag | null;
  readonly kind: ThreadKind | null;
  /** yes: questions with an accepted answer, other threads with a reply; no: the others. */
  readonly answered: 'yes' | 'no' | null;
  readonly authorId: string | null;
  /** Inclusive days (a UTC midnight Date naming the day), in the site's time zone: from 00:00 of `from` to the end of `to`. */
  readonly from: Date | null;
  readonly to: Date | null;
}

export const NO_FILTERS: SearchFilters = {
  communityId: null,
  tag: null,
  kind: null,
  answered: null,
  authorId: null,
  from: null,
  to: null,
};

/**
 * The language whose stop words make a query "too common to search for": the person's interface language
 * where PostgreSQL has its stop words (es, ca, en), else Spanish, the site's (Galician and Basque have
 * none in PostgreSQL). A word common in another language is still searched: refusing a query when any
 * language dropped all its words refused "ONCE" and "Don", English stop words, to Spanish readers.
 */
export function stopWordLanguage(locale: string | undefined): 'es' | 'ca' | 'en' {
  return locale === 'ca' || locale === 'en' ? locale : 'es';
}

/** The languages whose stemmers a query is read with: those posts are indexed with (agora_ts_config). */
const QUERY_LANGUAGES = ['es', 'ca', 'en', 'und'] as const;

/** One term as a tsquery in one configuration, as written and folded (stems of both forms match). */
export function termQuery(config: Prisma.Sql, term: SearchTerm): Prisma.Sql {
  const folded = Prisma.sql`replace(agora_fold(${term.text}), '·', '')`;
  switch (term.kind) {
    case 'word':
      return Prisma.sql`(plainto_tsquery(${config}, ${term.text}) || plainto_tsquery(${config}, ${folded}))`;
    case 'phrase':
      return Prisma.sql`(phraseto_tsquery(${config}, ${term.text}) || phraseto_tsquery(${config}, ${folded}))`;
    case 'prefix':
      // The word is quoted as a tsquery literal by quote_literal: nothing the person typed is syntax.
      return Prisma.sql`(to_tsquery(${config}, quote_literal(${term.text}) || ':*') || to_tsquery(${config}, quote_literal(${folded}) || ':*'))`;
  }
}

export function languageQuery(language: string, query: ParsedQuery, positiveOnly: boolean): Prisma.Sql {
  const config = Prisma.sql`agora_ts_config(${language})`;
  const parts = query.include.map((term) => termQuery(config, term));
  if (!positiveOnly) for (const term of query.exclude) parts.push(Prisma.sql`(!! ${termQuery(config, term)})`);
  return Prisma.sql`(${Prisma.join(parts, ' && ')})`;
}

/** The whole query: each language's reading of it, any of which may match. */
export function fullQuery(
  query: ParsedQuery,
  positiveOnly = false,
  languages: readonly string[] = QUERY_LANGUAGES,
): Prisma.Sql {
  return Prisma.join(
    languages.map((language) => languageQuery(language, query, positiveOnly)),
    ' || ',
  );
}

/**
 * The instant a calendar day (a UTC midnight Date, as the form reads a day) begins in the site's time zone,
 * `days` later: the day filters are days as the pages show dates (TIME_ZONE), not UTC days, so a post shown
 * as "2 Dec, 0:30" in Madrid is found by from=2 December.
 */
export function dayStart(day: Date, timeZone: string, days = 0): Prisma.Sql {
  return Prisma.sql`((${day.toISOString().slice(0, 10)}::date + ${days}::int)::timestamp AT TIME ZONE ${timeZone})`;
}

/** The SQL conditions of the filters on the post `p` itself; days in the site's time zone. */
export function postFilterConditions(filters: SearchFilters, timeZone: string): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filters.communityId) conditions.push(Prisma.sql`p.community_id = ${filters.communityId}::uuid`);
  if (filters.tag) conditions.push(Prisma.sql`p.tag = ${filters.tag}::"PostTag"`);
  if (filters.authorId) conditions.push(Prisma.sql`p.author_id = ${filters.authorId}::uuid`);
  if (filters.from) conditions.push(Prisma.sql`p.created_at >= ${dayStart(filters.from, timeZone)}`);
  if (filters.to) conditions.push(Prisma.sql`p.created_at < ${dayStart(filters.to, timeZone, 1)}`);
  return conditions;
}

/** The SQL conditions of the filters on the post's thread `t` (its kind, answered or not). */
export function threadFilterConditions(filters: SearchFilters): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filters.kind) conditions.push(Prisma.sql`t.kind = ${filters.kind}::"ThreadKind"`);
  // As the thread list's "unanswered" (src/threads/thread-lists.ts): no reply yet, or a question with no
  // accepted answer.
  const unanswered = Prisma.sql`(t.reply_count = 0 OR (t.kind = 'QUESTION' AND t.accepted_post_id IS NULL))`;
  if (filters.answered === 'no') conditions.push(unanswered);
  if (filters.answered === 'yes') conditions.push(Prisma.sql`NOT ${unanswered}`);
  return conditions;
}

/** Lexemes of a tsquery's text ('contrat':* | 'contratacion' & …), for marking the matched words. */
export function lexemesOf(queryText: string): string[] {
  return [
    ...new Set([...queryText.matchAll(/'((?:[^']|'')+)'/g)].map((match) => (match[1] ?? '').replaceAll("''", "'"))),
  ];
}
