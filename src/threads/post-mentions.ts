import type { Db } from '../db/client.js';
import { renderPostMarkdown } from '../markdown/post-markdown.js';
import { attachmentUrl } from './attachment-urls.js';

// Mentions know the account's state. A post's HTML is rendered when it is written, with a link for
// every @handle of a person then active. Someone suspended since has no page to link to (their profile
// answers 404), so a post that mentions them is rendered again, from its source, when it is read: the
// same renderer, the same rules, without the suspended handles. Only such posts pay for it; a thread
// page costs one query more (two when one of its posts mentions someone suspended), however long.

/** The HTML to show instead of the stored one, for the posts of `threadId` that mention someone suspended. */
export async function htmlWithoutSuspendedMentions(db: Db, threadId: string): Promise<Map<string, string>> {
  const affected = await db.mention.findMany({
    where: { post: { threadId, status: 'PUBLISHED' }, user: { status: { not: 'ACTIVE' } } },
    select: { postId: true },
  });
  return renderWithoutSuspendedMentions(db, [...new Set(affected.map((row) => row.postId))]);
}

/**
 * The HTML to show instead of the stored one for `postIds`, published posts known to mention someone
 * suspended (the thread page finds them in its own query: thread-reading.ts).
 */
export async function renderWithoutSuspendedMentions(db: Db, postIds: readonly string[]): Promise<Map<string, string>> {
  if (postIds.length === 0) return new Map();
  const posts = await db.post.findMany({
    where: { id: { in: [...postIds] } },
    select: {
      id: true,
      source: true,
      mentions: { where: { user: { status: 'ACTIVE' } }, select: { user: { select: { handle: true } } } },
      attachments: { select: { id: true, displayName: true, isImage: true } },
    },
  });
  return new Map(
    posts.map((post) => {
      const rendered = renderPostMarkdown(post.source, {
        knownHandles: new Set(post.mentions.map((mention) => mention.user.handle.toLowerCase())),
        images: new Map(
          post.attachments
            .filter((file) => file.isImage)
            .map((file) => [file.id, { url: attachmentUrl(file.id, file.displayName) }] as const),
        ),
      });
      return [post.id, rendered.html] as const;
    }),
  );
}
