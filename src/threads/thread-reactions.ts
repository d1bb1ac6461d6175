import type { Viewer } from '../accounts/auth.js';
import type { Db } from '../db/client.js';
import { NotFound, Refused } from '../errors.js';
import type { ReactionKind } from '../generated/prisma/enums.js';
import { lockThreadRow } from '../moderation/post-status.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import type { OpenedThread, ThreadReading } from './thread-reading.js';

// Reactions to posts: one of each kind per person and post, counted on the thread page (thread-reading.ts).

/**
 * Reactions nobody gives their own post: "útil" is what others found useful — it ranks answers in
 * search and people in "who knows", and shows in the balance — so it is never self-given (issue 14,
 * item 8). A "me gusta" of one's own is harmless and allowed.
 */
export const NOT_FOR_OWN_POSTS: readonly ReactionKind[] = ['USEFUL'];

/** Whether a person may give their own post a reaction of this kind. */
export function mayReactToOwnPost(kind: ReactionKind): boolean {
  return !NOT_FOR_OWN_POSTS.includes(kind);
}

export function createThreadReactions({
  db,
  events,
  postOf,
}: {
  db: Db;
  events: Pick<NotificationEvents, 'reacted'>;
  postOf: ThreadReading['postOf'];
}) {
  /**
   * Sets one of the viewer's reactions (one of each kind per person and post) to the state the button
   * showed it would: `on` adds it, `off` takes it back. Sent twice, or from a stale page, it is the same.
   */
  async function setReaction(
    openedThread: OpenedThread,
    viewer: Viewer,
    postId: string,
    kind: ReactionKind,
    on: boolean,
  ) {
    const { opened, thread } = openedThread;
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    if (!opened.permissions.post) throw new Refused('threads.refused.notMember');
    const post = await postOf(openedThread, viewer, postId);
    if (post.status !== 'PUBLISHED') throw new NotFound('No such post');
    if (on && post.authorId === viewer.id && !mayReactToOwnPost(kind)) throw new Refused('threads.refused.ownUseful');
    // The thread's row first (post-status.ts lockThreadRow): the reaction's foreign key locks its post (FOR KEY
    // SHARE) before the page_version trigger locks the thread's row, so a writer holding the row and then
    // locking the post FOR UPDATE (an erasure taking the author away) would wait for it crosswise.
    const added = await db.$transaction(async (tx) => {
      await lockThreadRow(tx, thread.id);
      if (!on) {
        await tx.reaction.deleteMany({ where: { postId: post.id, userId: viewer.id, kind } });
        return 0;
      }
      return (
        await tx.reaction.createMany({
          data: [{ postId: post.id, userId: viewer.id, kind }],
          skipDuplicates: true,
        })
      ).count;
    });
    // The author hears of it in a batch ("3 people found your answer useful"): see notification-fanout.ts.
    if (added > 0 && post.authorId !== viewer.id) await events.reacted(post.id, kind);
  }

  return { setReaction };
}
