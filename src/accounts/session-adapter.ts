import { createHash } from 'node:crypto';
import type { Adapter, DatabaseSession, DatabaseUser, Lucia } from 'lucia';
import type { Db } from '../db/client.js';

// Lucia's Prisma adapter supports Prisma 4–5 only, so this is ours. Lucia hands
// the adapter the token that travels in the cookie; the adapter stores and looks
// up only its SHA-256, so a copy of the database holds no usable session.

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionAttributes {
  createdAt: Date;
  userAgent: string;
  ipAddress: string;
  /** Set when the session was opened through single sign-on (see src/sso/). */
  ssoProvider?: string | null;
  ssoIdToken?: string | null;
}

export const VIEWER_SELECT = {
  id: true,
  handle: true,
  displayName: true,
  email: true,
  kind: true,
  role: true,
  status: true,
  locale: true,
  emailVerifiedAt: true,
  organizationId: true,
  organization: { select: { kind: true } },
} as const;

export type ViewerRow = {
  id: string;
  handle: string;
  displayName: string;
  email: string;
  kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  role: 'USER' | 'ADMIN';
  status: 'ACTIVE' | 'SUSPENDED';
  locale: string | null;
  emailVerifiedAt: Date | null;
  organizationId: string | null;
  organization: { kind: 'MUNICIPALITY' | 'PROVINCE' | 'REGION' | 'STATE_AGENCY' | 'PARTNER' } | null;
};

function toDatabaseSession(
  row: { id: string; userId: string; expiresAt: Date; createdAt: Date; userAgent: string; ipAddress: string },
  id = row.id,
): DatabaseSession {
  return {
    id,
    userId: row.userId,
    expiresAt: row.expiresAt,
    attributes: { createdAt: row.createdAt, userAgent: row.userAgent, ipAddress: row.ipAddress },
  };
}

export function createSessionAdapter(db: Db): Adapter {
  return {
    async getSessionAndUser(token): Promise<[DatabaseSession | null, DatabaseUser | null]> {
      const row = await db.session.findUnique({
        where: { id: hashSessionToken(token) },
        include: { user: { select: VIEWER_SELECT } },
      });
      if (!row) return [null, null];
      const { user, ...session } = row;
      // Lucia compares ids with what it was given: answer with the token, not its hash.
      return [toDatabaseSession(session, token), { id: user.id, attributes: user }];
    },
    async getUserSessions(userId) {
      // These ids are hashes: enough to list sessions and to end one by its hash.
      const rows = await db.session.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
      return rows.map((row) => toDatabaseSession(row));
    },
    async setSession(session) {
      const attributes = session.attributes;
      await db.session.create({
        data: {
          id: hashSessionToken(session.id),
          userId: session.userId,
          expiresAt: session.expiresAt,
          createdAt: attributes.createdAt,
          userAgent: attributes.userAgent,
          ipAddress: attributes.ipAddress,
          ssoProvider: attributes.ssoProvider ?? null,
          ssoIdToken: attributes.ssoIdToken ?? null,
        },
      });
    },
    async updateSessionExpiration(token, expiresAt) {
      await db.session.updateMany({ where: { id: hashSessionToken(token) }, data: { expiresAt } });
    },
    async deleteSession(token) {
      await db.session.deleteMany({ where: { id: hashSessionToken(token) } });
    },
    async deleteUserSessions(userId) {
      await db.session.deleteMany({ where: { userId } });
    },
    async deleteExpiredSessions() {
      await db.session.deleteMany({ where: { expiresAt: { lte: new Date() } } });
    },
  };
}

declare module 'lucia' {
  interface Register {
    Lucia: Lucia<SessionAttributes, ViewerRow>;
    DatabaseSessionAttributes: SessionAttributes;
    DatabaseUserAttributes: ViewerRow;
  }
}
