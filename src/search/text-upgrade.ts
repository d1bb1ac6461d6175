import type { Db } from '../db/client.js';
import { findReferences } from '../markdown/post-markdown.js';
import { lockThreadsOfPosts } from '../moderation/post-status.js';
import { linkTopics } from '../topics/topic-links.js';
import { postTextFields, TEXT_VERSION } from './post-text.js';

/**
 * Brings posts written under an older text normalisation up to TEXT_VERSION: their language is detected
 * (which re-indexes them for search through the trigger) and their topics recomputed with the current
 * keys, so that #año and #ano, merged by the old normalisation, are two topics again, and #col·legi is no
 * longer #col. Topics left with no post and no follower are removed; a label that was only the old key
 * takes the form written in the post.
 *
 * Idempotent and resumable: it works in batches of `batchSize` posts, each in its own transaction, and a
 * post once upgraded is never read again. Returns how many posts it upgraded. Run after the migrations
 * (src/server.ts, npm run db:migrate).
 */
export async function upgradePostText(db: Db, { batchSize = 500 } = {}): Promise<number> {
  let upgraded = 0;
  for (;;) {
    const posts = await db.post.findMany({
      where: { textVersion: { lt: TEXT_VERSION } },
      select: { id: true, source: true, isOpening: true, thread: { select: { title: true } } },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (posts.length === 0) break;
    await db.$transaction(async (tx) => {
      // The threads' rows before their posts' (post-status.ts lockThreadRow): a reply being written holds its
      // thread's row and then the reply it answers.
      await lockThreadsOfPosts(
        tx,
        posts.map((post) => post.id),
      );
      for (const post of posts) {
        const { topics } = findReferences(post.source);
        await linkTopics(tx, post.id, topics);
        for (const topic of topics) {
          await tx.topic.updateMany({
            where: { slug: topic.key, label: topic.key, NOT: { label: topic.label } },
            data: { label: topic.label },
          });
        }
        await tx.post.update({
          where: { id: post.id },
          data: postTextFields(post.isOpening ? post.thread.title : null, post.source),
        });
      }
    });
    upgraded += posts.length;
  }
  if (upgraded > 0) await db.topic.deleteMany({ where: { posts: { none: {} }, followers: { none: {} } } });
  return upgraded;
}
