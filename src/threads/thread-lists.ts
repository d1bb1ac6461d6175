import type { Viewer } from '../accounts/auth.js';
import type { OpenedCommunity } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { cursorDate, isCursorUuid } from '../search/cursor-values.js';
import { myMembershipJoin, viewerReadsSql } from '../search/readable-communities.js';
import { bylineAuthor, COMMUNITY_FACTS_SELECT, THREAD_SELECT } from './thread-selects.js';
import type { ListQuery } from './threads.schemas.js';

export const TOPIC_THREADS_LIMIT = 50;

// Lists of threads: a community's (pinned first, then latest activity, a keyset page at a time) and
// lists across communities. In the latter the access rules are part of each query (communityAccessWhere),
// so the database filters, orders and limits: nobody is shown less than they may read because of a LIMIT,
// and nothing they may not read is loaded at all.

export const THREADS_PER_PAGE = 25;

/** Keyset cursor of the thread list: the last row's (pinned, last activity, id). */
export function encodeCursor(row: { pinned: boolean; lastActivityAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.pinned ? 1 : 0, row.lastActivityAt.toISOString(), row.id])).toString(
    'base64url',
  );
}

/** How far ahead of the clock a cursor's time may be (clocks of several app processes differ a little). */
const CURSOR_CLOCK_SKEW_MS = 60_000;

/**
 * The position a `?after=` names, or null — the first page — when it does not decode, names a time in
 * the future (no row can be there: a forged or mangled cursor) or an id that is not a UUID. A cursor
 * copied from another list is only a position: it pages this list from there, reading nothing else.
 */
export function decodeCursor(
  text: string | undefined,
  now: Date = new Date(),
): { pinned: boolean; lastActivityAt: Date; id: string } | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [pinned, at, id] = value as unknown[];
    const date = cursorDate(at, now);
    if ((pinned !== 0 && pinned !== 1) || date === null) return null;
    if (date.getTime() > now.getTime() + CURSOR_CLOCK_SKEW_MS) return null;
    if (!isCursorUuid(id)) return null;
    return { pinned: pinned === 1, lastActivityAt: date, id };
  } catch {
    return null;
  }
}

/**
 * A condition on a thread_topics row `tt`: its thread is listed, in a community the viewer may read, and
 * holds a published post on the topic — what the topic page lists. A subquery the planner keeps as a
 * filter (OFFSET 0), so a walk of thread_topics' index stops after a page. Shared with "who knows", which
 * names a topic only when the viewer may read something on it (as the topic page answers 404 otherwise).
 */
export function readableTopicThreadSql(viewer: Viewer | null): Prisma.Sql {
  return Prisma.sql`EXISTS (
    SELECT 1 FROM threads t JOIN communities c ON c.id = t.community_id ${myMembershipJoin(viewer)}
     WHERE t.id = tt.thread_id AND NOT t.restricted AND ${viewerReadsSql(viewer)}
       AND EXISTS (SELECT 1 FROM posts p JOIN post_topics pt ON pt.post_id = p.id AND pt.topic_id = tt.topic_id
                    WHERE p.thread_id = t.id AND p.status = 'PUBLISHED')
    OFFSET 0)`;
}

