import type { Viewer } from '../accounts/auth.js';
import type { AttachmentStore } from '../attachments/attachment-files.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { CommunitiesService } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import { createMentionSuggestions } from './mention-suggestions.js';
import { createPostPipeline } from './post-pipeline.js';
import { createPostWriting } from './post-writing.js';
import { createThreadActions } from './thread-actions.js';
import { createThreadAttachments } from './thread-attachments.js';
import { createThreadLists } from './thread-lists.js';
import { createThreadReactions } from './thread-reactions.js';
import { createThreadReading } from './thread-reading.js';

// Threads and posts, one concern a file, each a factory with only what it needs:
//   thread-reading.ts      a thread, its page, a post, its history, the policy decisions
//   thread-lists.ts        a community's threads (keyset pages), a topic's, the home page's
//   post-pipeline.ts       the stages every post goes through (docs/decisions/006)
//   post-writing.ts        opening a thread, replying, editing, deleting: the pipeline's only callers
//   thread-reactions.ts    reactions to posts
//   thread-attachments.ts  the files of posts, stored before the post and served after the read check
//   thread-actions.ts      moderation actions: title, accepted answer, pins and locks
//   mention-suggestions.ts the composer's @mention suggestions: people who may read the community
// This file puts them together for the routes. Of the pipeline only what a form needs before it is sent
// (the rules that do not depend on the text, the choices it offers) is passed on: posts are written
// through post-writing.ts alone.

export { attachmentUrl } from './attachment-urls.js';
export { type ComposeOptions, PostNeedsConfirmation, PostRefused } from './post-pipeline.js';
export { PENDING_UPLOAD_MS } from './thread-attachments.js';
export { THREADS_PER_PAGE, TOPIC_THREADS_LIMIT } from './thread-lists.js';
export { DECISIONS_LIMIT, type OpenedThread, type PostView, type TagExplanation } from './thread-reading.js';

export interface AttachmentsDependency {
  readonly store: AttachmentStore;
  readonly perPost: number;
}

export function createThreadsService({
  db,
  audit,
  communities,
  events,
  attachments,
}: {
  db: Db;
  audit: AuditLog;
  communities: CommunitiesService;
  /** What people are told of: posts, accepted answers, reactions (enqueued, see notification-fanout.ts). */
  events: NotificationEvents;
  attachments: AttachmentsDependency;
}) {
  const reading = createThreadReading({ db, communities });
  const { postOf } = reading;
  const pipeline = createPostPipeline({ db, audit, events, attachments: { perPost: attachments.perPost } });
  const files = createThreadAttachments({ db, communities, store: attachments.store });

  /**
   * The HTML a post's `source` would be published as — the pipeline's own render (post-pipeline.ts): the
   * same Markdown, mention and topic links and sanitizer — with the viewer's own uploads among
   * `attachmentIds` as its images. Stores nothing. The caller has checked that the viewer may read the
   * community it is written for, and the length (threads.schemas.ts previewForm).
   */
  async function previewPost(viewer: Viewer, source: string, attachmentIds: readonly string[]): Promise<string> {
    const images = await files.pendingAttachments(viewer, attachmentIds);
    return (await pipeline.render(source, images, { preview: true })).html;
  }

  return {
    ...reading,
    ...createThreadLists({ db }),
    requirePost: pipeline.requirePost,
    composeOptions: pipeline.composeOptions,
    ...createPostWriting({ db, audit, events, pipeline, postOf }),
    ...createThreadReactions({ db, events, postOf }),
    ...files,
    previewPost,
    ...createMentionSuggestions({ db }),
    ...createThreadActions({ db, audit, events, postOf }),
  };
}

export type ThreadsService = ReturnType<typeof createThreadsService>;
