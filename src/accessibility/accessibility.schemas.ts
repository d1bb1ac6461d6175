import { z } from 'zod';

export const REPORT_KINDS = ['PROBLEM', 'INFORMATION', 'COMPLAINT'] as const;
export const REPORT_DESCRIPTION_MAX = 5000;

/** The statement's form: what kind, where, what happened, and (signed out) where to answer. */
export const reportForm = z.object({
  kind: z.enum(REPORT_KINDS, { error: 'accessibility.field.kindRequired' }),
  pageUrl: z.string().trim().max(500, { error: 'accessibility.field.pageUrlTooLong' }).default(''),
  description: z
    .string({ error: 'accessibility.field.descriptionRequired' })
    .transform((value) => value.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'accessibility.field.descriptionRequired' })
        .max(REPORT_DESCRIPTION_MAX, { error: 'accessibility.field.descriptionTooLong' }),
    ),
  email: z
    .string()
    .trim()
    .max(254, { error: 'accessibility.field.emailInvalid' })
    .refine((value) => value === '' || /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(value), {
      error: 'accessibility.field.emailInvalid',
    })
    .default(''),
  /** The form's one-time key (a UUID the page wrote); anything else is taken as none. */
  submissionKey: z.uuid().optional().catch(undefined),
});

export type ReportFormData = z.output<typeof reportForm>;

export const reportParams = z.object({ id: z.uuid() });
