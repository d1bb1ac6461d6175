import { z } from 'zod';

// How long a person's text may be, counted as the person sees it (WCAG 2.1 SC 3.3.1 and 3.3.3: the
// message beside the field says what is wrong and how to fix it, and nothing typed is lost):
// - a line break is one character: browsers send a textarea's breaks as CRLF (HTML's form submission
//   normalises them so), which the input guard turns into LF for every form before anything validates
//   or stores it (plugins/input-guard.ts, normalizeLineBreaks);
// - characters are Unicode code points, as PostgreSQL's char_length counts them and as the counter of
//   public/js/enhance.js counts them (`[...text].length`): an emoji is one, not two UTF-16 units.
// The limits below are the one source for the zod schemas and the templates (`it.limits`: the counter's
// data-maxlength and the hints), so a form never says one number and the server another.

/** Character limits of the free-text fields people write, in code points after normalizeLineBreaks. */
export const TEXT_LIMITS = {
  threadTitle: 150,
  postBody: 20_000,
  communityName: 80,
  communityDescription: 500,
  communityRules: 5_000,
  displayName: 80,
  jobTitle: 120,
  bio: 5_000,
  reportNote: 1_000,
  statement: 2_000,
  organizationName: 120,
  siteName: 80,
} as const;

export type TextLimitName = keyof typeof TEXT_LIMITS;

/** Every CRLF and lone CR as LF: "a\r\nb" → "a\nb". What a person sees as one line break is one character. */
export function normalizeLineBreaks(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The length of `text` as a person sees it: code points, a line break (CRLF, CR or LF) counting once. */
export function textLength(text: string): number {
  let count = 0;
  for (const _ of normalizeLineBreaks(text)) count += 1;
  return count;
}

/**
 * A zod check that `text` holds at most `max` characters (textLength). The issue is a custom one whose
 * params — `{ count, max }` — reach the message beside the field (forms.ts parseForm), so it can say by
 * how much the text is over. `message` is a catalog key.
 */
export function withinLimit(max: number, message: string) {
  return (text: string, context: z.RefinementCtx) => {
    const count = textLength(text);
    if (count > max) context.addIssue({ code: 'custom', message, params: { count, max } });
  };
}

/** A trimmed text of at most `max` characters; `required` refuses it empty. Messages are catalog keys. */
export function limitedText(max: number, messages: { readonly required?: string; readonly tooLong: string }) {
  const base = z.string({ error: messages.required ?? messages.tooLong }).trim();
  const checked = messages.required ? base.min(1, { error: messages.required }) : base;
  return checked.superRefine(withinLimit(max, messages.tooLong));
}

/**
 * Bytes a form's request may carry (Fastify's bodyLimit) and a multipart text field may hold: over four
 * times the longest text at its limit (TEXT_LIMITS.postBody code points × 4 UTF-8 bytes × 3 once
 * percent-encoded = 240 kB), so text pasted far over a limit still reaches the validator, which refuses
 * it beside its field with every word kept, instead of a parser cutting it (@fastify/multipart cut text
 * fields at 64 KiB without a word) or a bare 413 answering.
 */
export const FORM_BODY_BYTES = 1024 * 1024;
