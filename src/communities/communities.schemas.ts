import { z } from 'zod';
import { limitedText, TEXT_LIMITS, withinLimit } from '../text/limits.js';

// Messages are catalog keys, translated beside each field.

const TAGS = ['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL'] as const;
export const AUDIENCES = ['INTERNAL', 'INTERADMINISTRATIVE', 'OPEN'] as const;
export const VISIBILITIES = ['PUBLIC', 'PRIVATE', 'SECRET'] as const;
export const SLUG_PATTERN = /^[a-z0-9](?:-?[a-z0-9])*$/;
/**
 * The addresses of SECRET communities: chosen by Ágora, never by a person. A chosen address could
 * collide with a secret one, and "that address is taken" would tell that it exists (issue 9).
 */
export const SECRET_SLUG_PATTERN = /^s-[0-9a-f]{12}$/;

/** A checkbox group arrives as a string (one ticked) or an array (several). */
const tagList = z
  .union([z.enum(TAGS), z.array(z.enum(TAGS))], { error: 'communities.form.tagsInvalid' })
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? [...new Set(value)] : [value]))
  .refine((tags) => tags.length > 0, { error: 'communities.form.tagsRequired' });

const common = {
  name: limitedText(TEXT_LIMITS.communityName, {
    required: 'communities.form.nameRequired',
    tooLong: 'communities.form.nameTooLong',
  }),
  description: limitedText(TEXT_LIMITS.communityDescription, {
    tooLong: 'communities.form.descriptionTooLong',
  }).default(''),
  rules: z.string().superRefine(withinLimit(TEXT_LIMITS.communityRules, 'communities.form.rulesTooLong')).default(''),
  visibility: z.enum(VISIBILITIES, { error: 'communities.form.visibilityRequired' }),
  welcomedTags: tagList,
};

export const communityForm = z
  .object({
    ...common,
    // Not asked of a SECRET community, whose address Ágora chooses (SECRET_SLUG_PATTERN).
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .max(60, { error: 'communities.form.slugInvalid' })
      .refine((slug) => slug === '' || SLUG_PATTERN.test(slug), { error: 'communities.form.slugInvalid' })
      .refine((slug) => !SECRET_SLUG_PATTERN.test(slug), { error: 'communities.form.slugReserved' })
      .default(''),
    audience: z.enum(AUDIENCES, { error: 'communities.form.audienceRequired' }),
  })
  .superRefine((form, context) => {
    if (form.visibility !== 'SECRET' && form.slug === '') {
      context.addIssue({ code: 'custom', path: ['slug'], message: 'communities.form.slugRequired' });
    }
  });

export const settingsForm = z.object({
  ...common,
  archived: z
    .literal('on')
    .optional()
    .transform((value) => value === 'on'),
});

/**
 * The directory's `?q=`, `?audience=` and `?page=`. A search longer than the form allows (100 characters)
 * is searched as its first 100 code points (dropping it listed every community, as if nothing had been
 * typed); a page is any number of digits (past the last page, the last page: listDirectory), else page 1.
 */
export const directoryQuery = z.object({
  q: z
    .string()
    .transform((text) => Array.from(text).slice(0, 100).join(''))
    .optional()
    .catch(undefined),
  audience: z.enum(AUDIENCES).optional().catch(undefined),
  page: z
    .string()
    .regex(/^\d{1,400}$/)
    .transform((digits) => Math.max(1, Math.min(Number(digits), Number.MAX_SAFE_INTEGER)))
    .catch(1),
});

export const slugParams = z.object({ slug: z.string().max(60) });
export const memberParams = z.object({
  slug: z.string().max(60),
  userId: z.uuid(),
  action: z.enum(['approve', 'deny', 'remove', 'ban', 'unban', 'promote', 'demote', 'transfer']),
});

export const inviteForm = z.object({
  who: z
    .string({ error: 'communities.invite.whoRequired' })
    .trim()
    .min(1, { error: 'communities.invite.whoRequired' })
    .max(254, { error: 'communities.invite.unknown' }),
});
