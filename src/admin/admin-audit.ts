import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { AuditOutcome } from '../generated/prisma/enums.js';
import type { AuditQuery } from './admin.schemas.js';
import { escapeLike, startOfDayIn } from './admin-search.js';

// The audit log as site admins read it: filtered by action, outcome, actor and days, newest first.

export const AUDIT_ENTRIES_PER_PAGE = 100;

export function createAdminAuditSearch({
  db,
  timeZone,
}: {
  db: Db;
  /** The site's time zone: the days typed are its days. */
  timeZone: string;
}) {
  return {
    /** Newest first, 100 a page; dates are whole days in the site's time zone, both ends included. */
    async searchAudit(query: AuditQuery) {
      const where: Prisma.AuditEntryWhereInput = {};
      if (query.action) where.action = { startsWith: escapeLike(query.action) };
      if (query.outcome) where.outcome = query.outcome as AuditOutcome;
      if (query.actor) {
        const actors = await db.user.findMany({
          where: { OR: [{ handle: query.actor }, { email: query.actor }] },
          select: { id: true },
        });
        where.actorId = { in: actors.map((actor) => actor.id) };
      }
      if (query.from || query.to) {
        where.at = {
          ...(query.from ? { gte: startOfDayIn(query.from, timeZone) } : {}),
          ...(query.to ? { lt: startOfDayIn(query.to, timeZone, 1) } : {}),
        };
      }
      const rows = await db.auditEntry.findMany({
        where,
        select: {
          id: true,
          at: true,
          action: true,
          outcome: true,
          targetType: true,
          targetId: true,
          requestId: true,
          ipAddress: true,
          details: true,
          actor: { select: { id: true, handle: true, displayName: true } },
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        skip: (query.page - 1) * AUDIT_ENTRIES_PER_PAGE,
        take: AUDIT_ENTRIES_PER_PAGE + 1,
      });
      const entries = rows.slice(0, AUDIT_ENTRIES_PER_PAGE);
      // Names for the targets, in one query per kind.
      const ids = (type: string) => [
        ...new Set(entries.filter((e) => e.targetType === type && e.targetId).map((e) => e.targetId ?? '')),
      ];
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      const [users, organizations] = await Promise.all([
        db.user.findMany({
          where: { id: { in: ids('user').filter((id) => uuid.test(id)) } },
          select: { id: true, handle: true },
        }),
        db.organization.findMany({
          where: { id: { in: ids('organization').filter((id) => uuid.test(id)) } },
          select: { id: true, name: true },
        }),
      ]);
      const userHandles = new Map(users.map((user) => [user.id, `@${user.handle}`]));
      const organizationNames = new Map(organizations.map((organization) => [organization.id, organization.name]));
      return {
        entries: entries.map((entry) => ({
          ...entry,
          id: entry.id.toString(),
          detailsJson: JSON.stringify(entry.details),
          target: entry.targetType
            ? {
                type: entry.targetType,
                id: entry.targetId,
                label:
                  (entry.targetType === 'user' && userHandles.get(entry.targetId ?? '')) ||
                  (entry.targetType === 'organization' && organizationNames.get(entry.targetId ?? '')) ||
                  null,
                href:
                  entry.targetType === 'user' && userHandles.has(entry.targetId ?? '')
                    ? `/admin/users/${entry.targetId}`
                    : entry.targetType === 'organization' && organizationNames.has(entry.targetId ?? '')
                      ? `/admin/organizations/${entry.targetId}/edit`
                      : null,
              }
            : null,
        })),
        page: query.page,
        hasNext: rows.length > AUDIT_ENTRIES_PER_PAGE,
      };
    },
  };
}
