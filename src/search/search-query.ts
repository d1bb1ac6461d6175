import { createHash } from 'node:crypto';
import { foldText } from '../text/fold.js';
import { cursorDate, isCursorUuid } from './cursor-values.js';

// What a person types into the search box, read the way web search engines read it (and PostgreSQL's
// websearch_to_tsquery): words must all appear, "a phrase" must appear as written, word* finds every word
// that starts so, -word leaves out what has it. Operators of tsquery's own syntax (& | ! ( ) : *) are only
// ever separators here: the query is built from words passed as parameters (src/search/search.service.ts),
// never from the person's text spliced into tsquery syntax.

/** Characters a query may have; longer ones are refused with a message, not cut. */
export const QUERY_MAX = 200;
/** Terms a query may have: the rest are not searched (the page says so). */
export const TERMS_MAX = 8;
/** The shortest prefix worth a prefix search (shorter ones would match half the dictionary). */
export const PREFIX_MIN = 3;

export type SearchTerm =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'phrase'; readonly text: string }
  | { readonly kind: 'prefix'; readonly text: string };

export interface ParsedQuery {
  /** Terms every result must have. */
  readonly include: readonly SearchTerm[];
  /** Terms no result may have. */
  readonly exclude: readonly SearchTerm[];
  /** Terms beyond TERMS_MAX, not searched. */
  readonly dropped: number;
}

/** A word: letters or digits, with a middle dot (however typed, "l.l" too), apostrophe or hyphen inside (col·legi, l'any, e-mail). */
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}_]|[·⋅‧∙'’-](?=[\p{L}\p{N}])|(?<=[lL])\.(?=[lL]))*/gu;

/**
 * Reads a query. Returns no terms at all for text without a letter or digit ("&|!():*"), which the page
 * answers with a message instead of a search. Pure.
 *
 * parseQuery('contrato "menor cuantía" licita* -obras') →
 *   include: word contrato, phrase "menor cuantía", prefix licita; exclude: word obras.
 */
export function parseQuery(text: string): ParsedQuery {
  const include: SearchTerm[] = [];
  const exclude: SearchTerm[] = [];
  let count = 0;
  let dropped = 0;
  const add = (negated: boolean, term: SearchTerm) => {
    if (count >= TERMS_MAX) {
      dropped++;
      return;
    }
    count++;
    (negated ? exclude : include).push(term);
  };
  // Quoted phrases first ("…" or “…”), then the words between them.
  const pieces = text.normalize('NFC').split(/["“”«»]/);
  pieces.forEach((piece, index) => {
    const quoted = index % 2 === 1 && index < pieces.length - 1;
    if (quoted) {
      const words = piece.match(WORD) ?? [];
      const negated = /-\s*$/.test(pieces[index - 1] ?? '');
      if (words.length === 1 && words[0]) add(negated, { kind: 'word', text: words[0] });
      else if (words.length > 1) add(negated, { kind: 'phrase', text: words.join(' ') });
      return;
    }
    for (const match of piece.matchAll(WORD)) {
      const before = piece[match.index - 1];
      const after = piece[match.index + match[0].length];
      const negated = before === '-' && (match.index < 2 || /\s/.test(piece[match.index - 2] ?? ' '));
      const prefix = after === '*' && match[0].length >= PREFIX_MIN;
      add(negated, { kind: prefix ? 'prefix' : 'word', text: match[0] });
    }
  });
  // A query of exclusions alone would list everything else: it searches nothing.
  if (include.length === 0) return { include: [], exclude: [], dropped };
  return { include, exclude, dropped };
}

/** Terms as one line, for the key that ties a page cursor to its query. */
function termsKey(query: ParsedQuery): string {
  const line = (terms: readonly SearchTerm[]) => terms.map((term) => `${term.kind}:${foldText(term.text)}`).join(',');
  return `${line(query.include)}|${line(query.exclude)}`;
}

/**
 * The key of a query and its filters: a cursor made for another query (another key) is not used. Pure;
 * 16 hex digits of SHA-256.
 */
export function searchKey(query: ParsedQuery, filters: Readonly<Record<string, string | null>>): string {
  const filterLine = Object.keys(filters)
    .sort()
    .map((name) => `${name}=${filters[name] ?? ''}`)
    .join('&');
  return createHash('sha256')
    .update(`${termsKey(query)}#${filterLine}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * Where the results the first page ranked end: the oldest post (or question, in the solved view) among
 * them, whether a walk by date found them, and whether they were the newest only (more results than
 * SEARCH_RANKED_RESULTS).
 */
export interface SearchEdge {
  readonly createdAt: Date;
  readonly id: string;
  readonly walked: boolean;
  readonly recent: boolean;
}

/** Where a page of ranked results ends: the last row's score and id, and the moment scores were taken at. */
export interface SearchCursor {
  readonly key: string;
  /** Recency in the score is counted from this moment, the same for every page of one search. */
  readonly now: Date;
  readonly score: number;
  readonly id: string;
  /**
   * Where the first page's results end: later pages rank the same ones, less those removed (an older one
   * let in would rank above the cursor and be skipped), with those that came in since. Null: none.
   */
  readonly edge: SearchEdge | null;
}

export function encodeSearchCursor(cursor: SearchCursor): string {
  const edge = cursor.edge
    ? [cursor.edge.createdAt.toISOString(), cursor.edge.id, cursor.edge.walked ? 1 : 0, cursor.edge.recent ? 1 : 0]
    : [];
  return Buffer.from(JSON.stringify([cursor.key, cursor.now.toISOString(), cursor.score, cursor.id, ...edge])).toString(
    'base64url',
  );
}

/** The cursor, or null when it does not decode to one (any text in, never a throw). */
export function decodeSearchCursor(text: string | undefined | null): SearchCursor | null {
  if (!text || text.length > 400) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || (value.length !== 4 && value.length !== 8)) return null;
    const [key, at, score, id, edgeAt, edgeId, walked, recent] = value as unknown[];
    const now = cursorDate(at);
    if (typeof key !== 'string' || !/^[0-9a-f]{16}$/.test(key)) return null;
    if (now === null || typeof score !== 'number' || !Number.isFinite(score)) return null;
    if (!isCursorUuid(id)) return null;
    if (value.length === 4) return { key, now, score, id, edge: null };
    const createdAt = cursorDate(edgeAt);
    if (createdAt === null || !isCursorUuid(edgeId) || (walked !== 0 && walked !== 1)) return null;
    if (recent !== 0 && recent !== 1) return null;
    return { key, now, score, id, edge: { createdAt, id: edgeId, walked: walked === 1, recent: recent === 1 } };
  } catch {
    return null;
  }
}
