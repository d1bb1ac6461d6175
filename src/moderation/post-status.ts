import type { Prisma } from '../generated/prisma/client.js';
import type { PostStatus } from '../generated/prisma/enums.js';
import { isReadable, isRestricted } from './post-visibility.js';

/** The post whose status changes, as the transition needs it. */
export interface StatusSubject {
  readonly id: string;
  readonly threadId: string;
  readonly isOpening: boolean;
}

/**
 * Locks the thread's row, as the first thing a transaction that writes its posts does. Every statement on a
 * thread's posts (or their reactions, files, decisions, mentions) ends in the trigger that bumps the thread's
 * page_version (ADR 024), which holds the thread's row until commit; a reply holds it first and then locks
 * the reply it answers FOR SHARE (post-writing.ts reply). A writer that locked a post first and met the
 * trigger after would wait for the reply crosswise while the reply waited for it: a deadlock, a 500. Taking
 * the row first, it waits before it holds anything the reply needs.
 */
export async function lockThreadRow(tx: Prisma.TransactionClient, threadId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM threads WHERE id = ${threadId}::uuid FOR NO KEY UPDATE`;
}

/**
 * Locks the rows of the threads of `postIds`, in id order, as the first thing a transaction that writes
 * posts of several threads does (a batch, an erasure): lockThreadRow's reason, for many threads at once.
 */
export async function lockThreadsOfPosts(tx: Prisma.TransactionClient, postIds: readonly string[]): Promise<void> {
  if (postIds.length === 0) return;
  await tx.$queryRaw`
    SELECT 1 FROM threads
     WHERE id IN (SELECT thread_id FROM posts WHERE id = ANY(${[...postIds]}::uuid[]))
     ORDER BY id FOR NO KEY UPDATE`;
}

/**
 * Moves a post from one status to another inside `tx`, with everything that follows from it: the thread's
 * count of published replies, an accepted answer that is no longer readable, and the thread's
 * `restricted` flag when the opening post is held or hidden (post-visibility.ts). Only a post still in
 * `from` moves (a concurrent decision wins); returns whether it moved. `bump` moves the thread's latest
 * activity to now (a held reply published for the first time).
 */
export async function changePostStatus(
  tx: Prisma.TransactionClient,
  post: StatusSubject,
  from: PostStatus,
  to: PostStatus,
  { bump = false }: { bump?: boolean } = {},
): Promise<boolean> {
  await lockThreadRow(tx, post.threadId);
  const moved = await tx.post.updateMany({ where: { id: post.id, status: from }, data: { status: to } });
  if (moved.count === 0) return false;
  const wasReadable = isReadable(from);
  const readable = isReadable(to);
  if (post.isOpening) {
    await tx.thread.update({
      where: { id: post.threadId },
      data: { restricted: isRestricted(to), ...(bump ? { lastActivityAt: new Date() } : {}) },
    });
  } else if (wasReadable !== readable) {
    await tx.thread.update({
      where: { id: post.threadId },
      data: {
        replyCount: { increment: readable ? 1 : -1 },
        ...(readable && bump ? { lastActivityAt: new Date() } : {}),
      },
    });
  }
  if (!readable) {
    await tx.thread.updateMany({
      where: { id: post.threadId, acceptedPostId: post.id },
      data: { acceptedPostId: null },
    });
  }
  return true;
}
