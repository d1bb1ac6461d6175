import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { UnstorableInput } from '../errors.js';

// One place, for every route, refuses input that can be neither stored nor echoed: PostgreSQL's
// `text` cannot hold U+0000 (it answered 500), a lone UTF-16 surrogate has no UTF-8 form, and
// control characters in a URL's parts or a form's names turn into broken headers and pages.
// Text bodies keep what people type: tabs and line breaks.

/** U+0000 or a lone surrogate (with the `u` flag a pair is one code point): nothing PostgreSQL or UTF-8 can hold. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
/** Control characters (C0 and DEL) but tab, line feed and carriage return, for text fields. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;
/** Any control character, for one-line values: path segments, query values, field names, file names. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_IN_LINE = /[\u0000-\u001F\u007F]/u;

/**
 * Where in `value` (a parsed params, query or body object: strings, arrays, objects of any
 * prototype, as parsers make them, and file parts with a `filename`) a string holds what cannot be stored or echoed; null when nothing does.
 * `text` says whether string values may hold tabs and line breaks (bodies) or not (URL parts).
 */
export function findUnstorable(value: unknown, text: boolean, where = ''): string | null {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value) || (text ? CONTROL_IN_TEXT : CONTROL_IN_LINE).test(value)) return where || '(value)';
    return null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorable(item, text, `${where}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (ArrayBuffer.isView(value)) return null;
  const prototype = Object.getPrototypeOf(value);
  const filename = (value as { filename?: unknown }).filename;
  if (prototype !== Object.prototype && typeof filename === 'string') {
    // A file part: only its name is text of the person's (its bytes are checked by content).
    return findUnstorable(filename, false, `${where}.filename`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key) || CONTROL_IN_LINE.test(key)) return `${where}[name]`;
    const found = findUnstorable(item, text, where ? `${where}.${key}` : key);
    if (found) return found;
  }
  return null;
}

/** Requests between the start of preValidation and the first preHandler: their body is being read. */
const readingBody = new WeakSet<FastifyRequest>();

/**
 * True when `request` failed while its body was being read (multipart bodies are parsed in a
 * preValidation hook of their routes): a malformed body is the client's fault, not a 500.
 */
export function failedReadingBody(request: FastifyRequest): boolean {
  return readingBody.has(request);
}

export const inputGuardPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request) => {
      readingBody.add(request);
    });
    // preHandler: after every body parser has run (multipart attaches its fields in a preValidation
    // hook of its own routes' context, after ours would), before any handler, the not-found one too.
    app.addHook('preHandler', async (request) => {
      readingBody.delete(request);
      const found =
        findUnstorable(request.params, false, 'params') ??
        findUnstorable(request.query, false, 'query') ??
        findUnstorable(request.body, true, 'body');
      if (found) throw new UnstorableInput(found);
    });
  },
  { name: 'agora-input-guard' },
);
