import { detectLanguage } from '../policy/classifier.js';

/**
 * The version of the text normalisation that a post's topics and language were computed with. Posts
 * written before it (or before a later one) are brought up to date by src/search/text-upgrade.ts.
 * 1: foldText (ñ, ç and the middle dot kept; src/text/fold.ts) and a detected language.
 */
export const TEXT_VERSION = 1;

/**
 * What a post's text leaves in its row for search: its language (es, ca or en, as the tag suggestion
 * detects it from the title and body; the trigger of migration text_search picks the stemmer from it)
 * and the normalisation version.
 */
export function postTextFields(title: string | null, body: string): { language: string; textVersion: number } {
  return { language: detectLanguage(title ? `${title}\n${body}` : body), textVersion: TEXT_VERSION };
}
