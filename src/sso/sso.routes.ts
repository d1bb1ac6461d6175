import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Auth } from '../accounts/auth.js';
import type { Config } from '../config.js';
import { safeReturnPath } from '../plugins/views.js';
import { SsoFailure, type SsoFailureReason, type SsoService } from './sso.service.js';

// Single sign-on's two steps: a link on the sign-in page starts it (a GET, so it works from a plain
// link; the `state` is bound to this browser by a cookie, so starting one for someone else gains
// nothing), and the provider sends the browser back to the callback.

const FAILURE_STATUS: Readonly<Record<SsoFailureReason, number>> = {
  provider_unavailable: 502,
  provider_refused: 400,
  invalid_response: 400,
  state_unknown: 400,
  email_unverified: 403,
  not_allowed: 403,
  suspended: 403,
};

export async function ssoRoutes(
  app: FastifyInstance,
  { sso, auth, config }: { sso: SsoService; auth: Auth; config: Config },
) {
  const https = config.publicUrl.protocol === 'https:';
  // Only sent back to the callback's path; lives as long as a started sign-in does.
  const cookieName = https ? '__Secure-sso-attempt' : 'sso-attempt';
  const cookieOptions = { path: '/sign-in/sso', httpOnly: true, sameSite: 'lax', secure: https } as const;

  function renderFailure(reply: FastifyReply, failure: SsoFailure) {
    const t = reply.request.t;
    reply.header('cache-control', 'no-store');
    reply.clearCookie(cookieName, cookieOptions);
    return reply.code(FAILURE_STATUS[failure.reason]).view('accounts/sso-failed.eta', {
      title: t('accounts.sso.failedTitle'),
      message: t(`accounts.sso.failed.${failure.reason}`),
    });
  }

  app.get<{ Params: { provider: string }; Querystring: { returnTo?: string } }>(
    '/sign-in/sso/:provider',
    async (request, reply) => {
      try {
        const { authorizationUrl, browserKey } = await sso.startSignIn(
          request.params.provider,
          safeReturnPath(request.query.returnTo),
          request.auditContext,
        );
        reply.header('cache-control', 'no-store');
        reply.setCookie(cookieName, browserKey, { ...cookieOptions, maxAge: 600 });
        return reply.redirect(authorizationUrl, 303);
      } catch (error) {
        if (error instanceof SsoFailure) return renderFailure(reply, error);
        throw error;
      }
    },
  );

  app.get<{ Params: { provider: string } }>('/sign-in/sso/:provider/callback', async (request, reply) => {
    const query = request.url.indexOf('?');
    const search = query >= 0 ? request.url.slice(query) : '';
    try {
      // Whatever session this browser had ends here, as with a password.
      const previous = request.cookies[auth.cookieName];
      const signedIn = await sso.completeSignIn(
        request.params.provider,
        search,
        request.cookies[cookieName] ?? null,
        request.locale,
        request.auditContext,
      );
      if (previous) await auth.endSession(previous);
      reply.header('cache-control', 'no-store');
      reply.clearCookie(cookieName, cookieOptions);
      reply.setSessionCookie(signedIn.cookie);
      reply.clearCookie(app.csrfCookieName, { path: '/' });
      return reply.redirect(safeReturnPath(signedIn.returnTo) ?? '/', 303);
    } catch (error) {
      if (error instanceof SsoFailure) return renderFailure(reply, error);
      throw error;
    }
  });
}
