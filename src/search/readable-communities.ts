import type { Viewer } from '../accounts/auth.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessSql } from '../communities/community-access-where.js';
import { Prisma } from '../generated/prisma/client.js';

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
