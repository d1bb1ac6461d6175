import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { OpenedCommunity } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { Invalid, NotFound, Refused } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { PostStatus } from '../generated/prisma/enums.js';
import { changePostStatus, lockThreadRow } from '../moderation/post-status.js';
import { resolveReviewItems } from '../moderation/review-items.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import { postTextFields } from '../search/post-text.js';
import { isUnchangedEdit } from './post-changes.js';
import type { PostPipeline } from './post-pipeline.js';
import {
  checkSubmission,
  type EarlierSubmission,
  findByKey,
  lockAuthorWrites,
  type SubmissionPlace,
} from './post-submissions.js';
import type { OpenedThread, ThreadReading } from './thread-reading.js';
import { POST_WORDS_SELECT } from './thread-selects.js';
import type { EditFormData, ReplyFormData, ThreadFormData } from './threads.schemas.js';

// The ways a post is written: opening a thread, replying, answering a reply, editing, and the author's
// deletion. Each runs the stages of the one pipeline (post-pipeline.ts) in the same order — access rules,
// policy, markdown, one transaction — and a form sent twice finds the post it already wrote
// (post-submissions.ts).

/**
 * Whether nobody but the thread's author has a post in it that still counts: none of another person's
 * (an erased account's included) that is not deleted, and none of the author's own that a moderator
 * rejected or hid (those stay for the record and the appeal). Then the author may delete it whole.
 */
async function nobodyElseIn(db: Db | Prisma.TransactionClient, thread: { id: string; authorId: string | null }) {
  if (thread.authorId === null) return false;
  const others = await db.post.count({
    where: {
      threadId: thread.id,
      OR: [
        { status: { not: 'DELETED' }, NOT: { authorId: thread.authorId } },
        { status: { not: 'DELETED' }, authorId: null },
        { status: { in: ['REJECTED', 'HIDDEN'] } },
      ],
    },
  });
  return others === 0;
}

