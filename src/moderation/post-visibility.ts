import type { Prisma } from '../generated/prisma/client.js';
import type { PostStatus } from '../generated/prisma/enums.js';

// Who sees a post, by its status (issue 10). One rule for every page, list, count, search, notification
// and feed: PUBLISHED posts are read by whoever may read the community; HELD, REJECTED and HIDDEN posts
// by their author and the community's moderators only, in place on the thread page and in the review
// queue, nowhere else. A thread whose opening post is not visible is `restricted`: listed nowhere, and
// its page answers 404 to anyone else, like a thread that does not exist.

/** Statuses a moderator's decision keeps from readers (the author and the moderators still see them). */
export const RESTRICTED_POST_STATUSES: readonly PostStatus[] = ['HELD', 'REJECTED', 'HIDDEN'];

/** Whether readers of the community see this post's words. */
export function isReadable(status: PostStatus): boolean {
  return status === 'PUBLISHED';
}

/** Whether a status keeps a post from readers by a moderation decision (not the author's deletion). */
export function isRestricted(status: PostStatus): boolean {
  return RESTRICTED_POST_STATUSES.includes(status);
}

/** Threads anyone who may read their community may see listed: the opening post is not held or hidden. */
export const LISTED_THREAD_WHERE = { restricted: false } as const satisfies Prisma.ThreadWhereInput;

/** Posts anyone who may read their community may read: published, in a thread that is listed. */
export const READABLE_POST_WHERE = {
  status: 'PUBLISHED',
  thread: LISTED_THREAD_WHERE,
} as const satisfies Prisma.PostWhereInput;
