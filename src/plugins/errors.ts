import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  DATABASE_BUSY_RETRY_AFTER_SECONDS,
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseBusy,
  isDatabaseUnavailable,
} from '../db/unavailable.js';
import { AppError, BadRequest, Refused, SessionEnded, UnstorableInput, UriTooLong } from '../errors.js';
import { isSecretField, keptValues } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import { setRequestLocale } from './i18n.js';
import { failedReadingBody } from './input-guard.js';
import type { ShownFieldSpec } from './views.js';

interface ErrorPage {
  status: number;
  title: MessageKey;
  text: MessageKey;
  /** A 503's Retry-After, in seconds, and what its kept form says above the words. */
  retry?: { readonly seconds: number; readonly draftNote: MessageKey };
}

/** Where app.ts's rewriteUrl sends a path that cannot be decoded: answered 400 with a page. */
export const MALFORMED_URL_PATH = '/__malformed-url';
/** Where a path with a segment over MAX_PATH_SEGMENT is routed, to answer 414 with the page (app.ts rewriteUrl). */
export const URI_TOO_LONG_PATH = '/__uri-too-long';
/** The longest path segment routed (Fastify's maxParamLength): longer ones answer 414. */
export const MAX_PATH_SEGMENT = 2_048;

const CSRF_CODES = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

/** Which page an error becomes. Anything not known to be the client's fault is a 500. */
export function errorPageFor(error: FastifyError | AppError | Error): ErrorPage {
  // The database away (restarting, unreachable, every connection busy): the service will be back.
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      title: 'error.503.title',
      text: 'error.503.text',
      retry: { seconds: DATABASE_RETRY_AFTER_SECONDS, draftNote: 'error.503.draft' },
    };
  }
  // Another writer held the same rows past this transaction's time, or a deadlock: nothing was written, and
  // the same request a moment later goes through.
  if (isDatabaseBusy(error)) {
    return {
      status: 503,
      title: 'error.busy.title',
      text: 'error.busy.text',
      retry: { seconds: DATABASE_BUSY_RETRY_AFTER_SECONDS, draftNote: 'error.busy.draft' },
    };
  }
  if (error instanceof AppError) {
    const status = error.statusCode;
    if (status === 404) return { status, title: 'error.404.title', text: 'error.404.text' };
    if (error instanceof Refused) return { status, title: 'error.403.title', text: error.reasonKey };
    if (error instanceof SessionEnded) return { status, title: 'error.signedOut.title', text: 'error.signedOut.text' };
    if (status === 403) return { status, title: 'error.403.title', text: 'error.403.text' };
    if (status === 429) return { status, title: 'error.429.title', text: 'error.429.text' };
    if (status === 414) return { status, title: 'error.414.title', text: 'error.414.text' };
    if (error instanceof UnstorableInput) return { status, title: 'error.400.title', text: 'error.input.text' };
    if (status < 500) return { status, title: 'error.400.title', text: 'error.400.text' };
  }
  const code = 'code' in error ? String(error.code) : '';
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (CSRF_CODES.has(code)) return { status: 403, title: 'error.403.title', text: 'error.csrf.text' };
  if (status === 413) return { status, title: 'error.413.title', text: 'error.413.text' };
  if (status === 414) return { status, title: 'error.414.title', text: 'error.414.text' };
  if (status === 429) return { status, title: 'error.429.title', text: 'error.429.text' };
  if (status === 404) return { status, title: 'error.404.title', text: 'error.404.text' };
  if (status >= 400 && status < 500) return { status, title: 'error.400.title', text: 'error.400.text' };
  return { status: 500, title: 'error.500.title', text: 'error.500.text' };
}

/**
 * A field of a kept draft shown to edit: its name, label (translated), value, and one line or several; a
 * password is shown empty, to type again (`secret`: its autocomplete token).
 */
interface KeptField {
  readonly name: string;
  readonly label: string;
  readonly value: string;
  readonly multiline: boolean;
  readonly secret: ShownFieldSpec['secret'] | null;
}

/** The words of a form refused for a reason not its own, to send again from the error page. */
interface KeptDraft {
  readonly action: string;
  /** How the form was sent: a post form with files is multipart, the others URL-encoded. */
  readonly multipart: boolean;
  readonly fields: KeptField[];
  readonly hidden: { name: string; value: string }[];
  readonly hadFiles: boolean;
}