export function createPostWriting({
  db,
  audit,
  events,
  pipeline,
  postOf,
}: {
  db: Db;
  audit: AuditLog;
  /** An edit's new mentions are told (see notification-fanout.ts). */
  events: Pick<NotificationEvents, 'postEdited' | 'postPublished'>;
  pipeline: PostPipeline;
  postOf: ThreadReading['postOf'];
}) {
  const { requirePost, judge, draftAttachments, render, writePost, recordPost, holdForReview } = pipeline;

  /**
   * Opens a thread; its place, as `{ threadId, postId, communitySlug }`. The same form sent again (its
   * submission key, or the same words within minutes) answers the thread it already opened.
   */
  async function createThread(
    opened: OpenedCommunity,
    viewer: Viewer,
    form: ThreadFormData,
    context: AuditContext,
  ): Promise<EarlierSubmission> {
    const place: SubmissionPlace = {
      communityId: opened.community.id,
      threadId: null,
      parentId: null,
      title: form.title,
      body: form.body,
      submissionKey: form.submissionKey,
    };
    const earlier = (await checkSubmission(db, viewer.id, place)).earlier;
    if (earlier) return earlier;
    requirePost(opened, null);
    const files = await draftAttachments(viewer, form.attachmentIds, null);
    const judged = await judge(
      opened,
      viewer,
      { kind: form.kind, isOpeningPost: true },
      { ...form, title: form.title },
    );
    const rendered = await render(form.body, files);
    return db.$transaction(async (tx) => {
      await lockAuthorWrites(tx, viewer.id);
      const check = await checkSubmission(tx, viewer.id, place);
      if (check.earlier) return check.earlier;
      const thread = await tx.thread.create({
        data: {
          communityId: opened.community.id,
          authorId: viewer.id,
          title: form.title,
          kind: form.kind,
          tag: form.tag,
          // A held opening post keeps its thread out of every list until a moderator publishes it.
          restricted: judged.held,
        },
        select: { id: true },
      });
      const postId = await writePost(
        tx,
        context,
        opened,
        viewer,
        { threadId: thread.id, parentId: null, isOpening: true },
        { ...form, submissionKey: check.key },
        judged,
        rendered,
        form.title,
      );
      return { threadId: thread.id, postId, communitySlug: opened.community.slug, held: judged.held };
    });
  }

  /**
   * A reply, or an answer to a reply; its place. Like a new thread, the same form sent again answers the
   * post it already wrote.
   */
  async function reply(
    { opened, thread }: OpenedThread,
    viewer: Viewer,
    form: ReplyFormData,
    context: AuditContext,
  ): Promise<EarlierSubmission> {
    // Sent again after the thread was locked or the reply answered was deleted: still the post written.
    const byKey = await findByKey(db, viewer.id, form.submissionKey, { body: form.body, title: null });
    if (byKey) return byKey;
    requirePost(opened, thread);
    let parentId = form.parentId;
    if (parentId) {
      const parent = await db.post.findUnique({
        where: { id: parentId },
        select: { threadId: true, parentId: true, isOpening: true, status: true },
      });
      if (!parent || parent.threadId !== thread.id || parent.status !== 'PUBLISHED') {
        throw new Invalid({ parentId: 'threads.field.parentInvalid' });
      }
      if (parent.parentId !== null) throw new Invalid({ parentId: 'threads.field.nestingTooDeep' });
      // Answering the opening post is replying to the thread.
      if (parent.isOpening) parentId = null;
    }
    const place: SubmissionPlace = {
      communityId: opened.community.id,
      threadId: thread.id,
      parentId,
      title: null,
      body: form.body,
      submissionKey: form.submissionKey,
    };
    const earlier = (await checkSubmission(db, viewer.id, place)).earlier;
    if (earlier) return earlier;
    const files = await draftAttachments(viewer, form.attachmentIds, null);
    const judged = await judge(opened, viewer, { kind: thread.kind, isOpeningPost: false }, { ...form, title: null });
    const rendered = await render(form.body, files);
    return db.$transaction(async (tx) => {
      await lockAuthorWrites(tx, viewer.id);
      const check = await checkSubmission(tx, viewer.id, place);
      if (check.earlier) return check.earlier;
      // One statement counts the reply and refuses it if the thread was locked meanwhile. A held reply is
      // not counted and moves nothing: readers must not learn from the list that something was written.
      // Its author deleting the thread whole meanwhile (deleteThread holds the row) leaves nothing to reply to.
      const counted = await tx.thread.updateMany({
        where: { id: thread.id, locked: false, deletedAt: null },
        data: judged.held ? { updatedAt: new Date() } : { replyCount: { increment: 1 }, lastActivityAt: new Date() },
      });
      if (counted.count === 0) {
        const gone = await tx.thread.count({ where: { id: thread.id, deletedAt: { not: null } } });
        throw gone > 0 ? new NotFound('No such thread') : new Refused('threads.refused.locked');
      }
      if (parentId) {
        // The reply answered must still be there: a concurrent deletion would otherwise orphan this one.
        const alive = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM posts WHERE id = ${parentId}::uuid AND status = 'PUBLISHED' FOR SHARE`;
        if (alive.length === 0) throw new Invalid({ parentId: 'threads.field.parentInvalid' });
      }
      const postId = await writePost(
        tx,
        context,
        opened,
        viewer,
        { threadId: thread.id, parentId, isOpening: false },
        { ...form, submissionKey: check.key },
        judged,
        rendered,
      );
      return { threadId: thread.id, postId, communitySlug: opened.community.slug, held: judged.held };
    });
  }

  /**
   * The post as its author may edit it: published, or held for review (editing judges it again);
   * Forbidden (with a reason) for anyone else or a closed thread. A rejected or hidden post is not
   * edited: its author appeals the decision instead.
   */
  async function editablePost(openedThread: OpenedThread, viewer: Viewer, postId: string) {
    const { opened, thread } = openedThread;
    const post = await postOf(openedThread, viewer, postId);
    if (post.status !== 'PUBLISHED' && post.status !== 'HELD') throw new NotFound('No such post');
    if (post.authorId !== viewer.id) throw new Refused('threads.refused.notAuthor');
    requirePost(opened, thread);
    return post;
  }

  async function editPost(
    opened: OpenedThread,
    viewer: Viewer,
    postId: string,
    form: EditFormData,
    context: AuditContext,
  ) {
    const post = await editablePost(opened, viewer, postId);
    const { thread } = opened;
    if (post.isOpening && !form.title) throw new Invalid({ title: 'threads.field.titleRequired' });
    const title = post.isOpening ? (form.title ?? thread.title) : null;
    const before = {
      title: post.isOpening ? thread.title : null,
      body: post.source,
      tag: post.tag,
      onBehalfOf: post.onBehalfOfId,
      attachmentIds: post.attachments.map((file) => file.id),
    };
    // Saved without a change: nothing to revise, judge or mark as edited.
    if (
      isUnchangedEdit(before, {
        title,
        body: form.body,
        tag: form.tag,
        onBehalfOf: form.onBehalfOf,
        attachmentIds: form.attachmentIds,
      })
    )
      return { changed: false, held: post.status === 'HELD' };
    const files = await draftAttachments(viewer, form.attachmentIds, post.id);
    const judged = await judge(
      opened.opened,
      viewer,
      { kind: thread.kind, isOpeningPost: post.isOpening },
      { ...form, title },
    );
    const rendered = await render(form.body, files);
    const status: PostStatus = judged.held ? 'HELD' : 'PUBLISHED';
    await db.$transaction(async (tx) => {
      // The thread's row before the post's (post-status.ts lockThreadRow).
      await lockThreadRow(tx, thread.id);
      // Only a post still as it was read is edited: a concurrent deletion or moderator's decision wins.
      const updated = await tx.post.updateMany({
        where: { id: post.id, status: post.status },
        data: {
          source: form.body,
          ...postTextFields(title, form.body),
          html: rendered.html,
          tag: form.tag,
          onBehalfOfId: judged.onBehalfOf,
          editedAt: new Date(),
        },
      });
      if (updated.count === 0) throw new NotFound('No such post');
      await keepRevision(tx, post, thread.title);
      if (post.isOpening)
        await tx.thread.update({ where: { id: thread.id }, data: { title: title ?? thread.title, tag: form.tag } });
      await recordPost(tx, context, opened.opened, viewer, post.id, judged, rendered, form.attachmentIds);
      // Judged again: words that now need a review hold the post; a held post whose words no longer do is
      // published (its review entry is withdrawn: there is nothing left to decide).
      const subject = { id: post.id, threadId: thread.id, isOpening: post.isOpening };
      if (status !== post.status) {
        await changePostStatus(tx, subject, post.status, status, { bump: status === 'PUBLISHED' });
        await auditStatus(tx, context, post.id, post.status, status);
      }
      if (status === 'HELD') {
        await holdForReview(tx, opened.opened.community.id, post.id);
      } else if (post.status === 'HELD') {
        await resolveReviewItems(tx, { postId: post.id, kind: 'HELD_POST' });
        await events.postPublished(post.id, tx);
      } else {
        // People the new words mention are told, once the edit commits (nobody else: notification-fanout.ts).
        await events.postEdited(post.id, tx);
      }
    });
    return { changed: true, held: status === 'HELD' };
  }

  /** An edit that held a published post, or published a held one, in the audit log. */
  async function auditStatus(
    tx: Prisma.TransactionClient,
    context: AuditContext,
    postId: string,
    before: PostStatus,
    after: PostStatus,
  ) {
    await audit.record(
      context,
      {
        action: after === 'HELD' ? 'post.held' : 'post.released_by_edit',
        outcome: 'SUCCESS',
        target: { type: 'post', id: postId },
        details: { before, after },
      },
      tx,
    );
  }

  /** The words a post had until now, kept as its revision (the opening post's with the thread's title). */
  async function keepRevision(
    tx: Prisma.TransactionClient,
    post: Awaited<ReturnType<ThreadReading['postOf']>>,
    threadTitle: string,
  ) {
    await tx.postRevision.create({
      data: {
        postId: post.id,
        title: post.isOpening ? threadTitle : null,
        source: post.source,
        html: post.html,
        tag: post.tag,
        onBehalfOfId: post.onBehalfOfId,
        writtenAt: post.editedAt ?? post.createdAt,
      },
    });
  }

  /**
   * What deleting this post would do, for the confirmation page (issue 14, item 4): `post` alone (a
   * tombstone stays where it was), or the `thread` whole — the opening post of a thread nobody else
   * has answered. Errors as deletePost: NotFound for a post the author may not delete (rejected,
   * hidden, deleted, someone else's as far as they may know), Refused in an archived community.
   */
  async function deletionOf(openedThread: OpenedThread, viewer: Viewer, postId: string) {
    const { opened, thread } = openedThread;
    const post = await postOf(openedThread, viewer, postId);
    // A held post may be withdrawn by its author; a rejected or hidden one stays for the record (and appeal).
    if (post.status !== 'PUBLISHED' && post.status !== 'HELD') throw new NotFound('No such post');
    if (post.authorId !== viewer.id) throw new Refused('threads.refused.notAuthor');
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    const scope: 'post' | 'thread' = post.isOpening && (await nobodyElseIn(db, thread)) ? 'thread' : 'post';
    return { post, scope };
  }

  /**
   * The author deletes a post: a tombstone stays where it was so answers keep their place. The text
   * becomes the last revision, which moderators can still read. The opening post of a thread nobody
   * else has answered takes the thread with it (deleteThread).
   */
  async function deletePost(
    openedThread: OpenedThread,
    viewer: Viewer,
    postId: string,
    context: AuditContext,
  ): Promise<{ scope: 'thread' } | { scope: 'post'; postId: string }> {
    const { post, scope } = await deletionOf(openedThread, viewer, postId);
    // Someone may answer while the author confirms: then only the opening post goes, as below.
    if (scope === 'thread' && (await deleteThread(openedThread, viewer, context))) return { scope: 'thread' };
    const { thread } = openedThread;
    const wasHeld = post.status === 'HELD';
    await db.$transaction(async (tx) => {
      // The thread's row before the post's (post-status.ts lockThreadRow).
      await lockThreadRow(tx, thread.id);
      const deleted = await tx.post.updateMany({
        where: { id: post.id, status: post.status },
        data: { status: 'DELETED', deletedAt: new Date(), source: '', html: '' },
      });
      // Deleted twice at once: the other request did it.
      if (deleted.count === 0) return;
      // A withdrawn held post leaves nothing to review; its thread, never shown, stays unlisted.
      if (wasHeld) await resolveReviewItems(tx, { postId: post.id });
      await keepRevision(tx, post, thread.title);
      // The title is part of the opening post's words: it goes with them (kept in the revision above),
      // from the thread page, its <title>, every list and the home page alike. The author or a moderator
      // may give the thread a corrected title afterwards (setTitle).
      if (post.isOpening) await tx.thread.update({ where: { id: thread.id }, data: { title: '' } });
      if (!post.isOpening && !wasHeld) {
        await tx.thread.update({ where: { id: thread.id }, data: { replyCount: { decrement: 1 } } });
        await tx.thread.updateMany({
          where: { id: thread.id, acceptedPostId: post.id },
          data: { acceptedPostId: null },
        });
      }
      await tx.mention.deleteMany({ where: { postId: post.id } });
      await tx.postTopic.deleteMany({ where: { postId: post.id } });
      await audit.record(
        context,
        { action: 'post.delete', outcome: 'SUCCESS', target: { type: 'post', id: post.id } },
        tx,
      );
    });
    return { scope: 'post', postId: post.id };
  }

  /**
   * The author deletes their whole thread, which nobody else has answered: every post of it becomes
   * DELETED (each text kept as its last revision, for the moderators), and the thread is listed nowhere
   * and answers 404 to everyone (`deleted_at`, with `restricted` so that every list, count, search and
   * feed that hides restricted threads hides it too). Checked again under the thread's row lock: false,
   * and nothing done, when someone answered meanwhile.
   */
  async function deleteThread({ thread }: OpenedThread, viewer: Viewer, context: AuditContext): Promise<boolean> {
    return db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM threads WHERE id = ${thread.id}::uuid FOR UPDATE`;
      if (!(await nobodyElseIn(tx, thread))) return false;
      const posts = await tx.post.findMany({
        where: { threadId: thread.id, status: { in: ['PUBLISHED', 'HELD'] }, authorId: viewer.id },
        select: { id: true, isOpening: true, status: true, ...POST_WORDS_SELECT },
      });
      for (const post of posts)
        await keepRevision(tx, { ...post, authorId: viewer.id, parentId: null, attachments: [] }, thread.title);
      const ids = posts.map((post) => post.id);
      await tx.post.updateMany({
        where: { id: { in: ids } },
        data: { status: 'DELETED', deletedAt: new Date(), source: '', html: '' },
      });
      // Held posts withdrawn leave nothing to review (reports of published ones stay, as for one post).
      const held = posts.filter((post) => post.status === 'HELD').map((post) => post.id);
      if (held.length > 0) await resolveReviewItems(tx, { postId: { in: held } });
      await tx.mention.deleteMany({ where: { postId: { in: ids } } });
      await tx.postTopic.deleteMany({ where: { postId: { in: ids } } });
      await tx.thread.update({
        where: { id: thread.id },
        data: { title: '', restricted: true, deletedAt: new Date(), replyCount: 0, acceptedPostId: null },
      });
      await audit.record(
        context,
        {
          action: 'thread.delete',
          outcome: 'SUCCESS',
          target: { type: 'thread', id: thread.id },
          details: { replies: ids.length - 1 },
        },
        tx,
      );
      return true;
    });
  }

  /** The post this author already wrote with this form's submission key and these words, if any. */
  function earlierSubmission(
    viewer: Viewer,
    sent: { submissionKey?: string | undefined; body?: string | undefined; title?: string | undefined },
  ): Promise<EarlierSubmission | null> {
    return findByKey(db, viewer.id, sent.submissionKey, { body: sent.body ?? '', title: sent.title ?? null });
  }

  return { createThread, reply, editablePost, editPost, deletionOf, deletePost, earlierSubmission };
}
