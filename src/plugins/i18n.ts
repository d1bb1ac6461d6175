import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  createTranslator,
  DEFAULT_LOCALE,
  isLocale,
  type Locale,
  negotiateLocale,
  type Translate,
} from '../i18n/i18n.js';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    t: Translate;
  }
}

export const LOCALE_COOKIE = 'lang';

/** request.locale: the language chosen with the switch (cookie), else the browser's, else Spanish. */
export function setRequestLocale(request: FastifyRequest): void {
  // Cookies are not parsed yet when Fastify rejects a request before routing.
  // The signed-in person's setting, else the language switch's cookie.
  const chosen = request.viewer?.locale ?? request.cookies?.[LOCALE_COOKIE];
  const locale = isLocale(chosen) ? chosen : (negotiateLocale(request.headers['accept-language']) ?? DEFAULT_LOCALE);
  request.locale = locale;
  request.t = createTranslator(locale);
}

export const i18nPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('locale', DEFAULT_LOCALE);
    app.decorateRequest('t', null as unknown as Translate);
    app.addHook('onRequest', async (request) => {
      setRequestLocale(request);
    });
  },
  { name: 'agora-i18n', dependencies: ['@fastify/cookie', 'agora-sessions'] },
);
