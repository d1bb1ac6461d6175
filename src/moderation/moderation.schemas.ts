import { z } from 'zod';
import { limitedText, TEXT_LIMITS, withinLimit } from '../text/limits.js';
import { POST_ACTIONS } from './moderation.service.js';

// The moderation forms. Messages are catalog keys, translated beside each field.

/** What a reader may give as the reason of a report (WATCHED_WORD is the policy's, not a reader's). */
export const REPORT_REASONS = ['PERSONAL_DATA', 'CONFIDENTIAL', 'HARASSMENT', 'SPAM', 'OFF_TOPIC', 'OTHER'] as const;
/** Grounds a moderator may name for a decision. */
export const DECISION_GROUNDS = [
  'PERSONAL_DATA',
  'CONFIDENTIAL',
  'HARASSMENT',
  'SPAM',
  'OFF_TOPIC',
  'WATCHED_WORD',
  'OTHER',
] as const;
export const WATCHED_WORD_ACTIONS = ['BLOCK', 'HOLD', 'FLAG'] as const;

export const REPORT_NOTE_MAX = TEXT_LIMITS.reportNote;
export const STATEMENT_MAX = TEXT_LIMITS.statement;

/** Text that may be left empty: trimmed, "" when absent. */
const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value ?? '').trim())
    .pipe(z.string().superRefine(withinLimit(max, tooLong)));

const requiredText = (max: number, required: string, tooLong: string) => limitedText(max, { required, tooLong });

export const reportForm = z.object({
  reason: z.enum(REPORT_REASONS, { error: 'moderation.report.reasonRequired' }),
  note: optionalText(REPORT_NOTE_MAX, 'moderation.report.noteTooLong').transform((value) => value || null),
});

export const actionForm = z.object({
  action: z.enum(POST_ACTIONS, { error: 'moderation.field.actionInvalid' }),
  ground: z
    .union([z.literal(''), z.enum(DECISION_GROUNDS)], { error: 'moderation.field.groundRequired' })
    .optional()
    .transform((value) => (value ? value : null)),
  statement: optionalText(STATEMENT_MAX, 'moderation.field.statementTooLong'),
});

export const appealDecisionForm = z.object({
  outcome: z.enum(['UPHELD', 'REVERSED'], { error: 'moderation.field.outcomeInvalid' }),
  reason: requiredText(STATEMENT_MAX, 'moderation.field.reasonRequired', 'moderation.field.reasonTooLong'),
});

export const appealForm = z.object({
  note: requiredText(STATEMENT_MAX, 'moderation.field.noteRequired', 'moderation.field.noteTooLong'),
});

export const watchedWordForm = z.object({
  // The length and the words are judged by the service (watchedWordProblem), whose messages say why.
  phrase: z.string({ error: 'moderation.words.empty' }),
  action: z.enum(WATCHED_WORD_ACTIONS, { error: 'moderation.words.actionInvalid' }),
});

export const slugParams = z.object({ slug: z.string().max(60) });
export const reviewPostParams = slugParams.extend({ postId: z.uuid() });
export const reviewAppealParams = slugParams.extend({ appealId: z.uuid() });
export const decisionParams = z.object({ decisionId: z.uuid() });
export const wordParams = z.object({ wordId: z.uuid() });
export const communityWordParams = slugParams.extend({ wordId: z.uuid() });
