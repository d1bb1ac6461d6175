import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { ReviewItemKind } from '../generated/prisma/enums.js';

// The review queue's entries (Discourse's "reviewables"): one pending entry per post and kind, or per
// appeal, opened by whatever needs a moderator (a hold, a report, an appeal) inside that write's
// transaction, and resolved by the moderator's decision inside theirs.

/** The key that keeps one pending entry per subject: `<kind>:<post or appeal id>`. */
export function pendingKeyOf(kind: ReviewItemKind, subjectId: string): string {
  return `${kind}:${subjectId}`;
}

/**
 * The pending entry for this subject, opened if there is none; its id. Safe when two requests open it at
 * once (INSERT … ON CONFLICT on the pending key): both get the same entry.
 */
export async function openReviewItem(
  tx: Prisma.TransactionClient,
  item: { communityId: string; kind: ReviewItemKind; postId?: string | null; appealId?: string | null },
): Promise<string> {
  const subject = item.appealId ?? item.postId;
  if (!subject) throw new Error('A review item needs a post or an appeal');
  const key = pendingKeyOf(item.kind, subject);
  await tx.$executeRaw`
    INSERT INTO review_items (id, community_id, kind, post_id, appeal_id, pending_key)
    VALUES (${randomUUID()}::uuid, ${item.communityId}::uuid, ${item.kind}::"ReviewItemKind",
            ${item.postId ?? null}::uuid, ${item.appealId ?? null}::uuid, ${key})
    ON CONFLICT (pending_key) DO NOTHING`;
  const row = await tx.reviewItem.findUniqueOrThrow({ where: { pendingKey: key }, select: { id: true } });
  return row.id;
}

/** Resolves the pending entries `where` names (now, by the decision being written); how many. */
export async function resolveReviewItems(
  tx: Prisma.TransactionClient,
  where: Prisma.ReviewItemWhereInput,
): Promise<number> {
  const resolved = await tx.reviewItem.updateMany({
    where: { AND: [where, { resolvedAt: null }] },
    data: { resolvedAt: new Date(), pendingKey: null },
  });
  return resolved.count;
}
