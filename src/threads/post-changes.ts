// Pure decisions about what a post form changes. No Prisma, no Fastify: unit-tested in
// tests/unit/post-changes.test.ts.

/** What an edit can change in a post (and, for an opening post, its thread's title). */
export interface EditableState {
  /** The thread's title; null for a reply (it has none). */
  readonly title: string | null;
  readonly body: string;
  readonly tag: string;
  readonly onBehalfOf: string | null;
  readonly attachmentIds: readonly string[];
}

/**
 * Whether an edit changes nothing: the same text, title, tag, voice and files (in any order). Such an
 * edit is not an edit: no revision, no "edited" mark, no new policy decision.
 *
 * An organizational post sent without naming its organization keeps the one it had (the policy would
 * imply the author's only voice), so a null `onBehalfOf` in the form is "unchanged" for it.
 */
export function isUnchangedEdit(before: EditableState, after: EditableState): boolean {
  if (!sameText(before.body, after.body) || before.tag !== after.tag) return false;
  if (before.title !== null && before.title !== after.title) return false;
  const voice = after.tag === 'ORGANIZATIONAL' ? (after.onBehalfOf ?? before.onBehalfOf) : null;
  if (voice !== before.onBehalfOf) return false;
  const files = new Set(after.attachmentIds);
  return files.size === new Set(before.attachmentIds).size && before.attachmentIds.every((id) => files.has(id));
}

/**
 * The same text but for its line breaks: a browser sends a textarea's lines as CRLF (HTML's form
 * submission), while text written another way (the demo data, an import) may hold LF.
 */
export function sameText(a: string, b: string): boolean {
  return a.replace(/\r\n?/g, '\n') === b.replace(/\r\n?/g, '\n');
}

/** How long a form sent again without its submission key is still taken for the same submission. */
export const RESUBMISSION_WINDOW_MS = 10 * 60 * 1000;

/** A submission key as forms carry it: a random UUID rendered into the form (letters, digits, dashes). */
export function isSubmissionKey(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(value);
}
