import { Cookie, Lucia, TimeSpan } from 'lucia';
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
  /** IANA time zone (tz database name, e.g. Europe/Madrid, Atlantic/Canary) the person reads times in. */
  readonly timeZone: string;
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
  /** For a session opened through single sign-on: the provider and its ID token (for RP-initiated logout). */
  readonly sso?: { readonly provider: string; readonly idToken: string } | undefined;
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
      // Lucia would send Max-Age of 400 days; sessionCookie() below sends the session's real end.
      expires: false,
      attributes: { secure: https, sameSite: 'lax', path: '/' },
    },
    getSessionAttributes: (attributes) => attributes,
    getUserAttributes: (attributes) => attributes,
  });

  const cookieAttributes = { secure: https, sameSite: 'lax', path: '/', httpOnly: true } as const;
  /**
   * The session cookie says what the server enforces (ASVS 5.0 V7.3): it expires when the session
   * does, at the idle expiry or at the absolute limit, whichever comes first (Max-Age in seconds,
   * with Expires for older browsers). Each slide of the idle expiry sends it again.
   */
  function sessionCookie(token: string, session: { expiresAt: Date; createdAt: Date }): Cookie {
    const ends = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + config.sessions.absoluteMs);
    const maxAge = Math.max(0, Math.floor((ends - Date.now()) / 1000));
    return new Cookie(lucia.sessionCookieName, token, { ...cookieAttributes, maxAge, expires: new Date(ends) });
  }

  return {
    cookieName: lucia.sessionCookieName,

    readToken(cookieHeader: string | undefined): string | null {
      return cookieHeader ? lucia.readSessionCookie(cookieHeader) : null;
    },

    async startSession(userId: string, meta: SessionMeta): Promise<Cookie> {
      const createdAt = new Date();
      const session = await lucia.createSession(userId, {
        createdAt,
        userAgent: meta.userAgent.slice(0, 300),
        ipAddress: meta.ipAddress,
        ssoProvider: meta.sso?.provider ?? null,
        ssoIdToken: meta.sso?.idToken ?? null,
      });
      return sessionCookie(session.id, { expiresAt: session.expiresAt, createdAt });
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
          timeZone: user.timeZone,
          emailVerified: user.emailVerifiedAt !== null,
          organizationId: user.organizationId,
          organizationIsAdministration: user.organization !== null && user.organization.kind !== 'PARTNER',
          sessionId: hashSessionToken(token),
        },
        refreshedCookie: session.fresh ? sessionCookie(token, session) : null,
      };
    },

    /** The single sign-on a session was opened through, if any: what signing out of the provider needs. */
    async ssoOf(token: string): Promise<{ provider: string; idToken: string | null } | null> {
      const row = await db.session.findUnique({
        where: { id: hashSessionToken(token) },
        select: { ssoProvider: true, ssoIdToken: true },
      });
      return row?.ssoProvider ? { provider: row.ssoProvider, idToken: row.ssoIdToken } : null;
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
