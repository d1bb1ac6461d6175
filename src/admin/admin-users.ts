import { officialVoiceRefusal, statusOrRoleChangeRefusal } from '../access/admin-access.js';
import { isVerifiedAt } from '../access/affiliation.js';
import type { Auth, Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { SiteRole, UserStatus } from '../generated/prisma/enums.js';
import { foldText } from '../text/fold.js';
import { escapeLike } from './admin-search.js';

// People, as site admins manage them: finding them, their page, suspending and reactivating, the admin
// role, and the official voices that let an employee speak for their organization.

export const USERS_PER_PAGE = 50;

export function createAdminUsers({ db, auth, audit }: { db: Db; auth: Auth; audit: AuditLog }) {
  async function loadUser(userId: string) {
    return db.user.findUnique({
      where: { id: userId },
      select: { id: true, handle: true, kind: true, role: true, status: true, organizationId: true },
    });
  }

  return {
    /** Case-insensitive search in name, e-mail and handle; 50 a page. */
    async searchUsers(q: string, page: number) {
      const term = q.trim().replace(/^@/, '');
      // Each word, as Spanish and Catalan are compared (src/text/fold.ts): in the name, job title,
      // organization, department or expertise (users.search_text, folded), the address or the handle.
      const words = term.split(/\s+/).filter((word) => word !== '');
      const where: Prisma.UserWhereInput =
        words.length > 0
          ? {
              AND: words.map((word) => ({
                OR: [
                  { searchText: { contains: escapeLike(foldText(word)) } },
                  { email: { contains: escapeLike(word), mode: 'insensitive' as const } },
                  { handle: { contains: escapeLike(word), mode: 'insensitive' as const } },
                ],
              })),
            }
          : {};
      const list = (onPage: number) =>
        db.user.findMany({
          where,
          select: {
            id: true,
            handle: true,
            displayName: true,
            email: true,
            kind: true,
            role: true,
            status: true,
            organization: { select: { name: true } },
          },
          orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
          skip: (onPage - 1) * USERS_PER_PAGE,
          take: USERS_PER_PAGE,
        });
      const [total, asked] = await Promise.all([db.user.count({ where }), list(page)]);
      // A page past the end is the last page (as the directory's is), not "no accounts yet".
      const pageCount = Math.max(1, Math.ceil(total / USERS_PER_PAGE));
      const shown = Math.min(page, pageCount);
      const users = shown === page ? asked : await list(shown);
      return { users, total, page: shown, pageCount };
    },

    /** Everything the user page shows, or null. */
    async getUserPage(userId: string) {
      const [user, organizations] = await Promise.all([
        db.user.findUnique({
          where: { id: userId },
          select: {
            id: true,
            handle: true,
            displayName: true,
            email: true,
            emailVerifiedAt: true,
            kind: true,
            role: true,
            status: true,
            createdAt: true,
            organizationId: true,
            organization: { select: { id: true, name: true } },
            officialVoices: {
              select: {
                createdAt: true,
                organization: { select: { id: true, name: true } },
                grantedBy: { select: { handle: true, displayName: true } },
              },
              orderBy: { createdAt: 'asc' },
            },
            _count: { select: { sessions: { where: { expiresAt: { gt: new Date() } } } } },
          },
        }),
        db.organization.findMany({ select: { id: true, name: true }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
      ]);
      return user ? { user, organizations } : null;
    },

    /** Suspends (ending every session) or reactivates. An admin cannot suspend themself. */
    async setUserStatus(actor: Viewer, userId: string, status: UserStatus, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      const action = status === 'SUSPENDED' ? 'admin.user_suspend' : 'admin.user_reactivate';
      if (status === 'SUSPENDED' && statusOrRoleChangeRefusal(actor, userId)) {
        await audit.record(context, {
          action,
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { reason: 'self' },
        });
        throw new Invalid({ status: { key: 'admin.user.cannotSuspendSelf' } });
      }
      if (user.status === status) return true;
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: { status } });
        await audit.record(context, { action, outcome: 'SUCCESS', target: { type: 'user', id: userId } }, tx);
      });
      // After the update: a session validated meanwhile is refused for the status anyway.
      if (status === 'SUSPENDED') await auth.endAllSessions(userId);
      return true;
    },

    /** Makes or unmakes a site admin. An admin cannot remove their own role. */
    async setUserRole(actor: Viewer, userId: string, role: SiteRole, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      const action = role === 'ADMIN' ? 'admin.role_grant' : 'admin.role_revoke';
      if (role !== 'ADMIN' && statusOrRoleChangeRefusal(actor, userId)) {
        await audit.record(context, {
          action,
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { reason: 'self' },
        });
        throw new Invalid({ role: { key: 'admin.user.cannotDemoteSelf' } });
      }
      if (user.role === role) return true;
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: { role } });
        await audit.record(context, { action, outcome: 'SUCCESS', target: { type: 'user', id: userId } }, tx);
      });
      return true;
    },

    /** Lets an employee publish organizational posts on behalf of their organization. */
    async grantOfficialVoice(
      actor: Viewer,
      userId: string,
      organizationId: string,
      context: AuditContext,
    ): Promise<boolean> {
      const [user, organization] = await Promise.all([
        db.user.findUnique({
          where: { id: userId },
          select: { kind: true, status: true, organizationId: true, emailVerifiedAt: true },
        }),
        db.organization.findUnique({ where: { id: organizationId }, select: { id: true, name: true } }),
      ]);
      if (!user) return false;
      if (!organization) throw new Invalid({ organizationId: { key: 'admin.voice.organizationRequired' } });
      const refusal = officialVoiceRefusal(
        { ...user, emailVerified: isVerifiedAt(user.emailVerifiedAt) },
        organizationId,
      );
      if (refusal) {
        await audit.record(context, {
          action: 'admin.voice_grant',
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { organizationId, reason: refusal },
        });
        const key =
          refusal === 'suspended'
            ? 'admin.voice.suspended'
            : refusal === 'unverified'
              ? 'admin.voice.unverified'
              : 'admin.voice.notEmployee';
        throw new Invalid({ organizationId: { key, params: { organization: organization.name } } });
      }
      await db.$transaction(async (tx) => {
        const existing = await tx.officialVoice.findUnique({
          where: { userId_organizationId: { userId, organizationId } },
          select: { userId: true },
        });
        if (existing) return;
        await tx.officialVoice.create({ data: { userId, organizationId, grantedById: actor.id } });
        await audit.record(
          context,
          {
            action: 'admin.voice_grant',
            outcome: 'SUCCESS',
            target: { type: 'user', id: userId },
            details: { organizationId },
          },
          tx,
        );
      });
      return true;
    },

    async revokeOfficialVoice(userId: string, organizationId: string, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      await db.$transaction(async (tx) => {
        const { count } = await tx.officialVoice.deleteMany({ where: { userId, organizationId } });
        if (count === 0) return;
        await audit.record(
          context,
          {
            action: 'admin.voice_revoke',
            outcome: 'SUCCESS',
            target: { type: 'user', id: userId },
            details: { organizationId },
          },
          tx,
        );
      });
      return true;
    },
  };
}
