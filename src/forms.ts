import type { z } from 'zod';
import type { MessageKey, Translate } from './i18n/i18n.js';

/** A message shown beside a form field: a catalog key and, where the text names something, its values. */
export interface FieldMessage {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** Field name → its message. */
export type FormErrors = Readonly<Record<string, FieldMessage>>;

export type FormResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly errors: FormErrors; readonly values: Readonly<Record<string, string>> };

/** Fields never sent back to the browser after an error. */
const SECRET_FIELDS = /password|token|_csrf/i;

/** Whether a field is a secret (a password, a token, the CSRF token): never sent back to the browser. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.test(name);
}

/** What the person typed, to fill the form again: strings only, never a password. */
export function keptValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && !isSecretField(entry[0]),
    ),
  );
}

/**
 * Validates a form body with zod; the first problem of each field, as a catalog key. A custom
 * issue's `params` (say, which domain is taken) travel with its message.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: Record<string, FieldMessage> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    const params = issue.code === 'custom' ? (issue.params as FieldMessage['params']) : undefined;
    errors[field] ??= params ? { key: issue.message as MessageKey, params } : { key: issue.message as MessageKey };
  }
  return { ok: false, errors, values: keptValues(body) };
}

/** The messages in the reader's language, for the templates. */
export function translateErrors(t: Translate, errors: FormErrors = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, t(message.key, message.params)]));
}
