import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid, NotFound, Refused } from '../errors.js';
import { lockThreadRow } from '../moderation/post-status.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import type { OpenedThread, ThreadReading } from './thread-reading.js';
import { POST_WORDS_SELECT } from './thread-selects.js';

// Moderation actions on a thread: its title, the accepted answer, pins and locks, taken by its
// moderators (and, for the title and the accepted answer, by its author). Every action names the state
// it wants (accept/unaccept, pin/unpin), so the same form sent again, or from a page that went stale,
// changes nothing and records nothing.

export function createThreadActions({
  db,
  audit,
  events,
  postOf,
}: {
  db: Db;
  audit: AuditLog;
  events: Pick<NotificationEvents, 'answerAccepted'>;
  postOf: ThreadReading['postOf'];
}) {
  /** Whether the viewer may correct or remove the thread's title: its author (not once archived) and moderators. */
  function mayRetitle({ opened, thread }: OpenedThread, viewer: Viewer | null): boolean {
    if (viewer === null) return false;
    if (opened.permissions.moderate) return true;
    return thread.authorId === viewer.id && opened.community.archivedAt === null && opened.permissions.read;
  }

  /**
   * The thread's author or a moderator corrects the title, or removes it (empty): also once the opening
   * post is deleted, when the title can no longer be edited with it. The title replaced is kept as a
   * revision of the opening post (moderators and the author read it); the same title again changes nothing.
   */
  async function setTitle(opened: OpenedThread, viewer: Viewer, input: string, context: AuditContext) {
    const { thread } = opened;
    if (!mayRetitle(opened, viewer)) {
      if (thread.authorId === viewer.id) throw new Refused('threads.refused.archived');
      throw new Refused('threads.refused.notAuthor');
    }
    const title = input.trim();
    if (title === thread.title) return { changed: false };
    const opening = await db.post.findFirst({
      where: { threadId: thread.id, isOpening: true },
      select: { id: true, status: true, ...POST_WORDS_SELECT },
    });
    const moderator = opened.opened.permissions.moderate && thread.authorId !== viewer.id;
    // Decision: a title set here is not judged by the policy as a new post would be. It only corrects or
    // removes words already published (the tag and capacity stay as chosen and confirmed), and judging
    // them again could lock the author out of removing a name because, say, the community no longer
    // welcomes the post's tag. When text detectors (personal data) join the rules, they belong here too.
    const changed = await db.$transaction(async (tx) => {
      // Changed meanwhile by someone else: theirs stands, and this form (shown before it) changes nothing.
      const updated = await tx.thread.updateMany({ where: { id: thread.id, title: thread.title }, data: { title } });
      if (updated.count === 0) return false;
      // A live opening post shows it was edited (its history holds the title replaced).
      if (opening?.status === 'PUBLISHED') {
        await tx.post.update({ where: { id: opening.id }, data: { editedAt: new Date() } });
      }
      if (opening && thread.title !== '') {
        await tx.postRevision.create({
          data: {
            postId: opening.id,
            title: thread.title,
            source: opening.status === 'PUBLISHED' ? opening.source : '',
            html: opening.status === 'PUBLISHED' ? opening.html : '',
            tag: opening.tag,
            onBehalfOfId: opening.onBehalfOfId,
            writtenAt: opening.editedAt ?? opening.createdAt,
          },
        });
      }
      await audit.record(
        context,
        {
          action: 'thread.title',
          outcome: 'SUCCESS',
          target: { type: 'thread', id: thread.id },
          details: { asModerator: moderator, removed: title === '' },
        },
        tx,
      );
      return true;
    });
    return { changed };
  }

  /** The question's author or a moderator marks (or unmarks) the accepted answer. */
  async function setAccepted(
    openedThread: OpenedThread,
    viewer: Viewer,
    postId: string,
    accept: boolean,
    context: AuditContext,
  ) {
    const { opened, thread } = openedThread;
    if (thread.kind !== 'QUESTION') throw new Invalid({ form: 'threads.refused.notQuestion' });
    const moderator = opened.permissions.moderate;
    if (!moderator && thread.authorId !== viewer.id) throw new Refused('threads.refused.notQuestionAuthor');
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    const post = await postOf(openedThread, viewer, postId);
    if (post.isOpening) throw new Invalid({ form: 'threads.refused.acceptOpening' });
    // An answer is someone else's help: the asker's own reply is never the accepted answer (issue 14).
    if (accept && post.authorId !== null && post.authorId === thread.authorId) {
      throw new Refused('threads.refused.acceptOwn');
    }
    await db.$transaction(async (tx) => {
      // The thread's row before the answer's (post-status.ts lockThreadRow).
      await lockThreadRow(tx, thread.id);
      if (accept) {
        // Locks the answer: a deletion running at the same time waits, then finds it accepted (and clears it).
        // FOR SHARE, as a reply holds what it answers: a reaction holds the post FOR KEY SHARE while it waits
        // for the thread's row, which this transaction holds.
        const alive = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM posts WHERE id = ${post.id}::uuid AND status = 'PUBLISHED' FOR SHARE`;
        if (alive.length === 0) throw new NotFound('No such post');
        // Accepting the answer already accepted (the form sent twice) changes and records nothing.
        const changed = await tx.thread.updateMany({
          where: { id: thread.id, OR: [{ acceptedPostId: null }, { acceptedPostId: { not: post.id } }] },
          data: { acceptedPostId: post.id },
        });
        if (changed.count === 0) return;
        await events.answerAccepted(post.id, tx);
      } else {
        const changed = await tx.thread.updateMany({
          where: { id: thread.id, acceptedPostId: post.id },
          data: { acceptedPostId: null },
        });
        if (changed.count === 0) return;
      }
      await audit.record(
        context,
        {
          action: accept ? 'thread.accept_answer' : 'thread.unaccept_answer',
          outcome: 'SUCCESS',
          target: { type: 'thread', id: thread.id },
          details: { postId: post.id, asModerator: moderator && thread.authorId !== viewer.id },
        },
        tx,
      );
    });
  }

  /**
   * Pins, unpins, locks or unlocks: each action names the state it wants, so sending it again (a second
   * tab, a resent request) changes nothing and records nothing.
   */
  async function moderateThread(
    { opened, thread }: OpenedThread,
    action: 'pin' | 'unpin' | 'lock' | 'unlock',
    context: AuditContext,
  ) {
    if (!opened.permissions.moderate) throw new Refused('threads.refused.notModerator');
    const data = { pin: { pinned: true }, unpin: { pinned: false }, lock: { locked: true }, unlock: { locked: false } }[
      action
    ];
    await db.$transaction(async (tx) => {
      const changed = await tx.thread.updateMany({ where: { id: thread.id, NOT: data }, data });
      if (changed.count === 0) return;
      await audit.record(
        context,
        { action: `thread.${action}`, outcome: 'SUCCESS', target: { type: 'thread', id: thread.id } },
        tx,
      );
    });
  }

  return { mayRetitle, setTitle, setAccepted, moderateThread };
}