/** A post form's fields shown to edit (`keepsWords: true`). */
const POST_FORM_FIELDS: Readonly<Record<string, ShownFieldSpec>> = {
  title: { label: 'error.503.draftTitle', multiline: false },
  body: { label: 'error.503.draftBody', multiline: true },
};

/**
 * What a form of a route marked `keepsWords` had typed: the fields it names shown to edit, in its order,
 * every other text field (never the CSRF token or a password) kept hidden, so that sending it again is the
 * same submission (tag, kind, parent, one-time submission key, files already stored). Files sent with it
 * could not be stored and are named as lost; null for any other route, and for a form that sent nothing
 * to keep. `carry`: whether the fields the form carries hidden under a secret's name (a link's token) are
 * kept — not for a refused CSRF token, where the request may have been forged on another site and its
 * token chosen by whoever forged it.
 */
function draftOf(request: FastifyRequest, { carry = true }: { carry?: boolean } = {}): KeptDraft | null {
  const keeps = request.routeOptions.config.keepsWords;
  if (request.method !== 'POST' || !keeps) return null;
  const body = request.body;
  if (!body || typeof body !== 'object') return null;
  const shown = keeps === true ? POST_FORM_FIELDS : keeps;
  const values = keptValues(body);
  const fields: KeptField[] = [];
  const hidden: { name: string; value: string }[] = [];
  for (const [name, spec] of Object.entries(shown)) {
    if ('carried' in spec) {
      const carried = (body as Record<string, unknown>)[name];
      if (carry && typeof carried === 'string') hidden.push({ name, value: carried });
      continue;
    }
    const label = request.t(spec.label);
    if (spec.secret) {
      // Sent, and never written back: an empty field to type it again.
      if (typeof (body as Record<string, unknown>)[name] === 'string') {
        fields.push({ name, label, value: '', multiline: false, secret: spec.secret });
      }
      continue;
    }
    const value = values[name];
    if (value !== undefined) fields.push({ name, label, value, multiline: spec.multiline, secret: null });
  }
  for (const [name, value] of Object.entries(values)) {
    if (!(name in shown) && name !== 'intent') hidden.push({ name, value });
  }
  // Repeated fields (the ids of files already stored, ticked boxes) arrive as arrays: a secret's name
  // repeated is still a secret, never written into the page.
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (!Array.isArray(value) || name === 'files' || isSecretField(name)) continue;
    for (const item of value) if (typeof item === 'string') hidden.push({ name, value: item });
  }
  const files = (body as Record<string, unknown>).files;
  // An empty file input still sends a part, without a name.
  const hadFiles = (Array.isArray(files) ? files : [files]).some(
    (part) => typeof part === 'object' && part !== null && 'filename' in part && part.filename !== '',
  );
  // Nothing typed, nothing carried: no form to give back (a request of the form's token alone, say).
  if (fields.length === 0 && hidden.every((field) => field.name === 'submissionKey') && !hadFiles) return null;
  return {
    action: request.url,
    multipart: /^multipart\/form-data/i.test(request.headers['content-type'] ?? ''),
    fields,
    hidden,
    hadFiles,
  };
}

/** Control characters but tab and line breaks, and U+0000: what the input guard refuses in text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSTORABLE_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/gu;

/** A UTF-16 surrogate without its pair (with the `u` flag a pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;

/** A kept draft without what could not be stored: controls removed, lone surrogates made U+FFFD. */
function storableDraft(draft: KeptDraft): KeptDraft {
  const clean = (value: string) => value.replace(LONE_SURROGATE, '\uFFFD').replace(UNSTORABLE_IN_TEXT, '');
  return {
    ...draft,
    fields: draft.fields.map((field) => ({ ...field, value: clean(field.value) })),
    hidden: draft.hidden.map((field) => ({ name: field.name, value: clean(field.value) })),
  };
}

/** Refusals whose forms' words come back (by the page's text key): what the page then says. */
const KEPT_ON_REFUSAL: Readonly<
  Record<string, { readonly text: MessageKey; readonly draftNote: MessageKey; readonly signIn: boolean }>
