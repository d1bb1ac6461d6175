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
}

const EARLIER_SELECT = {
  id: true,
  threadId: true,
  thread: { select: { community: { select: { slug: true } } } },
} as const;

type Client = Db | Prisma.TransactionClient;

function earlierOf(
  row: { id: string; threadId: string; thread: { community: { slug: string } } } | null,
): EarlierSubmission | null {
  return row ? { postId: row.id, threadId: row.threadId, communitySlug: row.thread.community.slug } : null;
}

/** The post written with this key by this author, if any (a key not of the expected shape finds nothing). */
export async function findByKey(client: Client, authorId: string, key: unknown): Promise<EarlierSubmission | null> {
  if (!isSubmissionKey(key)) return null;
  const row = await client.post.findUnique({
    where: { authorId_submissionKey: { authorId, submissionKey: key } },
    select: EARLIER_SELECT,
  });
  return earlierOf(row);
}

/** The post an earlier copy of this submission wrote: by its key, else by its words in the same place. */
export async function findEarlierSubmission(
  client: Client,
  authorId: string,
  place: SubmissionPlace,
  now: Date = new Date(),
): Promise<EarlierSubmission | null> {
  if (isSubmissionKey(place.submissionKey)) return findByKey(client, authorId, place.submissionKey);
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
  return earlierOf(row);
}

/** Serializes one author's post writes until the transaction ends (so the check above sees the other's work). */
export async function lockAuthorWrites(tx: Prisma.TransactionClient, authorId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`post-writes:${authorId}`}, 0))`;
}
