import { type Cookie, Lucia, TimeSpan } from 'lucia';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { createSessionAdapter, hashSessionToken, type ViewerRow } from './session-adapter.js';

/** The signed-in person as every request sees it (request.viewer). */
export interface Viewer {
  readonly id: string;
  readonly handle: string;
  readonly displayName: string;
  readonly email: string;
  readonly kind: ViewerRow['kind'];
  readonly role: ViewerRow['role'];
  readonly locale: string | null;
  readonly emailVerified: boolean;
  readonly organizationId: string | null;
  /** True when the organization is an administration (not a partner body). */
  readonly organizationIsAdministration: boolean;
  /** SHA-256 of this request's session token: how the sessions page recognises "this device". */
  readonly sessionId: string;
}

export interface SessionMeta {
  readonly userAgent: string;
  readonly ipAddress: string;
}

export interface ValidatedSession {
  readonly viewer: Viewer;
  /** A cookie to send back when the idle expiry slid forward; null otherwise. */
  readonly refreshedCookie: Cookie | null;
}

export function createAuth({ db, config }: { db: Db; config: Config }) {
  const https = config.publicUrl.protocol === 'https:';
  const lucia = new Lucia(createSessionAdapter(db), {
    // The idle timeout: Lucia slides it forward when half of it has passed.
    sessionExpiresIn: new TimeSpan(Math.max(1, Math.round(config.sessions.idleMs / 1000)), 's'),
    sessionCookie: {
      // __Host-: Secure, path=/, no Domain — only this origin can set or read it.
      name: https ? '__Host-session' : 'session',
      // A browser-session cookie: closing the browser ends it on this device.
      expires: false,
      attributes: { secure: https, sameSite: 'lax', path: '/' },
    },
    getSessionAttributes: (attributes) => attributes,
    getUserAttributes: (attributes) => attributes,
  });

  return {
    cookieName: lucia.sessionCookieName,

    readToken(cookieHeader: string | undefined): string | null {
      return cookieHeader ? lucia.readSessionCookie(cookieHeader) : null;
    },

    async startSession(userId: string, meta: SessionMeta): Promise<Cookie> {
      const session = await lucia.createSession(userId, {
        createdAt: new Date(),
        userAgent: meta.userAgent.slice(0, 300),
        ipAddress: meta.ipAddress,
      });
      return lucia.createSessionCookie(session.id);
    },

    /** The viewer behind a token, or null when the session is unknown, idle too long, too old or suspended. */
    async validate(token: string): Promise<ValidatedSession | null> {
      const { session, user } = await lucia.validateSession(token);
      if (!session) return null;
      const tooOld = Date.now() - session.createdAt.getTime() > config.sessions.absoluteMs;
      if (tooOld || user.status !== 'ACTIVE') {
        await lucia.invalidateSession(token);
        return null;
      }
      return {
        viewer: {
          id: user.id,
          handle: user.handle,
          displayName: user.displayName,
          email: user.email,
          kind: user.kind,
          role: user.role,
          locale: user.locale,
          emailVerified: user.emailVerifiedAt !== null,
          organizationId: user.organizationId,
          organizationIsAdministration: user.organization !== null && user.organization.kind !== 'PARTNER',
          sessionId: hashSessionToken(token),
        },
        refreshedCookie: session.fresh ? lucia.createSessionCookie(token) : null,
      };
    },

    async endSession(token: string): Promise<void> {
      await lucia.invalidateSession(token);
    },

    async endAllSessions(userId: string): Promise<void> {
      await lucia.invalidateUserSessions(userId);
    },

    blankCookie(): Cookie {
      return lucia.createBlankSessionCookie();
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
