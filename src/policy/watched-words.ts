// Watched words (issue 10, part 3): lists of words and phrases that site admins keep for the whole site
// and community owners for their community, each with what a post containing one gets: `block` (refused),
// `hold` (held for review) or `flag` (the author is warned and confirms). Pure: no I/O.
//
// Decisions:
// - An entry is a word or phrase, never a regular expression: what a person types is matched literally,
//   so "a.b" or "(x)" are words like any other and no entry can make matching slow (no backtracking).
// - Matching is whole-word, case- and accent-insensitive the way Spanish and Catalan are written: "á",
//   "à", "ü"… fold to their base letter, but "ñ" and "ç" stay letters of their own ("año" is not "ano",
//   "plaça" is not "placa"), and the Catalan middle dot and apostrophes inside a word belong to it
//   ("col·legi", "l'ajuntament" is one word as typed). Inside a phrase, any run of spaces or punctuation
//   between words matches.
// - Words are indexed by their first word: judging a 20,000-character post against 1,000 entries looks at
//   each word of the post once and at the few entries that start with it (bench: `npm run bench`).

export const WATCHED_WORD_ACTIONS = ['block', 'hold', 'flag'] as const;
export type WatchedWordAction = (typeof WATCHED_WORD_ACTIONS)[number];

/** The longest entry, in characters as typed. */
export const WATCHED_WORD_MAX = 100;
/** The most words in one entry. */
export const WATCHED_WORD_MAX_WORDS = 8;

export interface WatchedWord {
  /** As the person typed it (shown in lists and reasons). */
  readonly phrase: string;
  readonly action: WatchedWordAction;
}

export interface WatchedWordMatch {
  readonly phrase: string;
  readonly action: WatchedWordAction;
  /** UTF-16 offsets into the judged text; `end` is exclusive. */
  readonly start: number;
  readonly end: number;
}

