import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { TEST_PASSWORD } from './factories.js';

/** The cookies a response sets, as a Cookie header value. */
export function cookieHeader(response: LightMyRequestResponse): string {
  return response.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

/** What a browser holds after loading a page with a form: its cookies and the form's CSRF token. */
export async function openForm(app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  const page = await app.inject({ method: 'GET', url, headers });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error(`No CSRF token in the form at ${url} (status ${page.statusCode})`);
  return { page, csrf: token, cookie: cookieHeader(page) };
}

/** Posts a form the way a browser does: after loading the page that holds it (formUrl, else url). */
export async function submitForm(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string>,
  options: {
    cookie?: string;
    formUrl?: string;
    /** Runs once the form is open and before it is sent (a database stopped in between, say). */
    beforeSend?: () => Promise<void>;
  } = {},
): Promise<LightMyRequestResponse> {
  const form = await openForm(app, options.formUrl ?? url, options.cookie ? { cookie: options.cookie } : {});
  await options.beforeSend?.();
  const cookie = [options.cookie, form.cookie].filter(Boolean).join('; ');
  return app.inject({ method: 'POST', url, headers: { cookie }, payload: { _csrf: form.csrf, ...fields } });
}

/** Signs in through the real form; the Cookie header of the signed-in browser. */
export async function signInAs(app: FastifyInstance, email: string, password = TEST_PASSWORD): Promise<string> {
  const response = await submitForm(app, '/sign-in', { email, password });
  const session = response.cookies.find((cookie) => cookie.name === 'session');
  if (response.statusCode !== 303 || !session?.value) throw new Error(`could not sign in as ${email}`);
  return `session=${session.value}`;
}

/** The message shown beside a form field, if any. */
export function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`<p class="field__error" id="field-${field}-error">([^<]*)</p>`).exec(html)?.[1];
}

/** A file for submitMultipart. */
export interface FormFile {
  readonly field: string;
  readonly name: string;
  readonly bytes: Buffer;
  readonly type?: string;
}

/**
 * Posts a multipart form (one with file inputs) the way a browser does, after loading the page that
 * holds it. Arrays become repeated fields.
 */
export async function submitMultipart(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string | readonly string[]>,
  files: readonly FormFile[],
  options: {
    cookie?: string;
    formUrl?: string;
    /** Runs once the form is open and before it is sent (a database stopped in between, say). */
    beforeSend?: () => Promise<void>;
  } = {},
): Promise<LightMyRequestResponse> {
  const form = await openForm(app, options.formUrl ?? url, options.cookie ? { cookie: options.cookie } : {});
  await options.beforeSend?.();
  const cookie = [options.cookie, form.cookie].filter(Boolean).join('; ');
  const data = new FormData();
  data.append('_csrf', form.csrf);
  for (const [name, value] of Object.entries(fields)) {
    for (const item of typeof value === 'string' ? [value] : value) data.append(name, item);
  }
  for (const file of files) {
    data.append(
      file.field,
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  }
  const encoded = new Response(data);
  const payload = Buffer.from(await encoded.arrayBuffer());
  return app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': encoded.headers.get('content-type') ?? '' },
    payload,
  });
}

/** What confirming the warnings of a form that came back sends (its hidden `confirmation` field), or ''. */
export function confirmationIn(html: string): string {
  return /name="confirmation" value="([0-9a-f]{16})"/.exec(html)?.[1] ?? '';
}

/** Sends a form urlencoded, as a browser sends a form without files (CRLF line breaks and all). */
export async function postUrlencoded(
  app: FastifyInstance,
  url: string,
  cookie: string,
  formUrl: string,
  fields: Record<string, string>,
) {
  const form = await openForm(app, formUrl, { cookie });
  return app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: [cookie, form.cookie].filter(Boolean).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ _csrf: form.csrf, ...fields }).toString(),
  });
}

/**
 * A textarea's text as a browser reads it from its markup: one line feed straight after the start tag is
 * dropped (HTML, "parsing main inbody", the start tag "textarea"), then the entities Eta writes are undone.
 * Every template writes that line feed, so text that starts with a line break keeps it.
 */
export function textareaValue(markup: string): string {
  return unescapeHtml(markup.startsWith('\n') ? markup.slice(1) : markup);
}

/** The text the textarea with this id shows, as a browser reads it (textareaValue). */
export function textareaText(html: string, id: string): string | undefined {
  const raw = new RegExp(`<textarea id="${id}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1];
  return raw === undefined ? undefined : textareaValue(raw);
}

/** The hidden and visible fields of the form a 503 page gives back (a kept draft), as a browser sends them again. */
export function draftFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[name as string] = unescapeHtml(value as string);
  }
  for (const [, name, value] of html.matchAll(/<input id="field-[^"]+" name="([^"]+)" type="text" value="([^"]*)"/g)) {
    fields[name as string] = unescapeHtml(value as string);
  }
  for (const [, name, value] of html.matchAll(/<textarea id="field-[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) {
    fields[name as string] = textareaValue(value as string);
  }
  return fields;
}

/** HTML text with the five escapes Eta writes undone. */
export function unescapeHtml(html: string): string {
  return html
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}
