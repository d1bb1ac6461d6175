import { z } from 'zod';
import { LOCALES } from '../i18n/i18n.js';

/** The language switch's form: one of the five language codes (BCP 47 primary subtags) and where to go back. */
export const changeLanguageBody = z.object({
  locale: z.enum(LOCALES),
  returnTo: z.string().max(2000).optional(),
});

/** The code a refused form sent, to name it in the message: at most 35 characters (a BCP 47 tag's usual bound). */
export function typedLanguage(body: unknown): string {
  const locale = (body as { locale?: unknown } | undefined)?.locale;
  return typeof locale === 'string' ? locale.trim().slice(0, 35) : '';
}
