import type { Viewer } from '../accounts/auth.js';
import { actorOf, type OpenedCommunity } from '../communities/communities.service.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { NotFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { LISTED_THREAD_WHERE, READABLE_POST_WHERE } from '../moderation/post-visibility.js';
import { COMMUNITY_FACTS_SELECT, THREAD_SELECT } from './thread-selects.js';
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

export function decodeCursor(text: string | undefined): { pinned: boolean; lastActivityAt: Date; id: string } | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [pinned, at, id] = value as unknown[];
    const date = new Date(String(at));
    if ((pinned !== 0 && pinned !== 1) || Number.isNaN(date.getTime())) return null;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { pinned: pinned === 1, lastActivityAt: date, id };
  } catch {
    return null;
  }
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
    const filters: Prisma.ThreadWhereInput[] = [{ communityId: opened.community.id }];
    if (!opened.permissions.moderate) {
      filters.push(viewer ? { OR: [LISTED_THREAD_WHERE, { authorId: viewer.id }] } : LISTED_THREAD_WHERE);
    }
    if (query.kind) filters.push({ kind: query.kind });
    if (query.tag) filters.push({ tag: query.tag });
    // "Unanswered": nobody has replied yet, or a question still has no accepted answer.
    if (query.unanswered) filters.push({ OR: [{ replyCount: 0 }, { kind: 'QUESTION', acceptedPostId: null }] });
    if (cursor) {
      const later: Prisma.ThreadWhereInput = {
        OR: [
          { lastActivityAt: { lt: cursor.lastActivityAt } },
          { lastActivityAt: cursor.lastActivityAt, id: { lt: cursor.id } },
        ],
      };
      filters.push(
        cursor.pinned ? { OR: [{ pinned: false }, { pinned: true, ...later }] } : { pinned: false, ...later },
      );
    }
    const rows = await db.thread.findMany({
      where: { AND: filters },
      select: THREAD_SELECT,
      orderBy: [{ pinned: 'desc' }, { lastActivityAt: 'desc' }, { id: 'desc' }],
      take: THREADS_PER_PAGE + 1,
    });
    const page = rows.slice(0, THREADS_PER_PAGE);
    const last = page.at(-1);
    return { threads: page, next: rows.length > THREADS_PER_PAGE && last ? encodeCursor(last) : null };
  }

  /**
   * Threads with a published post on the topic that the viewer may read, latest activity first. A topic
   * with nothing the viewer may read is, for them, a topic that does not exist (`topic: null`, a 404 like
   * an unknown one): a topic used only in a secret community must not be confirmed by a different answer.
   */
  async function topicThreads(slug: string, viewer: Viewer | null) {
    const topic = await db.topic.findUnique({ where: { slug }, select: { id: true, slug: true, label: true } });
    if (!topic) return { topic: null, threads: [] };
    const threads = await db.thread.findMany({
      where: {
        ...LISTED_THREAD_WHERE,
        posts: { some: { ...READABLE_POST_WHERE, topics: { some: { topicId: topic.id } } } },
        community: communityAccessWhere(actorOf(viewer), 'read'),
      },
      select: { ...THREAD_SELECT, community: { select: COMMUNITY_FACTS_SELECT } },
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
      take: TOPIC_THREADS_LIMIT,
    });
    return threads.length === 0 ? { topic: null, threads } : { topic, threads };
  }

  return { listThreads, topicThreads };
}
