import { z } from 'zod';
import { LOCALES } from '../i18n/i18n.js';

export const changeLanguageBody = z.object({
  locale: z.enum(LOCALES),
  returnTo: z.string().max(2000).optional(),
});
