import { z } from 'zod';
import { POST_TAGS } from '../policy/tags.js';
import { limitedText, TEXT_LIMITS, withinLimit } from '../text/limits.js';

// Messages are catalog keys, translated beside each field.

export const THREAD_KINDS = ['DISCUSSION', 'QUESTION', 'ANNOUNCEMENT'] as const;
export const REACTION_KINDS = ['LIKE', 'USEFUL'] as const;
export const TITLE_MAX = TEXT_LIMITS.threadTitle;
export const BODY_MAX = TEXT_LIMITS.postBody;
/**
 * Bytes a tag-suggestion request may carry: a title and a text at their longest, each character
 * taking up to 12 bytes once UTF-8 (4) is form-encoded (%XX), plus the form's other fields.
 */
export const SUGGEST_BODY_LIMIT = (TITLE_MAX + BODY_MAX) * 12 + 4096;

/** An optional field sent empty means "none". */
const optionalUuid = (message: string) =>
  z
    .union([z.literal(''), z.uuid({ error: message })], { error: message })
    .optional()
    .transform((value) => (value === undefined || value === '' ? null : value));

/** Attachment ids kept from an earlier try: a string (one) or an array (several). */
const attachmentIds = z
  .union([z.uuid(), z.array(z.uuid()).max(50)], { error: 'threads.field.attachmentsInvalid' })
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? [...new Set(value)] : [value]));

const postFields = {
  body: limitedText(BODY_MAX, { required: 'threads.field.bodyRequired', tooLong: 'threads.field.bodyTooLong' }),
  tag: z.enum(POST_TAGS, { error: 'threads.field.tagInvalid' }),
  onBehalfOf: optionalUuid('threads.field.onBehalfOfInvalid'),
  attachmentIds,
  /** The warnings the author confirmed (policy/rules.ts warningDigest); the same warnings are not repeated. */
  confirmation: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional()
    .catch(undefined),
  /** The form's one-time key (see post-submissions.ts); anything else is taken as none. */
  submissionKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional()
    .catch(undefined),
};

const title = limitedText(TITLE_MAX, {
  required: 'threads.field.titleRequired',
  tooLong: 'threads.field.titleTooLong',
});

export const threadForm = z.object({
  title,
  kind: z.enum(THREAD_KINDS, { error: 'threads.field.kindInvalid' }),
  ...postFields,
});

export const replyForm = z.object({
  parentId: optionalUuid('threads.field.parentInvalid'),
  ...postFields,
});

export const editForm = z.object({
  /** Only the opening post has one. */
  title: title.optional(),
  ...postFields,
});

/**
 * A draft to preview (the composer's "Vista previa", with or without a script): its text, with the same
 * limits as a post's, so an over-long draft is refused beside the field rather than previewed in part.
 */
export const previewForm = z.object({ body: postFields.body, attachmentIds });

/** The text after "@" that the composer's script asks suggestions for (mention-suggestions.ts reads it). */
export const mentionQuery = z.object({ q: z.string().max(200) });

/** The thread's title alone (its author or a moderator): empty removes it. */
export const titleForm = z.object({
  title: z
    .string({ error: 'threads.field.titleTooLong' })
    .trim()
    .superRefine(withinLimit(TITLE_MAX, 'threads.field.titleTooLong'))
    .default(''),
});

/**
 * A reaction button says what it does: `on` adds the reaction, `off` takes it back (never a toggle). A
 * request that names no state asks for what the route's name says, a reaction: `on`.
 */
export const reactionForm = z.object({ kind: z.enum(REACTION_KINDS), state: z.enum(['on', 'off']).default('on') });

export const listQuery = z.object({
  kind: z.enum(THREAD_KINDS).optional().catch(undefined),
  tag: z.enum(POST_TAGS).optional().catch(undefined),
  unanswered: z
    .literal('1')
    .optional()
    .catch(undefined)
    .transform((value) => value === '1'),
  after: z.string().max(200).optional().catch(undefined),
});

/**
 * A thread page's `?page=` (a number or `last`) and `?at=<post id>`; anything else reads as page 1. A number
 * past the last page is the last page (reply-pages.ts resolvePage), however many digits it has.
 */
export const threadPageQuery = z.object({
  page: z
    .union([
      z.literal('last'),
      z
        .string()
        .regex(/^\d{1,400}$/)
        .transform((digits) => Math.max(1, Math.min(Number(digits), Number.MAX_SAFE_INTEGER))),
    ])
    .optional()
    .catch(undefined),
  at: z.uuid().optional().catch(undefined),
  /** The reply the reader wants to answer: the reply form becomes an answer to it (show.eta). */
  answer: z.uuid().optional().catch(undefined),
});

export const threadParams = z.object({ slug: z.string().max(60), threadId: z.uuid() });
export const postParams = threadParams.extend({ postId: z.uuid() });
export const attachmentParams = z.object({ attachmentId: z.uuid() });
export const topicParams = z.object({ topic: z.string().min(1).max(100) });

export type ThreadFormData = z.output<typeof threadForm>;
export type ReplyFormData = z.output<typeof replyForm>;
export type EditFormData = z.output<typeof editForm>;
export type ListQuery = z.output<typeof listQuery>;
