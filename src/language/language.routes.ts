import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { LOCALE_COOKIE } from '../plugins/i18n.js';
import { safeReturnPath } from '../plugins/views.js';
import { changeLanguageBody, typedLanguage } from './language.schemas.js';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** POST /language: the language switch in every page's header; works without JavaScript. */
export async function languageRoutes(app: FastifyInstance, { config, db }: { config: Config; db: Db }) {
  app.post('/language', { config: { keepsWords: false } }, async (request, reply) => {
    const parsed = changeLanguageBody.safeParse(request.body);
    if (!parsed.success) {
      // A code that is not one of the five (a hand-made form, an old link): say so, offer the five,
      // and keep the way back to the page the person was on. Nothing is changed.
      const returnTo = safeReturnPath((request.body as { returnTo?: unknown } | undefined)?.returnTo) ?? '/';
      return reply.code(400).view('language/unknown.eta', {
        title: request.t('language.unknown.title'),
        code: typedLanguage(request.body),
        returnTo,
        // The header's own switch on this page goes back there too, not to POST-only /language.
        currentPath: returnTo.split(/[?#]/)[0],
      });
    }
    // A signed-in person's choice follows them to other devices, and to their e-mails.
    if (request.viewer) {
      await db.user.update({ where: { id: request.viewer.id }, data: { locale: parsed.data.locale } });
    }
    reply.setCookie(LOCALE_COOKIE, parsed.data.locale, {
      path: '/',
      maxAge: ONE_YEAR_SECONDS,
      sameSite: 'lax',
      httpOnly: true,
      secure: config.publicUrl.protocol === 'https:',
    });
    return reply.redirect(safeReturnPath(parsed.data.returnTo) ?? '/', 303);
  });
}
