import { parse as parseQueryString } from 'fast-querystring';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BadRequest, UnstorableInput } from '../errors.js';
import { normalizeLineBreaks } from '../text/limits.js';
import { visibleFieldText } from '../text/visible-text.js';

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
 * Whether `encoded` (a query string, or a form body as application/x-www-form-urlencoded sends it) holds
 * a percent-encoding that does not decode to UTF-8 (`%FF`, a lone surrogate `%ED%A0%80`, a `%` without
 * two hex digits). The query-string parser leaves such a value as it came, so `?q=%FF` was searched for
 * as the words "FF"; every route answers 400 instead (WHATWG URL, "percent-decode"; RFC 3986 §2.1).
 */
export function undecodable(encoded: string): boolean {
  if (!encoded.includes('%')) return false;
  for (const part of encoded.split('&')) {
    if (!part.includes('%')) continue;
    try {
      decodeURIComponent(part);
    } catch {
      return true;
    }
  }
  return false;
}

/** Set by formParser on a body whose percent-encoding does not decode; the guard answers 400 for it. */
const MALFORMED_BODY = Symbol('malformed form body');

/**
 * @fastify/formbody's parser: fast-querystring's, as the plugin's default, marking a body that
 * `undecodable` refuses (a parser that throws would end the request without our error page).
 */
export function formParser(body: string): Record<string, unknown> {
  const parsed = parseQueryString(body) as Record<string, unknown>;
  if (undecodable(body)) Object.defineProperty(parsed, MALFORMED_BODY, { value: true });
  return parsed;
}

/** What is wrong with a request's params, query or body, and where. */
export interface InputProblem {
  /** `unstorable`: characters that cannot be stored or echoed; `shape`: not what a form sends. */
  readonly kind: 'unstorable' | 'shape';
  readonly where: string;
}

/** A file part as a multipart route's onFile made it: an instance of a class, which no text parser makes. */
function isFilePart(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype !== Object.prototype && prototype !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function checkString(value: string, text: boolean, where: string): InputProblem | null {
  return UNSTORABLE.test(value) || (text ? CONTROL_IN_TEXT : CONTROL_IN_LINE).test(value)
    ? { kind: 'unstorable', where }
    : null;
}

/** A field's value as forms send it: text, a file part, or a list of those (a repeated field). */
function checkField(value: unknown, text: boolean, where: string, inList = false): InputProblem | null {
  if (typeof value === 'string') return checkString(value, text, where);
  if (Array.isArray(value) && !inList) {
    for (const [index, item] of value.entries()) {
      const found = checkField(item, text, `${where}[${index}]`, true);
      if (found) return found;
    }
    return null;
  }
  // A file part: only its name, if it keeps one, is text of the person's (its bytes are checked by content).
  if (typeof value === 'object' && value !== null && isFilePart(value)) {
    const filename = (value as { filename?: unknown }).filename;
    return typeof filename === 'string' ? checkString(filename, false, `${where}.filename`) : null;
  }
  return { kind: 'shape', where };
}

/**
 * What is wrong, if anything, with a parsed params, query or body object (made by Fastify's parsers:
 * objects of any prototype). Forms are flat — each field is text, a file part or a list of those —
 * so anything else (numbers, nested objects, a JSON document 50,000 levels deep) is a `shape`
 * problem, found without recursion. `text` says whether values may hold tabs and line breaks
 * (bodies) or not (URL parts). Field names are one-line text.
 */
export function findInputProblem(value: unknown, text: boolean, where: string): InputProblem | null {
  if (value === undefined || value === null) return null;
  // (Parsers make the top-level object with a prototype of their own: any non-array object will do.)
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return { kind: 'shape', where };
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key) || CONTROL_IN_LINE.test(key)) return { kind: 'unstorable', where: `${where}[name]` };
    const found = checkField(item, text, `${where}.${key}`);
    if (found) return found;
  }
  return null;
}

/** Fields whose every character counts, seen or not: secrets are compared, never shown. */
const VERBATIM_FIELDS = /password|token|secret|_csrf/i;

/**
 * Every text field of a form body as people see it (text/visible-text.ts): bidirectional controls
 * removed, invisible blanks at its ends removed, and '' when nothing in it would show, so that each
 * field's own rules (required, lengths) judge what is really there. Changes `body` in place; a body
 * that is not a form (findInputProblem refused it) is left alone.
 */
export function keepVisibleText(body: unknown): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  for (const [name, value] of Object.entries(fields)) {
    if (VERBATIM_FIELDS.test(name)) continue;
    if (typeof value === 'string') fields[name] = visibleFieldText(value);
    else if (Array.isArray(value))
      fields[name] = value.map((item) => (typeof item === 'string' ? visibleFieldText(item) : item));
  }
}

/**
 * Every line break of a form's text fields as LF, in place: browsers send a textarea's breaks as CRLF,
 * which counted twice against a limit and was stored as typed by no one. Done here, once for every form,
 * before any schema counts (text/limits.ts) or anything is stored. `body` is a flat form (checked above).
 */
export function normalizeBodyLineBreaks(body: unknown): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') {
      if (value.includes('\r')) fields[key] = normalizeLineBreaks(value);
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        if (typeof item === 'string' && item.includes('\r')) value[index] = normalizeLineBreaks(item);
      }
    }
  }
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
      const body = request.body as Record<PropertyKey, unknown> | undefined;
      if (body && typeof body === 'object' && body[MALFORMED_BODY] === true) throw new UnstorableInput('body');
      const found =
        findInputProblem(request.params, false, 'params') ??
        findInputProblem(request.query, false, 'query') ??
        findInputProblem(request.body, true, 'body');
      if (found?.kind === 'unstorable') throw new UnstorableInput(found.where);
      if (found) throw new BadRequest(`Not a form's shape at ${found.where}`);
      normalizeBodyLineBreaks(request.body);
      keepVisibleText(request.body);
    });
  },
  { name: 'agora-input-guard' },
);