// A word: letters and digits, with a middle dot (l·l) or an apostrophe inside it.
const WORD = /[\p{L}\p{N}]+(?:[·'’][\p{L}\p{N}]+)*/gu; // global: wordsOf() resets lastIndex
const ASCII = /^[A-Za-z0-9']*$/; // a word (WORD) with nothing to fold
// Combining marks to drop after NFD, except the tilde of ñ (U+0303) and the cedilla of ç (U+0327).
const DROPPED_MARKS = /(?![\u0303\u0327])\p{M}/gu;

/**
 * The form a word is compared in: lower case, accents removed except ñ and ç, the typographic apostrophe
 * as the plain one. `"Contratación"` → `"contratacion"`, `"AÑO"` → `"año"`, `"Col·legi"` → `"col·legi"`.
 */
export function foldWord(word: string): string {
  // Most words of a Spanish or English text are plain ASCII: no accents to fold.
  if (ASCII.test(word)) return word.toLowerCase();
  return word.toLowerCase().normalize('NFD').replace(DROPPED_MARKS, '').normalize('NFC').replace(/’/g, "'");
}

interface Words {
  /** Folded words, and where each is in the text (UTF-16 offsets, end exclusive). */
  readonly word: string[];
  readonly start: number[];
  readonly end: number[];
}

/** The words of a text with their offsets, folded (each distinct word folded once). */
function wordsOf(text: string): Words {
  const words: Words = { word: [], start: [], end: [] };
  // Lower-casing the whole text at once is cheaper than word by word; it keeps every offset unless the
  // text holds one of the few letters whose lower case is longer (Turkish İ), which are folded one by one.
  const lower = text.toLowerCase();
  const source = lower.length === text.length ? lower : text;
  const folded = new Map<string, string>();
  WORD.lastIndex = 0;
  for (let match = WORD.exec(source); match !== null; match = WORD.exec(source)) {
    const raw = match[0];
    let word = folded.get(raw);
    if (word === undefined) {
      word = foldWord(raw);
      folded.set(raw, word);
    }
    words.word.push(word);
    words.start.push(match.index);
    words.end.push(match.index + raw.length);
  }
  return words;
}

export type WatchedWordProblem = 'empty' | 'too-long' | 'too-many-words' | 'no-word';

/**
 * Why a typed entry cannot be a watched word, or null when it can: empty, longer than WATCHED_WORD_MAX
 * characters, more than WATCHED_WORD_MAX_WORDS words, or without a single letter or digit ("***").
 */
export function watchedWordProblem(phrase: string): WatchedWordProblem | null {
  const trimmed = phrase.trim();
  if (trimmed === '') return 'empty';
  if (trimmed.length > WATCHED_WORD_MAX) return 'too-long';
  const count = wordsOf(trimmed).word.length;
  if (count === 0) return 'no-word';
  if (count > WATCHED_WORD_MAX_WORDS) return 'too-many-words';
  return null;
}

/** Characters an entry typed in a form may hold: letters, digits, spaces and what joins words (·'’-.). */
const NOT_WORDS = /[^\p{L}\p{N}\s·'’\-.]/u;

/**
 * Why a list's form refuses a typed entry, or null: watchedWordProblem, or `not-words` when it holds
 * other signs — "(a+)+$" or "\b" would be saved as the bare words "a" or "b" (entries are matched as
 * words, never as patterns) and block almost every post; the owner is told instead.
 */
export function typedEntryProblem(phrase: string): WatchedWordProblem | 'not-words' | null {
  return watchedWordProblem(phrase) ?? (NOT_WORDS.test(phrase.trim()) ? 'not-words' : null);
}

/** The key two entries share when they match the same texts ("Uso  interno" and "uso interno"). */
export function watchedWordKey(phrase: string): string {
  return wordsOf(phrase).word.join(' ');
}

const STRENGTH: Readonly<Record<WatchedWordAction, number>> = { flag: 1, hold: 2, block: 3 };

/** The strongest action among matches (block, then hold, then flag), or null when none matched. */
export function strongestAction(matches: readonly Pick<WatchedWordMatch, 'action'>[]): WatchedWordAction | null {
  let strongest: WatchedWordAction | null = null;
  for (const { action } of matches) if (!strongest || STRENGTH[action] > STRENGTH[strongest]) strongest = action;
  return strongest;
}

export interface WatchedWordMatcher {
  /** Every entry found in `text`, in order of position; an entry found twice is reported twice. */
  find(text: string): WatchedWordMatch[];
}

/**
 * Prepares lists (the site's and the community's, say) for matching. Entries that cannot match
 * (watchedWordProblem) are left out; when two entries match the same texts the stronger action wins.
 */
export function compileWatchedWords(entries: readonly WatchedWord[]): WatchedWordMatcher {
  const byFirstWord = new Map<string, { words: string[]; phrase: string; action: WatchedWordAction }[]>();
  const seen = new Map<string, { action: WatchedWordAction }>();
  for (const entry of entries) {
    if (watchedWordProblem(entry.phrase) !== null) continue;
    const words = wordsOf(entry.phrase).word;
    const key = words.join(' ');
    const earlier = seen.get(key);
    if (earlier) {
      if (STRENGTH[entry.action] > STRENGTH[earlier.action]) earlier.action = entry.action;
      continue;
    }
    const compiled = { words, phrase: entry.phrase.trim(), action: entry.action };
    seen.set(key, compiled);
    const first = words[0] ?? '';
    const list = byFirstWord.get(first) ?? [];
    list.push(compiled);
    byFirstWord.set(first, list);
  }

  return {
    find(text) {
      if (byFirstWord.size === 0) return [];
      const { word, start, end } = wordsOf(text);
      const matches: WatchedWordMatch[] = [];
      for (let at = 0; at < word.length; at++) {
        const candidates = byFirstWord.get(word[at] ?? '');
        if (!candidates) continue;
        for (const candidate of candidates) {
          const length = candidate.words.length;
          if (at + length > word.length) continue;
          let same = true;
          for (let k = 1; k < length && same; k++) same = word[at + k] === candidate.words[k];
          if (!same) continue;
          matches.push({
            phrase: candidate.phrase,
            action: candidate.action,
            start: start[at] ?? 0,
            end: end[at + length - 1] ?? 0,
          });
        }
      }
      return matches;
    },
  };
}
