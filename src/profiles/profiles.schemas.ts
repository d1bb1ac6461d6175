import { z } from 'zod';
import { PROFILE_FIELDS, type ProfileField } from '../access/profile-access.js';
import { foldText } from '../text/fold.js';
import { limitedText, normalizeLineBreaks, TEXT_LIMITS, withinLimit } from '../text/limits.js';

// Messages are catalog keys; the routes translate them beside each field.

export const DISPLAY_NAME_MAX = TEXT_LIMITS.displayName;
export const JOB_TITLE_MAX = TEXT_LIMITS.jobTitle;
export const BIO_MAX = TEXT_LIMITS.bio;
export const EXPERTISE_TAG_MAX = 40;
export const EXPERTISE_MAX_TAGS = 15;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Handles in URLs: any case (they are compared case-insensitively), the shape of HANDLE_PATTERN. */
export const handleParams = z.object({ handle: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,28}[a-z0-9]$/i) });

export const avatarQuery = z.object({ v: z.string().max(64).optional() });

/** "a, b ,A,, c" → ["a", "b", "c"]: trimmed, inner spaces collapsed, empty ones dropped, first spelling kept. */
export function splitExpertise(source: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of source.split(',')) {
    const tag = raw.trim().replace(/\s+/g, ' ');
    // As topics are compared (src/text/fold.ts): "Contratación" and "contratacion" are one expertise.
    const key = foldText(tag.replace(/^#/, ''));
    if (tag === '' || seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
  }
  return tags;
}

/** A checkbox group arrives as nothing, one string or several. */
function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export const profileForm = z.object({
  displayName: limitedText(DISPLAY_NAME_MAX, {
    required: 'profiles.field.displayNameRequired',
    tooLong: 'profiles.field.displayNameTooLong',
  }),
  jobTitle: limitedText(JOB_TITLE_MAX, { tooLong: 'profiles.field.jobTitleTooLong' })
    .optional()
    .transform((value) => value ?? ''),
  /** '' or absent: no department. Whether it belongs to the person's organization is the service's check. */
  departmentId: z
    .string({ error: 'profiles.field.departmentInvalid' })
    .trim()
    .refine((value) => value === '' || UUID.test(value), { error: 'profiles.field.departmentInvalid' })
    .optional()
    .transform((value) => (value ? value.toLowerCase() : null)),
  // Line breaks count once (text/limits.ts): the input guard made CRLF into LF, and so does this.
  bio: z
    .string({ error: 'profiles.field.bioTooLong' })
    .optional()
    .transform((value) => normalizeLineBreaks(value ?? '').trimEnd())
    .pipe(z.string().superRefine(withinLimit(BIO_MAX, 'profiles.field.bioTooLong'))),
  expertise: z
    .string({ error: 'profiles.field.expertiseInvalid' })
    .optional()
    .transform((value) => splitExpertise(value ?? ''))
    .pipe(
      z
        .array(z.string().max(EXPERTISE_TAG_MAX, { error: 'profiles.field.expertiseTagTooLong' }))
        .max(EXPERTISE_MAX_TAGS, { error: 'profiles.field.expertiseTooMany' }),
    ),
  publicFields: z
    .preprocess(asArray, z.array(z.enum(PROFILE_FIELDS, { error: 'profiles.field.publicFieldsInvalid' })))
    .transform((fields) => PROFILE_FIELDS.filter((field) => fields.includes(field)) as ProfileField[]),
});

export type ProfileInput = z.output<typeof profileForm>;
