import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { BadRequest } from '../errors.js';
import { LOCALE_COOKIE } from '../plugins/i18n.js';
import { safeReturnPath } from '../plugins/views.js';
import { changeLanguageBody } from './language.schemas.js';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** POST /language: the language switch in every page's header; works without JavaScript. */
export async function languageRoutes(app: FastifyInstance, { config, db }: { config: Config; db: Db }) {
  app.post('/language', async (request, reply) => {
    const parsed = changeLanguageBody.safeParse(request.body);
    if (!parsed.success) throw new BadRequest('Unknown language');
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
