import { z } from 'zod';
import { RETENTION_MAX_MONTHS, RETENTION_MIN_MONTHS } from './privacy-rules.js';

// Messages are catalog keys; the routes translate them beside each field.

export const exportIdParams = z.object({ exportId: z.uuid() });

/** The erasure form: the choice for the posts, the password, and a box ticked on purpose. */
export const eraseForm = z.object({
  mode: z.enum(['TOMBSTONE', 'DELETE'], { error: 'privacy.erase.modeRequired' }),
  password: z.string({ error: 'accounts.field.passwordRequired' }).min(1, { error: 'accounts.field.passwordRequired' }),
  confirm: z.literal('yes', { error: 'privacy.erase.confirmRequired' }),
});

/** Whole months from 1 to 120, or empty (keep the rows). Anything else is refused with a message. */
const months = z
  .string({ error: 'privacy.retention.months' })
  .optional()
  .transform((text, context) => {
    const trimmed = (text ?? '').trim();
    if (trimmed === '') return null;
    const value = /^\d{1,4}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!(value >= RETENTION_MIN_MONTHS && value <= RETENTION_MAX_MONTHS)) {
      context.addIssue({ code: 'custom', message: 'privacy.retention.months' });
      return z.NEVER;
    }
    return value;
  });

export const retentionForm = z.object({ auditMonths: months, refusedDecisionMonths: months });
