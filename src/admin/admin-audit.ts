import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { AuditOutcome } from '../generated/prisma/enums.js';
import type { Translate } from '../i18n/i18n.js';
import { postPath } from '../threads/thread-paths.js';
import type { AuditQuery } from './admin.schemas.js';
import { escapeLike, startOfDayIn } from './admin-search.js';
import { actionName, idsInDetails, type NamedRecord, readableDetails, readableTarget } from './audit-reading.js';

// The audit log as site admins read it: filtered by action, outcome, actor and days, newest first.

export const AUDIT_ENTRIES_PER_PAGE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAdminAuditSearch({
  db,
  timeZone,
}: {
  db: Db;
  /** The site's time zone: the days typed are its days. */
  timeZone: string;
}) {
  /**
   * Names and pages of the people, organizations, communities, threads and posts with these ids, in
   * one query per kind. A site admin reads every community (design.md), so every name is theirs to see.
   */
  async function recordNames(t: Translate, ids: readonly string[]): Promise<Map<string, NamedRecord>> {
    const wanted = [...new Set(ids.map((id) => id.toLowerCase()))];
    const names = new Map<string, NamedRecord>();
    if (wanted.length === 0) return names;
    const where = { id: { in: wanted } };
    const [users, organizations, communities, threads, posts] = await Promise.all([
      db.user.findMany({ where, select: { id: true, handle: true, displayName: true } }),
      db.organization.findMany({ where, select: { id: true, name: true } }),
      db.community.findMany({ where, select: { id: true, name: true, slug: true } }),
      db.thread.findMany({ where, select: { id: true, title: true, community: { select: { slug: true } } } }),
      db.post.findMany({
        where,
        select: {
          id: true,
          threadId: true,
          thread: { select: { title: true, community: { select: { slug: true } } } },
        },
      }),
    ]);
    const titled = (title: string) => title || t('threads.untitled');
    for (const user of users) {
      names.set(user.id, { label: `${user.displayName} (@${user.handle})`, href: `/admin/users/${user.id}` });
    }
    for (const organization of organizations) {
      names.set(organization.id, { label: organization.name, href: `/admin/organizations/${organization.id}/edit` });
    }
    for (const community of communities)
      names.set(community.id, { label: community.name, href: `/c/${community.slug}` });
    for (const thread of threads) {
      names.set(thread.id, { label: titled(thread.title), href: `/c/${thread.community.slug}/threads/${thread.id}` });
    }
    for (const post of posts) {
      names.set(post.id, {
        label: t('admin.audit.postIn', { title: titled(post.thread.title) }),
        href: postPath(post.thread.community.slug, post.threadId, post.id),
      });
    }
    return names;
  }

  return {
    /**
     * Newest first, 100 a page; dates are whole days in the site's time zone, both ends included. Each
     * entry comes readable (audit-reading.ts): its action named in `t`'s language, its target and the
     * ids in its details by name, with links to their pages.
     */
    async searchAudit(query: AuditQuery, t: Translate) {
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
      const names = await recordNames(t, [
        ...entries.flatMap((entry) => (entry.targetId && UUID.test(entry.targetId) ? [entry.targetId] : [])),
        ...entries.flatMap((entry) => [...idsInDetails(entry.details)]),
      ]);
      return {
        entries: entries.map((entry) => ({
          ...entry,
          id: entry.id.toString(),
          actionName: actionName(t, entry.action),
          details: readableDetails(t, entry.details, names),
          target: readableTarget(t, entry.targetType ? { type: entry.targetType, id: entry.targetId } : null, names),
        })),
        page: query.page,
        hasNext: rows.length > AUDIT_ENTRIES_PER_PAGE,
      };
    },
  };
}
