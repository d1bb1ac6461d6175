import type { CommunityActor } from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import { communityAccessSql } from '../communities/community-access-where.js';
import { actorOf } from '../communities/opened-community.js';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { POST_KINDS_BY_PRECEDENCE } from './notification-rules.js';

// The two numbers in every signed-in page's header — unread notifications and entries waiting in the
// review queues the person moderates — in one SQL statement. Written with Prisma's where (one count
// each), the notification count alone cost PostgreSQL 4–16 ms a request just to plan (a dozen joins and
// EXISTS, planned again on every page): more than the rest of most pages. The conditions here are
// visibleNotificationWhere and the moderation service's moderatedWhere written in SQL;
// tests/integration/header-counts.test.ts checks both against them over the access matrix.

/** Notification kinds about a post (shown while the post is readable), as visibleNotificationWhere lists them. */
const POST_KINDS = [...POST_KINDS_BY_PRECEDENCE, 'REACTIONS'];

/** Names from our own enums, written into the SQL as literals (a list the planner reads as a constant). */
function literals(names: readonly string[]): Prisma.Sql {
  for (const name of names) if (!/^[A-Z_]+$/.test(name)) throw new Error(`not an enum name: ${name}`);
  return Prisma.raw(names.map((name) => `'${name}'`).join(', '));
}

/**
 * visibleNotificationWhere in SQL: a condition on a notifications row aliased `n`, joined (LEFT JOIN, each
 * on its key; notificationJoins) to its post `p`, the post's thread `th`, its community `c` and the
 * recipient's membership of that community `my` — the recipient's, and about something they may read
 * now: a published post in a listed thread of a community they may read; an accepted answer while still
 * accepted; a join request to a community they still moderate; an invitation that stands; decisions and
 * exports always.
 */
export function visibleNotificationSql(actor: CommunityActor): Prisma.Sql {
  if (actor.status !== 'ACTIVE') return Prisma.sql`FALSE`;
  const reads = communityAccessSql(actor, 'read', 'c', 'my');
  const sees = communityAccessSql(actor, 'see', 'c', 'my');
  const readablePost = Prisma.sql`(p.status = 'PUBLISHED' AND NOT th.restricted)`;
  return Prisma.sql`(n.recipient_id = ${actor.id}::uuid AND (
      n.kind IN ('MODERATION', 'DATA_EXPORT')
      OR (n.kind IN (${literals(POST_KINDS)}) AND ${readablePost} AND c.id IS NOT NULL AND ${reads})
      OR (n.kind = 'ANSWER_ACCEPTED' AND ${readablePost} AND c.id IS NOT NULL AND ${reads}
          AND EXISTS (SELECT 1 FROM threads a WHERE a.accepted_post_id = p.id))
      OR (n.kind = 'JOIN_REQUEST' AND c.id IS NOT NULL AND ${reads}
          AND my.state = 'ACTIVE' AND my.role IN ('OWNER', 'MODERATOR'))
      OR (n.kind = 'INVITATION' AND c.id IS NOT NULL AND ${sees} AND my.state = 'INVITED')))`;
}

/** The joins visibleNotificationSql reads, for the recipient `actorId`. */
export function notificationJoins(actorId: string): Prisma.Sql {
  return Prisma.sql`LEFT JOIN posts p ON p.id = n.post_id
      LEFT JOIN threads th ON th.id = p.thread_id
      LEFT JOIN communities c ON c.id = n.community_id
      LEFT JOIN memberships my ON my.community_id = c.id AND my.user_id = ${actorId}::uuid`;
}

/**
 * The moderation service's moderatedWhere in SQL, on a communities row aliased `c` joined to the viewer's
 * membership `my`: the communities this viewer moderates (every one for a site admin; none before the
 * e-mail address is verified).
 */
export function moderatedCommunitySql(viewer: Viewer): Prisma.Sql {
  if (viewer.role === 'ADMIN') return Prisma.sql`TRUE`;
  if (!viewer.emailVerified) return Prisma.sql`FALSE`;
  return Prisma.sql`(my.state = 'ACTIVE' AND my.role IN ('OWNER', 'MODERATOR')
                     AND ${communityAccessSql(actorOf(viewer), 'read', 'c', 'my')})`;
}

export interface HeaderCounts {
  /** Unread notifications the person may read now, counted up to `bellMax + 1` (the header shows "99+"). */
  readonly unread: number;
  /** Entries waiting in the review queues of the communities they moderate. */
  readonly pendingReview: number;
}

/**
 * Both header numbers in one statement. The unread count walks the partial index
 * `notifications_unread_idx (recipient_id) WHERE read_at IS NULL` and stops at `bellMax + 1`, so its cost
 * is bounded whatever the history; the pending count starts from the person's own memberships. Each table
 * is joined once on its key (no EXISTS per membership state): the first SQL version, with a subquery per
 * rule, took PostgreSQL about 10 ms to plan on every page.
 */
export async function headerCounts(db: Db, viewer: Viewer, bellMax: number): Promise<HeaderCounts> {
  const actor = actorOf(viewer);
  if (!actor) return { unread: 0, pendingReview: 0 };
  // A site admin's queue is every community's: no membership to start from.
  const pending =
    viewer.role === 'ADMIN'
      ? Prisma.sql`SELECT count(*)::int FROM review_items ri WHERE ri.resolved_at IS NULL`
      : Prisma.sql`SELECT count(*)::int FROM memberships my
          JOIN communities c ON c.id = my.community_id
          JOIN review_items ri ON ri.community_id = c.id AND ri.resolved_at IS NULL
         WHERE my.user_id = ${viewer.id}::uuid AND ${moderatedCommunitySql(viewer)}`;
  // Prepared on each connection (db/client.ts): PostgreSQL spent ~5 ms a signed-in page planning it, 0.1 ms
  // running it prepared. Its text varies only with the kind of viewer (every value is a parameter), so
  // each connection keeps a few versions at most.
  const [row] = await db.$queryRaw<{ unread: number; pending: number }[]>`${Prisma.raw(PREPARED_STATEMENT)}
    SELECT
      (SELECT count(*)::int FROM (
         SELECT 1 FROM notifications n ${notificationJoins(actor.id)}
          WHERE n.recipient_id = ${actor.id}::uuid AND n.read_at IS NULL AND ${visibleNotificationSql(actor)}
          LIMIT ${bellMax + 1}) AS unread_rows) AS unread,
      (${pending}) AS pending`;
  return { unread: row?.unread ?? 0, pendingReview: row?.pending ?? 0 };
}