> = {
  'error.input.text': { text: 'error.input.textKept', draftNote: 'error.input.draft', signIn: false },
  'error.csrf.text': { text: 'error.csrf.textKept', draftNote: 'error.csrf.draft', signIn: false },
  'error.signedOut.text': { text: 'error.signedOut.text', draftNote: 'error.signedOut.draft', signIn: true },
};

async function renderErrorPage(request: FastifyRequest, reply: FastifyReply, page: ErrorPage): Promise<void> {
  reply.code(page.status);
  // An error raised before our hooks ran (a malformed URL) still gets a page in the layout.
  if (!request.t) setRequestLocale(request);
  if (!reply.locals) request.server.preparePage(request, reply);
  try {
    if (page.retry) {
      reply.header('retry-after', String(page.retry.seconds));
      const html = await reply.viewAsync('errors/unavailable.eta', {
        title: request.t(page.title),
        text: request.t(page.text),
        draft: draftOf(request),
        draftNote: request.t(page.retry.draftNote),
      });
      await reply.type('text/html; charset=utf-8').send(html);
      return;
    }
    // A form refused for something its words are not to blame for comes back with them, ready to send
    // again: characters that can be neither stored nor shown (a vertical tab pasted from a PDF: without
    // them), an expired or foreign CSRF token (with a fresh one), a session that ended while the person
    // wrote (with a way to sign in again).
    const refusal = KEPT_ON_REFUSAL[page.text];
    const kept = refusal ? draftOf(request, { carry: page.text !== 'error.csrf.text' }) : null;
    // A session that ended, on a form that sent nothing to keep: to sign in, as with no session at all.
    if (page.text === 'error.signedOut.text' && !kept) {
      await reply.redirect('/sign-in', 303);
      return;
    }
    if (refusal && kept) {
      const html = await reply.viewAsync('errors/unavailable.eta', {
        title: request.t(page.title),
        text: request.t(refusal.text),
        draft: storableDraft(kept),
        draftNote: request.t(refusal.draftNote),
        signIn: refusal.signIn,
      });
      await reply.type('text/html; charset=utf-8').send(html);
      return;
    }
    const html = await reply.viewAsync('errors/error.eta', {
      status: page.status,
      title: request.t(page.title),
      text: request.t(page.text),
      reference: page.status >= 500 ? request.id : null,
    });
    await reply.type('text/html; charset=utf-8').send(html);
  } catch (renderError) {
    request.log.error({ err: renderError }, 'error page failed to render');
    await reply.type('text/plain; charset=utf-8').send(`${page.status} ${request.t(page.title)}`);
  }
}

/** One handler for every error: a page in the layout, never a stack trace. 5xx details go to the log only. */
export async function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  // A body that cannot be parsed (a truncated multipart form, say) throws a plain Error: still a 400.
  const malformedBody =
    !(error instanceof AppError) && typeof error.statusCode !== 'number' && failedReadingBody(request);
  let page = errorPageFor(malformedBody ? new BadRequest(error.message) : error);
  // A form's token refused on a route for signed-in people, sent by nobody signed in: checked before the
  // route's own requireViewer, it is that route's answer — to sign in, or, for a session that ended while
  // the person wrote, its page with the words.
  if (page.text === 'error.csrf.text' && request.routeOptions.config.signedInOnly === true && !request.viewer) {
    if (!request.sessionEnded) {
      await reply.redirect('/sign-in', 303);
      return;
    }
    page = errorPageFor(new SessionEnded());
  }
  if (page.retry)
    request.log.warn({ err: error }, page.title === 'error.busy.title' ? 'database busy' : 'database unavailable');
  else if (page.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: error.code, status: page.status }, error.message);
  await renderErrorPage(request, reply, page);
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(handleError);

    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: MALFORMED_URL_PATH,
      config: { keepsWords: false },
      handler: async () => {
        throw new BadRequest('Malformed URL');
      },
    });

    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: URI_TOO_LONG_PATH,
      config: { keepsWords: false },
      handler: async () => {
        throw new UriTooLong('URI too long');
      },
    });

    app.setNotFoundHandler(async (request, reply) => {
      await renderErrorPage(request, reply, { status: 404, title: 'error.404.title', text: 'error.404.text' });
    });
  },
  { name: 'agora-errors', dependencies: ['agora-views'] },
);
