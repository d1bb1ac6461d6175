// Text that is really there (issue 14, item 3). Pure: no request, no database.
//
// Two faults of the same kind, found by trying Ágora: a title, body or name made only of characters
// that show nothing (a zero-width space, a byte-order mark, a Hangul filler) was accepted and shown
// as an empty link; and a right-to-left override (U+202E) in a name or title reversed the text after
// it ("txt.exe" read as "exe.txt"), on the page and in every list it appeared in.

/**
 * Bidirectional embedding, override and isolate controls: LRE, RLE, PDF, LRO, RLO (U+202A–U+202E) and
 * LRI, RLI, FSI, PDI (U+2066–U+2069), Unicode UAX #9 §2.1–2.2. They change the order in which the text
 * after them is shown; people's text never needs them (the page isolates each text with `dir="auto"`).
 * The implicit marks (LRM, RLM, ALM) stay: they only give a weak character a direction.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Characters that show nothing by themselves: white space (Unicode White_Space), default-ignorable
 * code points (zero-width space and joiners, BOM, soft hyphen, Hangul fillers, variation selectors…),
 * other format characters (Cf), controls (Cc), and the Braille pattern blank (U+2800), which is none
 * of these yet prints as a blank.
 */
const ONLY_INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\u2800]*$/u;

/**
 * Blanks that `trim()` leaves at a text's ends (it knows only White_Space): zero-width space, non-joiner
 * and joiner, word joiner, BOM, soft hyphen, Mongolian vowel separator, Hangul fillers, Braille blank,
 * and the implicit direction marks. Not the variation selectors: "❤️" ends with one and needs it.
 */
const BLANKS = /[\u00AD\u115F\u1160\u180E\u200B-\u200F\u2060\u2800\u3164\uFEFF\uFFA0]/gu;
/** The runs of white space and BLANKS at either end of a text. */
const EDGES =
  /^[\p{White_Space}\u00AD\u115F\u1160\u180E\u200B-\u200F\u2060\u2800\u3164\uFEFF\uFFA0]+|[\p{White_Space}\u00AD\u115F\u1160\u180E\u200B-\u200F\u2060\u2800\u3164\uFEFF\uFFA0]+$/gu;

/**
 * `text` without format characters (Unicode general category Cf: zero-width space, non-joiner and joiner,
 * word joiner, soft hyphen, BOM, direction marks, bidirectional controls…): what a search or a topic's
 * address compares, where they show nothing and a word pasted with one ("año\u200Bviejo", "\u200Faño")
 * is the same word. Not for text that is stored and shown (an emoji sequence needs its joiner).
 */
export function withoutFormatCharacters(text: string): string {
  return text.replace(/\p{Cf}/gu, '');
}

/** `text` without bidirectional embedding, override and isolate controls (see BIDI_CONTROLS). */
export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/** Whether `text` has at least one character that shows something (see ONLY_INVISIBLE). */
export function hasVisibleText(text: string): boolean {
  return !ONLY_INVISIBLE.test(text);
}

/**
 * A field's text as people see it: bidirectional controls removed, blanks that show nothing removed
 * from its ends ("\u200BAna" is "Ana", so two names that look the same are the same), and nothing at
 * all when nothing would show, so that a required field's "required" message speaks for a title of
 * zero-width spaces. White space is left to each field's own rule (a body may begin indented), and
 * anything that shows is kept as typed (a zero-width joiner inside an emoji sequence, say).
 */
export function visibleFieldText(text: string): string {
  const stripped = withoutBidiControls(text);
  return hasVisibleText(stripped) ? stripped.replace(EDGES, (edge) => edge.replace(BLANKS, '')) : '';
}
