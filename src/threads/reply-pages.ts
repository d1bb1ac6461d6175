import type { Db } from '../db/client.js';
import type { PostStatus } from '../generated/prisma/enums.js';

// A long thread is read a page at a time: past PAGED_FROM replies, its page shows the opening post and
// REPLIES_PER_PAGE replies (each with the answers under it), with links to the other pages, as Discourse
// and NodeBB do. A short thread stays one page, as before. Pages count replies to the thread (not the
// answers nested under them), in conversation order.

/** Replies (answers included, as threads.reply_count counts them) above which a thread is paged. */
export const PAGED_FROM = 250;
/** Replies to the thread (each with its answers) on one page of a paged thread. */
export const REPLIES_PER_PAGE = 200;

/** Which page the reader asks for: a number, the last one, or the one holding a post (`at`). */
export interface ReplyPageRequest {
  readonly page?: number | 'last' | undefined;
  readonly at?: string | undefined;
}

/** The posts a page shows (null: every post of a short thread), and where it is among the pages. */
export interface ReplyPage {
  readonly postIds: string[] | null;
  /** 1-based; 1 for a short thread. */
  readonly page: number;
  readonly pages: number;
}

/** The page a request names, kept within 1…pages (a page past the end is the last one, never an error). */
export function resolvePage(request: ReplyPageRequest, pages: number, rankOfAt: number | null): number {
  if (rankOfAt !== null) return Math.floor(rankOfAt / REPLIES_PER_PAGE) + 1;
  if (request.page === 'last') return pages;
  const asked = typeof request.page === 'number' && Number.isInteger(request.page) ? request.page : 1;
  return Math.min(Math.max(1, asked), pages);
}

/**
 * The page of a thread's replies the request names, for a thread with `replyCount` replies. Short threads:
 * no query, every post. Long ones: a count of the replies to the thread, the rank of the `at` post's reply
 * (when asked, and only of a post `mayView` lets this viewer see: a held or hidden post's id opens the page
 * any unknown id opens, so it tells nobody where, or whether, it is), then the ids of the page's posts — the opening post, the page's replies and their answers —
 * in one statement on the index posts(thread_id, created_at, id).
 */
export async function replyPage(
  db: Db,
  thread: { id: string; replyCount: number },
  request: ReplyPageRequest,
  mayView: (post: { status: PostStatus; authorId: string | null }) => boolean = () => true,
): Promise<ReplyPage> {
  if (thread.replyCount <= PAGED_FROM) return { postIds: null, page: 1, pages: 1 };
  const topLevel = { threadId: thread.id, parentId: null, isOpening: false } as const;
  const [count, rank] = await Promise.all([
    db.post.count({ where: topLevel }),
    rankOf(db, thread.id, request.at, mayView),
  ]);
  const pages = Math.max(1, Math.ceil(count / REPLIES_PER_PAGE));
  const page = Math.min(resolvePage(request, pages, rank), pages);
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH page AS (
      SELECT id FROM posts
       WHERE thread_id = ${thread.id}::uuid AND parent_id IS NULL AND NOT is_opening
       ORDER BY created_at, id
      OFFSET ${(page - 1) * REPLIES_PER_PAGE} LIMIT ${REPLIES_PER_PAGE})
    SELECT id FROM posts WHERE thread_id = ${thread.id}::uuid AND is_opening
    UNION ALL SELECT id FROM page
    UNION ALL SELECT p.id FROM posts p JOIN page ON p.parent_id = page.id WHERE p.thread_id = ${thread.id}::uuid`;
  return { postIds: rows.map((row) => row.id), page, pages };
}

/**
 * How many replies to the thread come before the one holding post `at` (itself or its parent); null if
 * there is no such post in the thread or `mayView` says this viewer may not see it.
 */
async function rankOf(
  db: Db,
  threadId: string,
  at: string | undefined,
  mayView: (post: { status: PostStatus; authorId: string | null }) => boolean,
): Promise<number | null> {
  if (!at) return null;
  const rows = await db.$queryRaw<{ status: PostStatus; author_id: string | null; rank: bigint }[]>`
    WITH target AS (
      SELECT COALESCE(parent.id, p.id) AS id, COALESCE(parent.created_at, p.created_at) AS created_at,
             p.status::text AS status, p.author_id::text AS author_id
        FROM posts p LEFT JOIN posts parent ON parent.id = p.parent_id
       WHERE p.id = ${at}::uuid AND p.thread_id = ${threadId}::uuid AND NOT p.is_opening)
    SELECT target.status, target.author_id,
           (SELECT count(*) FROM posts
             WHERE posts.thread_id = ${threadId}::uuid AND posts.parent_id IS NULL AND NOT posts.is_opening
               AND (posts.created_at, posts.id) < (target.created_at, target.id)) AS rank
      FROM target`;
  const row = rows[0];
  return row && mayView({ status: row.status, authorId: row.author_id }) ? Number(row.rank) : null;
}
