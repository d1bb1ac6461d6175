import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Cookie } from 'lucia';
import { canAdminister } from '../access/admin-access.js';
import type { Auth, Viewer } from '../accounts/auth.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { SessionEnded } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, or null. */
    viewer: Viewer | null;
    /**
     * The database was away when the session was read: the error, raised again once the body is parsed
     * (a preHandler), so a post form refused for it can come back with its words (plugins/errors.ts).
     */
    sessionUnavailable: unknown;
    /** A session cookie came that names no live session (expired, ended elsewhere): cleared on the answer. */
    sessionEnded: boolean;
    /** requireViewer met an ended session before the body was read: refused (SessionEnded) once it is. */
    sessionEndedPending: boolean;
    /** The request's body has been read (the first preHandler ran). */
    bodyRead: boolean;
  }
  interface FastifyReply {
    setSessionCookie(cookie: Cookie): void;
  }
}

/** A preHandler: people who are not signed in go to the sign-in page, and come back here afterwards. */
export async function requireViewer(request: FastifyRequest, reply: FastifyReply) {
  // Not "signed out": the session could not be read. The preHandler below answers 503.
  if (request.viewer || request.sessionUnavailable !== null) return;
  // HEAD answers what GET would (RFC 9110 §9.3.2), the same Location included.
  const reading = request.method === 'GET' || request.method === 'HEAD';
  // A form with words, sent by someone whose session ended meanwhile: its page gives them back, once its
  // body is read (a route that runs this in onRequest, before its multipart body is parsed, is refused by
  // the preHandler below).
  if (!reading && request.sessionEnded && request.routeOptions.config.keepsWords) {
    if (request.bodyRead) throw new SessionEnded();
    request.sessionEndedPending = true;
    return;
  }
  const returnTo = reading ? `?returnTo=${encodeURIComponent(request.url)}` : '';
  return reply.redirect(`/sign-in${returnTo}`, 303);
}

/**
 * Whether a request may go on into the admin area, whose every URL answers 404 to anyone but a site admin
 * before CSRF or body parsing. A request whose session could not be read (the database away) goes on too:
 * the preHandler below answers it 503 with its form's words, as it answers every route then, so the area
 * is no more disclosed than any other address and an administrator's typing is not lost.
 */
export function mayEnterAdminArea(request: FastifyRequest): boolean {
  return request.sessionUnavailable !== null || canAdminister(request.viewer);
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
    app.decorateRequest('sessionUnavailable', null);
    app.decorateRequest('sessionEnded', false);
    app.decorateRequest('sessionEndedPending', false);
    app.decorateRequest('bodyRead', false);
    app.decorateReply('setSessionCookie', function (this: FastifyReply, cookie: Cookie) {
      this.setCookie(cookie.name, cookie.value, cookie.attributes);
    });

    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.publicAsset) return;
      const token = request.cookies[auth.cookieName];
      if (!token) return;
      let validated: Awaited<ReturnType<Auth['validate']>>;
      try {
        validated = await auth.validate(token);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        request.sessionUnavailable = error;
        return;
      }
      if (!validated) {
        request.sessionEnded = true;
        reply.setSessionCookie(auth.blankCookie());
        return;
      }
      request.viewer = validated.viewer;
      if (validated.refreshedCookie) reply.setSessionCookie(validated.refreshedCookie);
    });

    // After the body is parsed (and the CSRF token checked): the outage met while reading the session.
    app.addHook('preHandler', async (request) => {
      request.bodyRead = true;
      if (request.sessionUnavailable !== null) throw request.sessionUnavailable;
      if (request.sessionEndedPending) throw new SessionEnded();
    });
  },
  { name: 'agora-sessions', dependencies: ['@fastify/cookie'] },
);
