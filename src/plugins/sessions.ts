import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Cookie } from 'lucia';
import type { Auth, Viewer } from '../accounts/auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, or null. */
    viewer: Viewer | null;
  }
  interface FastifyReply {
    setSessionCookie(cookie: Cookie): void;
  }
}

/** A preHandler: people who are not signed in go to the sign-in page, and come back here afterwards. */
export async function requireViewer(request: FastifyRequest, reply: FastifyReply) {
  if (request.viewer) return;
  const returnTo = request.method === 'GET' ? `?returnTo=${encodeURIComponent(request.url)}` : '';
  return reply.redirect(`/sign-in${returnTo}`, 303);
}

/** The viewer of a route guarded by requireViewer. */
export function viewerOf(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new Error('requireViewer must run first');
  return request.viewer;
}

/** Reads the session cookie on every request: request.viewer, a slid expiry, or a cleared dead cookie. */
export const sessionsPlugin = fp(
  async (app: FastifyInstance, { auth }: { auth: Auth }) => {
    app.decorateRequest('viewer', null);
    app.decorateReply('setSessionCookie', function (this: FastifyReply, cookie: Cookie) {
      this.setCookie(cookie.name, cookie.value, cookie.attributes);
    });

    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.publicAsset) return;
      const token = request.cookies[auth.cookieName];
      if (!token) return;
      const validated = await auth.validate(token);
      if (!validated) {
        reply.setSessionCookie(auth.blankCookie());
        return;
      }
      request.viewer = validated.viewer;
      if (validated.refreshedCookie) reply.setSessionCookie(validated.refreshedCookie);
    });
  },
  { name: 'agora-sessions', dependencies: ['@fastify/cookie'] },
);
