import type { Viewer } from '../accounts/auth.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { COMMUNITY_FACTS_SELECT, THREAD_SELECT } from './thread-selects.js';

export const TOPIC_THREADS_LIMIT = 50;
export const RECENT_THREADS_LIMIT = 10;

// Lists of threads across communities. The access rules are part of each query (communityAccessWhere),
// so the database filters, orders and limits: nobody is shown less than they may read because of a LIMIT,
// and nothing they may not read is loaded at all.

export function createThreadLists({ db }: { db: Db }) {
  /**
   * Threads with a published post on the topic that the viewer may read, latest activity first. A topic
   * with nothing the viewer may read is, for them, a topic that does not exist (`topic: null`, a 404 like
   * an unknown one): a topic used only in a secret community must not be confirmed by a different answer.
   */
  async function topicThreads(slug: string, viewer: Viewer | null) {
    const topic = await db.topic.findUnique({ where: { slug }, select: { id: true, slug: true } });
    if (!topic) return { topic: null, threads: [] };
    const threads = await db.thread.findMany({
      where: {
        posts: { some: { status: 'PUBLISHED', topics: { some: { topicId: topic.id } } } },
        community: communityAccessWhere(actorOf(viewer), 'read'),
      },
      select: { ...THREAD_SELECT, community: { select: COMMUNITY_FACTS_SELECT } },
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
      take: TOPIC_THREADS_LIMIT,
    });
    return threads.length === 0 ? { topic: null, threads } : { topic, threads };
  }

  /** The latest conversations in the communities where the viewer is an active member, for the home page. */
  async function recentForMember(viewer: Viewer, limit = RECENT_THREADS_LIMIT) {
    return db.thread.findMany({
      where: {
        community: {
          AND: [
            { memberships: { some: { userId: viewer.id, state: 'ACTIVE' } } },
            // A membership counts only while its holder is in the audience: the access rules have the last word.
            communityAccessWhere(actorOf(viewer), 'read'),
          ],
        },
      },
      select: { ...THREAD_SELECT, community: { select: COMMUNITY_FACTS_SELECT } },
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  return { topicThreads, recentForMember };
}
