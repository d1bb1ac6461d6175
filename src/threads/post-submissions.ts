import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { isSubmissionKey, RESUBMISSION_WINDOW_MS } from './post-changes.js';

// A form sent twice (a double click, a request the browser or a proxy sent again) publishes once.
// Every post form carries a one-time submission key (a hidden field); the post stores it, unique per
// author, and the same key sent again finds that post instead of writing a second one. A client that
// sends no key is protected the same way for a few minutes: the same author's same words in the same
// place are the same submission. Both checks run again inside the write transaction after taking a
// per-author lock, so two copies of one request arriving together wait for each other.

/** Where a post being written would go, and what it says. */
export interface SubmissionPlace {
  readonly communityId: string;
  /** The thread replied to; null when the submission opens a thread. */
  readonly threadId: string | null;
  readonly parentId: string | null;
  /** The new thread's title (opening posts only). */
  readonly title: string | null;
  readonly body: string;
  readonly submissionKey?: string | undefined;
}

/** The post an earlier copy of the submission wrote. */
export interface EarlierSubmission {
  readonly postId: string;
  readonly threadId: string;
  readonly communitySlug: string;
  /** Written, but held for review: only its author and the moderators see it. */
  readonly held: boolean;
}

/** What to do with a submission: answer with the post already written, or write one (storing `key`). */
export interface SubmissionCheck {
  readonly earlier: EarlierSubmission | null;
  /** The key to store with a new post: null when there is none, or when it already names another text. */
  readonly key: string | null;
}

const EARLIER_SELECT = {
  id: true,
  threadId: true,
  parentId: true,
  isOpening: true,
  source: true,
  status: true,
  thread: { select: { title: true, communityId: true, community: { select: { slug: true } } } },
} as const;

type Client = Db | Prisma.TransactionClient;
type EarlierRow = Prisma.PostGetPayload<{ select: typeof EARLIER_SELECT }>;

function earlierOf(row: EarlierRow): EarlierSubmission {
  return {
    postId: row.id,
    threadId: row.threadId,
    communitySlug: row.thread.community.slug,
    held: row.status === 'HELD',
  };
}

/** Whether a post written earlier holds these words (and, for an opening post, this title). */
function sameWords(row: EarlierRow, words: { body: string; title: string | null }): boolean {
  if (row.source !== words.body.trim()) return false;
  return words.title === null ? !row.isOpening : row.isOpening && row.thread.title === words.title.trim();
}

/**
 * The post written with this key by this author, if it holds the same words. A key sent again with other
 * words is a form the author went back to and changed: not a copy of the first submission, so it finds
 * nothing (and nothing they typed is lost).
 */
export async function findByKey(
  client: Client,
  authorId: string,
  key: unknown,
  words: { body: string; title: string | null },
): Promise<EarlierSubmission | null> {
  if (!isSubmissionKey(key)) return null;
  const row = await client.post.findUnique({
    where: { authorId_submissionKey: { authorId, submissionKey: key } },
    select: EARLIER_SELECT,
  });
  return row && sameWords(row, words) ? earlierOf(row) : null;
}

/**
 * Whether this submission was already written: by its key (a fresh key is a new submission), else — no
 * key, or a key already used for other words — by the same words in the same place within minutes.
 */
export async function checkSubmission(
  client: Client,
  authorId: string,
  place: SubmissionPlace,
  now: Date = new Date(),
): Promise<SubmissionCheck> {
  const key = isSubmissionKey(place.submissionKey) ? place.submissionKey : null;
  if (key !== null) {
    const row = await client.post.findUnique({
      where: { authorId_submissionKey: { authorId, submissionKey: key } },
      select: EARLIER_SELECT,
    });
    if (row === null) return { earlier: null, key };
    const samePlace =
      place.threadId === null
        ? row.isOpening && row.thread.communityId === place.communityId
        : row.threadId === place.threadId && row.parentId === place.parentId;
    if (samePlace && sameWords(row, place)) return { earlier: earlierOf(row), key: null };
  }
  const row = await client.post.findFirst({
    where: {
      authorId,
      source: place.body,
      createdAt: { gte: new Date(now.getTime() - RESUBMISSION_WINDOW_MS) },
      ...(place.threadId === null
        ? { isOpening: true, thread: { communityId: place.communityId, title: place.title ?? '' } }
        : { isOpening: false, threadId: place.threadId, parentId: place.parentId }),
    },
    select: EARLIER_SELECT,
    orderBy: { createdAt: 'desc' },
  });
  // A key already used (for other words) is not stored again: it stays the first submission's.
  return row ? { earlier: earlierOf(row), key: null } : { earlier: null, key: null };
}

/** Serializes one author's post writes until the transaction ends (so the check above sees the other's work). */
export async function lockAuthorWrites(tx: Prisma.TransactionClient, authorId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`post-writes:${authorId}`}, 0))`;
}
