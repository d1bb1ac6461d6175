import type { Viewer } from '../accounts/auth.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessSql, communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * The communities a viewer may read, for raw SQL that cannot take a Prisma condition: `null` for a site
 * admin (every community), or the ids (possibly none). The same condition as every page
 * (communityAccessWhere, checked against can() by tests/integration/community-access-where.test.ts), so
 * search, the feed and the rankings show exactly what the pages would.
 */
export async function readableCommunityIds(db: Db, viewer: Viewer | null): Promise<string[] | null> {
  const actor = actorOf(viewer);
  if (actor !== null && actor.status === 'ACTIVE' && actor.role === 'ADMIN') return null;
  const rows = await db.community.findMany({ where: communityAccessWhere(actor, 'read'), select: { id: true } });
  return rows.map((row) => row.id);
}

/** `<column> = ANY(ids)`, or true for a site admin. */
export function communityIn(column: Prisma.Sql, ids: readonly string[] | null): Prisma.Sql {
  if (ids === null) return Prisma.sql`TRUE`;
  return Prisma.sql`${column} = ANY(${[...ids]}::uuid[])`;
}

/** The nil UUID (RFC 9562 §5.9): no account has it, so a join on it finds no membership. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * `LEFT JOIN memberships my` on the viewer's own membership of the community aliased `c` (the primary key:
 * at most one row; none when signed out), for communityAccessSql(actor, action, 'c', 'my') — the access rule
 * decided per row of a raw query, the same as communityAccessWhere.
 */
export function myMembershipJoin(viewer: Viewer | null): Prisma.Sql {
  return Prisma.sql`LEFT JOIN memberships my ON my.community_id = c.id AND my.user_id = ${viewer?.id ?? NIL_UUID}::uuid`;
}

/** communityAccessSql for the viewer, on `c` and the membership `my` of myMembershipJoin. */
export function viewerReadsSql(viewer: Viewer | null): Prisma.Sql {
  return communityAccessSql(actorOf(viewer), 'read', 'c', 'my');
}
