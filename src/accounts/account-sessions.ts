import type { Cookie } from 'lucia';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import type { Auth, SessionMeta, Viewer } from './auth.js';
import { verifyAgainstDummy, verifyPassword } from './password.js';
import { type SignInThrottle, throttleKeys } from './sign-in-throttle.js';
import { isSsoOnlyEmail } from './sso-only.js';

// Sessions: signing in (with the lock-outs of sign-in-throttle.ts) and out, and the sessions page,
// where a person sees and ends their own. See docs/decisions/005.

export type SignInResult =
  | { readonly outcome: 'signed-in'; readonly cookie: Cookie }
  | { readonly outcome: 'invalid' }
  | { readonly outcome: 'suspended' }
  /** The address's organization signs in through single sign-on only. */
  | { readonly outcome: 'sso-only' }
  | { readonly outcome: 'locked'; readonly retryAfterSeconds: number };

/** A new session's user agent and address: where the act that opens it came from. */
export function sessionMetaOf(context: AuditContext): SessionMeta {
  return { userAgent: context.userAgent ?? '', ipAddress: context.ipAddress ?? '' };
}

export function createAccountSessions({
  db,
  auth,
  audit,
  throttle,
}: {
  db: Db;
  auth: Auth;
  audit: AuditLog;
  throttle: SignInThrottle;
}) {
  return {
    /** The same answer, status and cost for an unknown address and a wrong password. */
    async signIn(email: string, password: string, context: AuditContext): Promise<SignInResult> {
      const keys = throttleKeys(email, context.ipAddress ?? '');
      const { retryAfterSeconds, known } = await throttle.assess(keys);
      if (retryAfterSeconds > 0) {
        await audit.record(context, {
          action: 'account.sign_in',
          outcome: 'DENIED',
          actorId: null,
          details: { reason: 'locked', email },
        });
        return { outcome: 'locked', retryAfterSeconds };
      }
      // Decided by the domain, before any account is looked up: the answer tells nothing about one.
      if (await isSsoOnlyEmail(db, email)) {
        await audit.record(context, {
          action: 'account.sign_in',
          outcome: 'DENIED',
          actorId: null,
          details: { reason: 'sso_only', email },
        });
        return { outcome: 'sso-only' };
      }
      const user = await db.user.findUnique({
        where: { email },
        select: { id: true, passwordHash: true, status: true },
      });
      const valid = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
      if (!user || !valid) {
        await throttle.recordFailure(keys, known);
        await audit.record(context, {
          action: 'account.sign_in',
          outcome: 'FAILURE',
          actorId: null,
          target: user ? { type: 'user', id: user.id } : null,
          details: { reason: user ? 'wrong_password' : 'unknown_email', email },
        });
        return { outcome: 'invalid' };
      }
      await throttle.recordSuccess(keys);
      if (user.status !== 'ACTIVE') {
        await audit.record(context, {
          action: 'account.sign_in',
          outcome: 'DENIED',
          actorId: user.id,
          target: { type: 'user', id: user.id },
          details: { reason: 'suspended' },
        });
        return { outcome: 'suspended' };
      }
      const cookie = await auth.startSession(user.id, sessionMetaOf(context));
      await audit.record(context, {
        action: 'account.sign_in',
        outcome: 'SUCCESS',
        actorId: user.id,
        target: { type: 'user', id: user.id },
      });
      return { outcome: 'signed-in', cookie };
    },

    /**
     * Ends the session of `token`. Returns the single sign-on it was opened through, if any, so the
     * caller can end the provider's session too (RP-Initiated Logout 1.0).
     */
    async signOut(
      token: string,
      viewer: Viewer,
      context: AuditContext,
    ): Promise<{ provider: string; idToken: string | null } | null> {
      const sso = await auth.ssoOf(token);
      await auth.endSession(token);
      await audit.record(context, {
        action: 'account.sign_out',
        outcome: 'SUCCESS',
        target: { type: 'user', id: viewer.id },
        ...(sso ? { details: { method: 'sso', provider: sso.provider } } : {}),
      });
      return sso;
    },

    async signOutEverywhere(viewer: Viewer, context: AuditContext): Promise<void> {
      await auth.endAllSessions(viewer.id);
      await audit.record(context, {
        action: 'account.sign_out_everywhere',
        outcome: 'SUCCESS',
        target: { type: 'user', id: viewer.id },
      });
    },

    async listSessions(viewer: Viewer) {
      return db.session.findMany({
        where: { userId: viewer.id, expiresAt: { gt: new Date() } },
        select: { id: true, createdAt: true, expiresAt: true, userAgent: true, ipAddress: true },
        orderBy: { createdAt: 'desc' },
      });
    },

    /** Ends one of the viewer's own sessions, by the id the sessions page shows (a hash). */
    async endOwnSession(viewer: Viewer, sessionId: string, context: AuditContext): Promise<boolean> {
      const { count } = await db.session.deleteMany({ where: { id: sessionId, userId: viewer.id } });
      if (count === 1) {
        await audit.record(context, {
          action: 'account.session_end',
          outcome: 'SUCCESS',
          target: { type: 'user', id: viewer.id },
        });
      }
      return count === 1;
    },
  };
}
