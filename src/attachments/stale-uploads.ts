import type { Db } from '../db/client.js';
import { PENDING_UPLOAD_MS } from '../threads/thread-attachments.js';
import type { AttachmentStore } from './attachment-files.js';

const BATCH = 500;

/**
 * Removes files uploaded for a post that never came (older than PENDING_UPLOAD_MS, 24 h): the rows, then
 * the files. A scheduled job runs it; run again, it finds nothing left to do. Returns how many went.
 */
export async function discardStaleUploads(
  { db, store }: { db: Db; store: Pick<AttachmentStore, 'remove'> },
  now: Date = new Date(),
): Promise<number> {
  let removed = 0;
  for (;;) {
    const stale = await db.attachment.findMany({
      where: { postId: null, createdAt: { lt: new Date(now.getTime() - PENDING_UPLOAD_MS) } },
      select: { id: true, storageName: true },
      orderBy: { createdAt: 'asc' },
      take: BATCH,
    });
    if (stale.length === 0) return removed;
    // postId: null again, so a file attached to a post in the meantime stays.
    const { count } = await db.attachment.deleteMany({
      where: { id: { in: stale.map((file) => file.id) }, postId: null },
    });
    const still = new Set(
      (await db.attachment.findMany({ where: { id: { in: stale.map((file) => file.id) } }, select: { id: true } })).map(
        (row) => row.id,
      ),
    );
    for (const file of stale) if (!still.has(file.id)) await store.remove(file.storageName);
    removed += count;
    if (stale.length < BATCH) return removed;
  }
}
