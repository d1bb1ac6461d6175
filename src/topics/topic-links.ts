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
  const rows = await tx.topic.findMany({
    where: { slug: { in: topics.map((topic) => topic.key) } },
    select: { id: true },
  });
  await tx.postTopic.createMany({ data: rows.map((topic) => ({ postId, topicId: topic.id })), skipDuplicates: true });
}
