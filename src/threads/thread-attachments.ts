import type { Viewer } from '../accounts/auth.js';
import { AttachmentNotFoundError, type AttachmentStore, type InspectedFile } from '../attachments/attachment-files.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { Forbidden, NotFound } from '../errors.js';

/** How long an uploaded file waits for the post it was meant for. */
export const PENDING_UPLOAD_MS = 24 * 60 * 60 * 1000;

// The files of posts: stored before the post is judged (so a refused post keeps them), served only to
// those who may read the post. See docs/decisions/006.

export function createThreadAttachments({
  db,
  communities,
  store,
}: {
  db: Db;
  communities: CommunitiesService;
  /** Where the files themselves are kept. */
  store: AttachmentStore;
}) {
  /** Stores files inspected by the route as the author's pending attachments; returns their ids. */
  // Files uploaded with a form that was never sent again (a refused post left for good) are let go after
  // PENDING_UPLOAD_MS by a scheduled job (attachments/stale-uploads.ts), not on anyone's request.
  async function storeUploads(viewer: Viewer, files: readonly InspectedFile[]): Promise<string[]> {
    const ids: string[] = [];
    for (const file of files) {
      const storageName = await store.save(file);
      const row = await db.attachment.create({
        data: {
          uploaderId: viewer.id,
          storageName,
          displayName: file.displayName,
          mimeType: file.mimeType,
          size: file.bytes.length,
          isImage: file.isImage,
          width: file.width,
          height: file.height,
        },
        select: { id: true },
      });
      ids.push(row.id);
    }
    return ids;
  }

  /** Pending attachments named by a form, to show them again (only the viewer's own). */
  async function pendingAttachments(viewer: Viewer, ids: readonly string[]) {
    if (ids.length === 0) return [];
    return db.attachment.findMany({
      where: { id: { in: [...ids] }, uploaderId: viewer.id },
      select: { id: true, displayName: true, isImage: true, size: true, mimeType: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  /**
   * An attachment as the viewer may fetch it: on a published post of a thread they may read, or
   * their own not yet posted. NotFound otherwise, whatever the reason.
   */
  async function openAttachment(attachmentId: string, viewer: Viewer | null, context: AuditContext) {
    const row = await db.attachment.findUnique({
      where: { id: attachmentId },
      select: {
        storageName: true,
        displayName: true,
        mimeType: true,
        isImage: true,
        uploaderId: true,
        post: {
          select: {
            status: true,
            authorId: true,
            thread: { select: { restricted: true, community: { select: { slug: true } } } },
          },
        },
      },
    });
    if (!row) throw new NotFound('No such attachment');
    if (!row.post) {
      if (viewer?.id !== row.uploaderId) throw new NotFound('No such attachment');
    } else {
      const { post } = row;
      if (post.status === 'DELETED') throw new NotFound('No such attachment');
      // Whatever hides the community (unknown to the viewer, or forbidden) hides its files the same way.
      const opened = await communities.open(post.thread.community.slug, viewer, context).catch((error: unknown) => {
        if (error instanceof NotFound || error instanceof Forbidden) return null;
        throw error;
      });
      if (!opened?.permissions.read) throw new NotFound('No such attachment');
      // A held or hidden post's files follow its words: its author and the moderators only (post-visibility.ts).
      const readable = post.status === 'PUBLISHED' && !post.thread.restricted;
      const mayStill = opened.permissions.moderate || (viewer !== null && viewer.id === post.authorId);
      if (!readable && !mayStill) throw new NotFound('No such attachment');
    }
    try {
      return { ...row, bytes: await store.read(row.storageName) };
    } catch (error) {
      // A row whose file is gone (a restore of the database without the folder): missing, not a crash.
      if (error instanceof AttachmentNotFoundError) throw new NotFound('Attachment file missing');
      throw error;
    }
  }

  return { storeUploads, pendingAttachments, openAttachment };
}
