import type { Prisma } from '../generated/prisma/client.js';
import type { TopicReference } from '../markdown/post-markdown.js';

/**
 * Gives a post exactly these topics, inside the caller's transaction: topics new to the site are created
 * with the label written here (an existing topic keeps the label it was first written with), and the
 * post's former topics are let go of. Keys come from topicKey (src/markdown/post-markdown.ts).
 */
export async function linkTopics(
  tx: Prisma.TransactionClient,
  postId: string,
  topics: readonly TopicReference[],
): Promise<void> {
  await tx.postTopic.deleteMany({ where: { postId } });
  if (topics.length === 0) return;
  await tx.topic.createMany({
    data: topics.map((topic) => ({ slug: topic.key, label: topic.label })),
    skipDuplicates: true,
  });
  const [rows, post] = await Promise.all([
    tx.topic.findMany({ where: { slug: { in: topics.map((topic) => topic.key) } }, select: { id: true } }),
    tx.post.findUniqueOrThrow({ where: { id: postId }, select: { createdAt: true } }),
  ]);
  // The post's own time (not an edit's): the feed reads a topic's posts newest first from this.
  await tx.postTopic.createMany({
    data: rows.map((topic) => ({ postId, topicId: topic.id, createdAt: post.createdAt })),
    skipDuplicates: true,
  });
}
