// One way to compare words as Spanish, Catalan and English speakers write them, used by topics, mentions,
// search, the directory and every people search. Case and accents do not matter ("Contratación" =
// "contratacion", "Lucía" = "lucia", "Ïsaac" = "isaac") but ñ and ç are letters of their own (Spanish
// and Catalan alphabets: RAE, Ortografía 2010, §1.4; IEC, Ortografia catalana 2017, §1.1), so "año" is not
// "ano" and "plaça" is not "placa". The Catalan middle dot belongs to the word (IEC §2.6, "ela
// geminada"): "col·legi" and "Il·lustració" stay one word, whether typed with U+00B7, the precomposed
// ŀ (U+0140), a dot operator or "l.l".
//
// The SQL function agora_fold() (migration 20261130044317_text_search) does the same in the database,
// with PostgreSQL's unaccent; tests/integration/text-folding.test.ts checks that both agree.

/** Stand-ins that nothing else produces, so stripping accents leaves ñ and ç alone. */
const KEEP: ReadonlyArray<readonly [string, string]> = [
  ['ñ', '\uE000'],
  ['ç', '\uE001'],
];

/** Letters that do not decompose into a base and a mark but that unaccent folds all the same. */
const LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ŋ: 'n',
  ĸ: 'q',
};
const LETTER = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'gu');

/** Ways people type the Catalan middle dot, and the apostrophes they use, as one of each. */
const MIDDLE_DOT = /[\u2027\u22C5\u2219\u0387\u16EB\u2E31]/gu;
const L_DOT_L = /(?<=l)\.(?=l)/gu;
const APOSTROPHE = /[\u2019\u2018\u02BC\u00B4\u0060\u2032]/gu;

/**
 * The folded form of a text: NFKC (so "ŀl" is "l·l" and full-width letters are letters), lower case,
 * accents and other marks removed except on ñ and ç, the middle dot and the apostrophe written one way
 * each. Everything else (spaces, digits, punctuation) is kept. Pure; any string in, a string out.
 *
 * foldText("Contratación PÚBLICA") === "contratacion publica"; foldText("#Año") === "#año";
 * foldText("Col.legi") === "col·legi"; foldText("l’Ajuntament") === "l'ajuntament".
 */
export function foldText(text: string): string {
  let folded = text.normalize('NFKC').toLowerCase();
  for (const [letter, stand] of KEEP) folded = folded.replaceAll(letter, stand);
  folded = folded
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .normalize('NFC')
    .replace(LETTER, (letter) => LETTERS[letter] ?? letter)
    .replace(MIDDLE_DOT, '·')
    .replace(L_DOT_L, '·')
    .replace(APOSTROPHE, "'");
  for (const [letter, stand] of KEEP) folded = folded.replaceAll(stand, letter);
  return folded;
}

/**
 * What a person typed into a search box, folded and split into words: letters, digits, the middle dot
 * inside a word and apostrophes are kept, anything else separates words. At most `limit` words.
 * searchWords("  Lucía   MARTÍN ") → ["lucia", "martin"]; searchWords("&|!():*") → [].
 */
export function searchWords(text: string, limit = 8): string[] {
  const words = foldText(text).match(/[\p{L}\p{N}](?:[\p{L}\p{N}_]|[·'-](?=[\p{L}\p{N}]))*/gu) ?? [];
  return words.slice(0, limit);
}

/** Escapes a folded word for a LIKE pattern (PostgreSQL's default escape character is the backslash). */
export function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (sign) => `\\${sign}`)}%`;
}
