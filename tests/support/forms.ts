import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

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