export function createThreadLists({ db }: { db: Db }) {
  function requireRead(opened: OpenedCommunity): void {
    if (!opened.permissions.read) throw new NotFound('No such community content');
  }

  /**
   * A community's threads, a keyset page at a time. Threads whose opening post is held or hidden are
   * listed to the community's moderators and to their author (marked in the list), to nobody else.
   */
  async function listThreads(opened: OpenedCommunity, query: ListQuery, viewer: Viewer | null = null) {
    requireRead(opened);
    const cursor = decodeCursor(query.after);
    // The page's ids in one statement whose keyset condition is a row comparison on the columns of the
    // index (community_id, pinned DESC, last_activity_at DESC, id DESC): a deep page starts where the
    // cursor points instead of filtering every row above it (Prisma writes an OR that bounds `pinned` only).
    const conditions: Prisma.Sql[] = [Prisma.sql`t.community_id = ${opened.community.id}::uuid`];
    // A thread deleted whole is restricted too, but listed to nobody, moderators and its author included.
    conditions.push(Prisma.sql`t.deleted_at IS NULL`);
    if (!opened.permissions.moderate) {
      // LISTED_THREAD_WHERE (moderation/post-visibility.ts) in SQL: a restricted thread only to its author.
      conditions.push(
        viewer ? Prisma.sql`(NOT t.restricted OR t.author_id = ${viewer.id}::uuid)` : Prisma.sql`NOT t.restricted`,
      );
    }
    if (query.kind) conditions.push(Prisma.sql`t.kind = ${query.kind}::"ThreadKind"`);
    if (query.tag) conditions.push(Prisma.sql`t.tag = ${query.tag}::"PostTag"`);
    // "Unanswered": nobody has replied yet, or a question still has no accepted answer.
    if (query.unanswered) {
      conditions.push(Prisma.sql`(t.reply_count = 0 OR (t.kind = 'QUESTION' AND t.accepted_post_id IS NULL))`);
    }
    if (cursor) {
      conditions.push(
        Prisma.sql`(t.pinned, t.last_activity_at, t.id) < (${cursor.pinned}, ${cursor.lastActivityAt}::timestamptz, ${cursor.id}::uuid)`,
      );
    }
    const ids = await db.$queryRaw<{ id: string }[]>`
      SELECT t.id FROM threads t
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC
       LIMIT ${THREADS_PER_PAGE + 1}`;
    const found =
      ids.length === 0
        ? []
        : await db.thread.findMany({ where: { id: { in: ids.map((row) => row.id) } }, select: THREAD_SELECT });
    const byId = new Map(found.map((row) => [row.id, row]));
    const rows = ids
      .map((row) => byId.get(row.id))
      .filter((row) => row !== undefined)
      .map((row) => (row.author ? { ...row, author: bylineAuthor(viewer, row.author) } : row));
    const page = rows.slice(0, THREADS_PER_PAGE);
    const last = page.at(-1);
    return { threads: page, next: ids.length > THREADS_PER_PAGE && last ? encodeCursor(last) : null };
  }

  /**
   * Threads with a published post on the topic that the viewer may read, latest activity first, a keyset
   * page of TOPIC_THREADS_LIMIT at a time (`after`: the cursor of decodeCursor; one that does not decode is
   * the first page) with the cursor of the next (`next`). A topic with nothing the viewer may read is, for
   * them, a topic that does not exist (`topic: null`, a 404 like an unknown one): a topic used only in a
   * secret community must not be confirmed by a different answer. A page past the last is an empty page of
   * a topic that exists. (It listed the first 50 and no more.)
   */
  async function topicThreads(slug: string, viewer: Viewer | null, after?: string) {
    const topic = await db.topic.findUnique({ where: { slug }, select: { id: true, slug: true, label: true } });
    if (!topic) return { topic: null, threads: [], next: null };
    const cursor = decodeCursor(after);
    // The topic's threads newest activity first from thread_topics' own index, each checked as it comes
    // (a subquery the planner keeps as a filter: OFFSET 0) until a page is full: walking every thread of the
    // site by activity and reading each one's posts for the topic cost 30 ms at 100,000 threads. The
    // keyset condition is a row comparison on the index's columns (topic_id, last_activity_at, thread_id).
    const page = (from: typeof cursor, limit: number) => db.$queryRaw<{ id: string }[]>`
      SELECT tt.thread_id AS id FROM thread_topics tt
       WHERE tt.topic_id = ${topic.id}::uuid AND ${readableTopicThreadSql(viewer)}
         ${from ? Prisma.sql`AND (tt.last_activity_at, tt.thread_id) < (${from.lastActivityAt}::timestamptz, ${from.id}::uuid)` : Prisma.empty}
       ORDER BY tt.last_activity_at DESC, tt.thread_id DESC
       LIMIT ${limit}`;
    const rows = await page(cursor, TOPIC_THREADS_LIMIT + 1);
    // Past the last page: whether the topic is there for the viewer at all is the first page's question.
    if (rows.length === 0 && cursor && (await page(null, 1)).length > 0) return { topic, threads: [], next: null };
    const ids = rows.slice(0, TOPIC_THREADS_LIMIT);
    const found =
      ids.length === 0
        ? []
        : await db.thread.findMany({
            where: { id: { in: ids.map((row) => row.id) } },
            select: { ...THREAD_SELECT, community: { select: COMMUNITY_FACTS_SELECT } },
          });
    const byId = new Map(found.map((row) => [row.id, row]));
    const threads = ids.flatMap((row) => byId.get(row.id) ?? []);
    const last = threads.at(-1);
    const next = rows.length > TOPIC_THREADS_LIMIT && last ? encodeCursor({ ...last, pinned: false }) : null;
    return threads.length === 0 ? { topic: null, threads, next: null } : { topic, threads, next };
  }

  return { listThreads, topicThreads };
}
