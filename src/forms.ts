import type { z } from 'zod';
import type { MessageKey } from './i18n/i18n.js';

export interface FormErrors {
  /** Field name → catalog key of the message shown beside it. */
  readonly [field: string]: MessageKey;
}

export type FormResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly errors: FormErrors; readonly values: Readonly<Record<string, string>> };

/** Fields never sent back to the browser after an error. */
const SECRET_FIELDS = /password|token|_csrf/i;

/** What the person typed, to fill the form again: strings only, never a password. */
export function keptValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && !SECRET_FIELDS.test(entry[0]),
    ),
  );
}

/** Validates a form body with zod; the first problem of each field, as a catalog key. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: Record<string, MessageKey> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message as MessageKey;
  }
  return { ok: false, errors, values: keptValues(body) };
}
