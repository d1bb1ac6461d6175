// Confidentiality markers: the words people put on a document that should not leave its circle
// ("CONFIDENCIAL", "Uso interno", "BORRADOR", "No difundir", "Reservado") in Spanish, Catalan and
// English. Pure: a string in, spans out. Accents and case are ignored; only whole words count, with
// letters judged by Unicode (so "reservadamente" and "confidencialidad" are not markers).

/** What a marker says, whatever its language. */
export const CONFIDENTIALITY_MARKERS = [
  'confidential',
  'internal-use',
  'draft',
  'do-not-distribute',
  'restricted',
] as const;
export type ConfidentialityMarker = (typeof CONFIDENTIALITY_MARKERS)[number];

export interface ConfidentialityMarkerMatch {
  /** The kind of marker, e.g. "draft" for "BORRADOR", "Esborrany" or "Draft". */
  readonly marker: ConfidentialityMarker;
  /** UTF-16 offset of the first character in the text. */
  readonly start: number;
  /** UTF-16 offset just past the last character (exclusive). */
  readonly end: number;
}

// The forms that count, written without accents (they are folded away on both sides). Adjectives
// count in every gender and number ("documentos confidenciales", "información reservada"); nouns only
// in the singular, because a marker labels the document at hand ("BORRADOR", "Draft") while the plural
// is talk about drafting ("los borradores del reglamento", "esborranys", "drafts").
const PHRASES: Readonly<Record<ConfidentialityMarker, readonly string[]>> = {
  confidential: ['confidencial', 'confidenciales', 'confidencials', 'confidential'],
  'internal-use': ['uso interno', 'us intern', 'internal use only', 'internal use'],
  draft: ['borrador', 'esborrany', 'draft'],
  'do-not-distribute': ['no difundir', 'no difondre', 'do not distribute', "don't distribute", 'not for distribution'],
  restricted: [
    'reservado',
    'reservada',
    'reservados',
    'reservadas',
    'reservat',
    'reservats',
    'reservades',
    'restricted',
  ],
};

/** Lower case, accents and other combining marks removed, runs of spaces made one. */
function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\s\u00A0]+/g, ' ')
    .replace(/’/g, "'");
}

// Every precomposed Latin letter whose base letter is a given one ("a" → "aàáâãäåā…"), so the pattern
// can match accented text in place and keep its offsets. Decomposed input (a letter then a combining
// accent) is covered by letting marks follow any letter.
const VARIANTS: ReadonlyMap<string, string> = (() => {
  const variants = new Map<string, string>();
  for (let code = 0x61; code <= 0x7a; code++) variants.set(String.fromCharCode(code), String.fromCharCode(code));
  for (let code = 0xc0; code <= 0x24f; code++) {
    const char = String.fromCharCode(code).toLowerCase();
    const base = char.normalize('NFD').charAt(0);
    if (base !== char && variants.has(base)) variants.set(base, `${variants.get(base)}${char}`);
  }
  return variants;
})();

function phrasePattern(phrase: string): string {
  return [...phrase]
    .map((char) => {
      if (char === ' ') return '[\\s\\u00A0]+';
      if (char === "'") return "['’]";
      const variants = VARIANTS.get(char);
      return variants === undefined ? char : `[${variants}]\\p{M}*`;
    })
    .join('');
}

const KIND_BY_PHRASE: ReadonlyMap<string, ConfidentialityMarker> = new Map(
  CONFIDENTIALITY_MARKERS.flatMap((marker) => PHRASES[marker].map((phrase) => [phrase, marker] as const)),
);

// Longest phrases first, so "internal use only" wins over "internal use".
const MARKER_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}\\p{M}])(?:${[...KIND_BY_PHRASE.keys()]
    .sort((a, b) => b.length - a.length)
    .map(phrasePattern)
    .join('|')})(?![\\p{L}\\p{N}\\p{M}])`,
  'giu',
);

// "He reservado la sala", "la sala está reservada", "has restricted access": after an auxiliary
// (haber, estar, ser; haver, estar; have) the participle is an action, not a label.
const AUXILIARIES = new Set(
  (
    'he has ha hemos habeis han habia habias habiamos habiais habian hube hubo habre habra habran haya hayas ' +
    'hayamos hayan hubiera hubiese haber habiendo esta estan estaba estaban estara estaran estamos este esten ' +
    'estuvo fue fueron sido sera seran hem heu havia havien haver hagi hagin estava estaven estat ' +
    'have had having'
  ).split(' '),
);

// Copyright lines: "todos los derechos reservados", "tots els drets reservats".
const RIGHTS_WORDS = new Set(['derechos', 'drets']);

/** The word right before `start`, folded, when only spaces separate them; "" otherwise. */
function previousWord(text: string, start: number): string {
  const word = /([\p{L}\p{M}]+)[\s\u00A0]+$/u.exec(text.slice(Math.max(0, start - 30), start))?.[1];
  return word === undefined ? '' : fold(word);
}

/**
 * The confidentiality markers in a text, sorted by start and never overlapping:
 * es "confidencial(es)", "uso interno", "borrador", "no difundir", "reservado/a/os/as";
 * ca "confidencial(s)", "ús intern", "esborrany", "no difondre", "reservat/ada/ats/ades";
 * en "confidential", "internal use (only)", "draft", "do not distribute", "not for distribution",
 * "restricted". Case and accents are ignored ("BORRADOR", "Uso Interno", "us intern"); only whole
 * words match, judged by Unicode letters. The participles are skipped after an auxiliary ("he
 * reservado la sala", "has restricted") and in copyright lines ("derechos reservados"). Offsets are
 * UTF-16 into `text`, end exclusive. Never throws.
 */
export function detectConfidentialityMarkers(text: string): ConfidentialityMarkerMatch[] {
  const matches: ConfidentialityMarkerMatch[] = [];
  for (const match of text.matchAll(MARKER_PATTERN)) {
    const marker = KIND_BY_PHRASE.get(fold(match[0]));
    if (marker === undefined) continue;
    const start = match.index;
    if (marker === 'restricted') {
      const before = previousWord(text, start);
      if (AUXILIARIES.has(before) || RIGHTS_WORDS.has(before)) continue;
    }
    matches.push({ marker, start, end: start + match[0].length });
  }
  return matches;
}
