import { createHash } from 'node:crypto';
import type { Adapter, DatabaseSession, DatabaseUser, Lucia } from 'lucia';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';

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

export type ViewerRow = {
  id: string;
  handle: string;
  displayName: string;
  email: string;
  kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  role: 'USER' | 'ADMIN';
  status: 'ACTIVE' | 'SUSPENDED';
  locale: string | null;
  /** IANA time zone (users.time_zone) the person reads times in. */
  timeZone: string;
  emailVerifiedAt: Date | null;
  organizationId: string | null;
  organization: { kind: 'MUNICIPALITY' | 'PROVINCE' | 'REGION' | 'STATE_AGENCY' | 'PARTNER' } | null;
};

/** A row of getSessionAndUser's one statement: the session's columns and its person's, flat. */
interface SessionAndUserRow {
  id: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  userAgent: string;
  ipAddress: string;
  handle: string;
  displayName: string;
  email: string;
  kind: ViewerRow['kind'];
  role: ViewerRow['role'];
  status: ViewerRow['status'];
  locale: string | null;
  timeZone: string;
  emailVerifiedAt: Date | null;
  organizationId: string | null;
  organizationKind: NonNullable<ViewerRow['organization']>['kind'] | null;
}

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
      // One statement for the session, its person and the person's organization: every signed-in
      // request pays it (Prisma's include would send three). Lucia writes only when the idle expiry
      // is due to slide (half of it gone), so a request costs one statement, two when it slides.
      // Prepared on each connection (db/client.ts): every signed-in request runs it.
      const rows = await db.$queryRaw<SessionAndUserRow[]>`${Prisma.raw(PREPARED_STATEMENT)}
        SELECT s.id, s.user_id AS "userId", s.expires_at AS "expiresAt", s.created_at AS "createdAt",
               s.user_agent AS "userAgent", s.ip_address AS "ipAddress",
               u.handle::text AS handle, u.display_name AS "displayName", u.email::text AS email,
               u.kind::text AS kind, u.role::text AS role, u.status::text AS status, u.locale, u.time_zone AS "timeZone",
               u.email_verified_at AS "emailVerifiedAt", u.organization_id AS "organizationId",
               o.kind::text AS "organizationKind"
          FROM sessions s
          JOIN users u ON u.id = s.user_id
          LEFT JOIN organizations o ON o.id = u.organization_id
         WHERE s.id = ${hashSessionToken(token)}`;
      const row = rows[0];
      if (!row) return [null, null];
      const user: ViewerRow = {
        id: row.userId,
        handle: row.handle,
        displayName: row.displayName,
        email: row.email,
        kind: row.kind,
        role: row.role,
        status: row.status,
        locale: row.locale,
        timeZone: row.timeZone,
        emailVerifiedAt: row.emailVerifiedAt,
        organizationId: row.organizationId,
        organization: row.organizationKind ? { kind: row.organizationKind } : null,
      };
      // Lucia compares ids with what it was given: answer with the token, not its hash.
      return [toDatabaseSession(row, token), { id: user.id, attributes: user }];
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
