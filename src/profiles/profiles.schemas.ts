import { z } from 'zod';
import { PROFILE_FIELDS, type ProfileField } from '../access/profile-access.js';
import { foldText } from '../text/fold.js';

// Messages are catalog keys; the routes translate them beside each field.

export const DISPLAY_NAME_MAX = 80;
export const JOB_TITLE_MAX = 120;
export const BIO_MAX = 5000;
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
  displayName: z
    .string({ error: 'profiles.field.displayNameRequired' })
    .trim()
    .min(1, { error: 'profiles.field.displayNameRequired' })
    .max(DISPLAY_NAME_MAX, { error: 'profiles.field.displayNameTooLong' }),
  jobTitle: z
    .string({ error: 'profiles.field.jobTitleTooLong' })
    .trim()
    .max(JOB_TITLE_MAX, { error: 'profiles.field.jobTitleTooLong' })
    .optional()
    .transform((value) => value ?? ''),
  /** '' or absent: no department. Whether it belongs to the person's organization is the service's check. */
  departmentId: z
    .string({ error: 'profiles.field.departmentInvalid' })
    .trim()
    .refine((value) => value === '' || UUID.test(value), { error: 'profiles.field.departmentInvalid' })
    .optional()
    .transform((value) => (value ? value.toLowerCase() : null)),
  // Browsers send a textarea's line breaks as CRLF: counted as one character each, as the person sees them.
  bio: z
    .string({ error: 'profiles.field.bioTooLong' })
    .optional()
    .transform((value) => (value ?? '').replace(/\r\n?/g, '\n').trimEnd())
    .pipe(z.string().max(BIO_MAX, { error: 'profiles.field.bioTooLong' })),
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
