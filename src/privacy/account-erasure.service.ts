import { verifyPassword } from '../accounts/password.js';
import type { AttachmentStore } from '../attachments/attachment-files.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { systemAuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { lockThreadsOfPosts } from '../moderation/post-status.js';
import { anonymisedAccount, type ErasureWait, erasureWaitFor } from './privacy-rules.js';

// The right to erasure (GDPR Art. 17). The person confirms with their password and chooses what their posts
// become: "former member" posts that keep their words (TOMBSTONE), or deleted posts whose words are gone
// (DELETE; each keeps its place, so other people's answers under it stay where they were, as when an author
// deletes a post — ADR 006 — but no revision is kept). Profile, avatar, sessions, notification settings and
// watches, memberships, reactions, pending uploads and data exports are deleted at once. The account row
// stays, anonymised (anonymisedAccount: the address can sign up again), so that what must outlive the
// request keeps pointing at one id: a post held for a moderator, reported, or under an open appeal is kept
// as it is until the matter is settled (Art. 17(3)(e)); then the hourly job applies the choice to it.
// Audit entries keep the person's id, never their address: it is removed from the details of every entry
// by them, about them, or that named it.

export type ErasureMode = 'TOMBSTONE' | 'DELETE';

export interface WaitingPost {
  readonly id: string;
  readonly threadId: string;
  readonly communitySlug: string;
  readonly wait: ErasureWait;
}

export interface ErasurePlan {
  /** Posts erased at once. */
  readonly posts: number;
  /** Posts whose erasure waits for a moderator or an appeal, and why. */
  readonly waiting: readonly WaitingPost[];
  /** Appeals the person filed that are not decided yet (about a post or their participation). */
  readonly openAppeals: number;
}

const POST_FACTS = {
  id: true,
  threadId: true,
  status: true,
  isOpening: true,
  thread: { select: { community: { select: { slug: true } } } },
  _count: {
    select: {
      reviewItems: { where: { resolvedAt: null } },
      moderation: { where: { appeal: { is: { decidedAt: null } } } },
    },
  },
} as const;

type PostFacts = Prisma.PostGetPayload<{ select: typeof POST_FACTS }>;

function waitOf(post: PostFacts): ErasureWait | null {
  return erasureWaitFor({
    status: post.status,
    pendingReviews: post._count.reviewItems,
    openAppeals: post._count.moderation,
  });
}

export function createAccountErasureService({
  db,
  audit,
  store,
  removeExportFiles,
}: {
  db: Db;
  audit: AuditLog;
  store: Pick<AttachmentStore, 'remove'>;
  removeExportFiles: (storageNames: readonly string[]) => Promise<void>;
}) {
  async function postsOf(userId: string): Promise<PostFacts[]> {
    return db.post.findMany({ where: { authorId: userId }, select: POST_FACTS });
  }

  async function planFor(userId: string): Promise<ErasurePlan & { now: PostFacts[] }> {
    const [posts, openAppeals] = await Promise.all([
      postsOf(userId),
      db.appeal.count({ where: { appellantId: userId, decidedAt: null } }),
    ]);
    const now: PostFacts[] = [];
    const waiting: WaitingPost[] = [];
    for (const post of posts) {
      const wait = waitOf(post);
      if (wait) {
        waiting.push({ id: post.id, threadId: post.threadId, communitySlug: post.thread.community.slug, wait });
      } else now.push(post);
    }
    return { posts: now.length, waiting, openAppeals, now };
  }

  /**
   * Applies the person's choice to posts that no longer wait, in `tx`. TOMBSTONE: the author is removed, the
   * words stay. DELETE: the words (and revisions, mentions, topics, files) go; the post keeps its place as a
   * deleted post, the thread's reply count and accepted answer follow, an opening post takes the title.
   * Returns the storage names of files to remove once the transaction commits.
   */
  async function erasePosts(
    tx: Prisma.TransactionClient,
    posts: readonly Pick<PostFacts, 'id' | 'threadId' | 'status' | 'isOpening'>[],
    mode: ErasureMode,
  ): Promise<string[]> {
    if (posts.length === 0) return [];
    const ids = posts.map((post) => post.id);
    // The threads' rows before their posts' (post-status.ts lockThreadRow).
    await lockThreadsOfPosts(tx, ids);
    if (mode === 'TOMBSTONE') {
      await tx.post.updateMany({ where: { id: { in: ids } }, data: { authorId: null, submissionKey: null } });
      await tx.thread.updateMany({
        where: { posts: { some: { id: { in: ids }, isOpening: true } } },
        data: { authorId: null },
      });
      return [];
    }
    // One UPDATE for every thread: published replies that go stop counting.
    await tx.$executeRaw`
      UPDATE threads t SET reply_count = GREATEST(t.reply_count - c.n, 0)
      FROM (SELECT thread_id, count(*)::int AS n FROM posts
            WHERE id = ANY(${ids}::uuid[]) AND status = 'PUBLISHED' AND NOT is_opening
            GROUP BY thread_id) c
      WHERE t.id = c.thread_id`;
    await tx.thread.updateMany({ where: { acceptedPostId: { in: ids } }, data: { acceptedPostId: null } });
    await tx.thread.updateMany({
      where: { posts: { some: { id: { in: ids }, isOpening: true } } },
      data: { authorId: null, title: '' },
    });
    const files = await tx.attachment.findMany({ where: { postId: { in: ids } }, select: { storageName: true } });
    await tx.attachment.deleteMany({ where: { postId: { in: ids } } });
    await tx.postRevision.deleteMany({ where: { postId: { in: ids } } });
    await tx.mention.deleteMany({ where: { postId: { in: ids } } });
    await tx.postTopic.deleteMany({ where: { postId: { in: ids } } });
    const at = new Date();
    await tx.post.updateMany({
      where: { id: { in: ids }, deletedAt: null },
      data: { deletedAt: at },
    });
    await tx.post.updateMany({
      where: { id: { in: ids } },
      data: { status: 'DELETED', source: '', html: '', authorId: null, submissionKey: null },
    });
    return files.map((file) => file.storageName);
  }

  async function removeFiles(names: readonly string[]) {
    for (const name of names) await store.remove(name);
  }

  return {
    /** What erasing the account would do now: how many posts go at once, which wait and why. */
    async plan(userId: string): Promise<ErasurePlan> {
      const { now: _now, ...plan } = await planFor(userId);
      return plan;
    },

    /**
     * How the person confirms: their password, or — for an account that signs in only through single
     * sign-on and has none — their own e-mail address typed out.
     */
    async confirmationOf(userId: string): Promise<'password' | 'email'> {
      const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
      return user.passwordHash === '' ? 'email' : 'password';
    },

    /**
     * Erases the viewer's account (GDPR Art. 17) after checking their password. Invalid `{ password }` when it
     * is wrong (audited as a failure, nothing changed). Returns what was erased and what waits. Every session
     * ends: the caller clears the cookie.
     */
    async eraseAccount(
      userId: string,
      input: { password: string; mode: ErasureMode },
      context: AuditContext,
    ): Promise<ErasurePlan> {
      const user = await db.user.findUniqueOrThrow({
        where: { id: userId },
        select: { passwordHash: true, email: true, erasedAt: true },
      });
      // An account with no password (it signs in through single sign-on) confirms with its own address.
      const confirmed =
        user.passwordHash === ''
          ? input.password.trim().toLowerCase() === user.email.toLowerCase()
          : await verifyPassword(user.passwordHash, input.password);
      if (user.erasedAt || !confirmed) {
        await audit.record(context, {
          action: 'privacy.erase',
          outcome: 'FAILURE',
          target: { type: 'user', id: userId },
          details: { reason: 'wrong_password' },
        });
        throw new Invalid({
          password: user.passwordHash === '' ? 'privacy.erase.emailWrong' : 'accounts.password.currentWrong',
        });
      }
      const plan = await planFor(userId);
      const anonymous = anonymisedAccount(userId);
      const exports = await db.dataExport.findMany({ where: { userId }, select: { storageName: true } });
      const pendingUploads = await db.attachment.findMany({
        where: { uploaderId: userId, postId: null },
        select: { storageName: true },
      });
      const files = await db.$transaction(
        async (tx) => {
          const postFiles = await erasePosts(tx, plan.now, input.mode);
          await tx.attachment.deleteMany({ where: { uploaderId: userId, postId: null } });
          await tx.avatar.deleteMany({ where: { userId } });
          await tx.session.deleteMany({ where: { userId } });
          await tx.notificationPreference.deleteMany({ where: { userId } });
          await tx.communityWatch.deleteMany({ where: { userId } });
          await tx.threadWatch.deleteMany({ where: { userId } });
          await tx.notification.deleteMany({ where: { recipientId: userId } });
          await tx.notification.updateMany({ where: { actorId: userId }, data: { actorId: null } });
          await tx.digestDelivery.deleteMany({ where: { userId } });
          await tx.membership.deleteMany({ where: { userId } });
          await tx.reaction.deleteMany({ where: { userId } });
          await tx.mention.deleteMany({ where: { userId } });
          await tx.oneTimeToken.deleteMany({ where: { userId } });
          await tx.officialVoice.deleteMany({ where: { userId } });
          await tx.dataExport.deleteMany({ where: { userId } });
          await tx.user.update({
            where: { id: userId },
            data: {
              email: anonymous.email,
              handle: anonymous.handle,
              emailVerifiedAt: null,
              passwordHash: '',
              status: 'SUSPENDED',
              role: 'USER',
              displayName: '',
              jobTitle: '',
              bio: '',
              bioHtml: '',
              expertise: [],
              locale: null,
              publicFields: [],
              organizationId: null,
              departmentId: null,
              lastSeenAt: null,
              erasedAt: new Date(),
              erasureMode: input.mode,
            },
          });
          // The address leaves the audit log: entries by or about them, and failures that named it.
          await tx.$executeRaw`
            UPDATE audit_entries SET details = (details - 'email' - 'newEmail' - 'oldEmail') || '{"emailErased": true}'::jsonb
            WHERE (actor_id = ${userId}::uuid OR (target_type = 'user' AND target_id = ${userId})
                   OR lower(details->>'email') = lower(${user.email}))
              AND (details ? 'email' OR details ? 'newEmail' OR details ? 'oldEmail')`;
          await audit.record(
            context,
            {
              action: 'privacy.erase',
              outcome: 'SUCCESS',
              actorId: userId,
              target: { type: 'user', id: userId },
              details: {
                mode: input.mode,
                postsErased: plan.now.length,
                postsWaiting: plan.waiting.length,
                openAppeals: plan.openAppeals,
              },
            },
            tx,
          );
          return postFiles;
        },
        { timeout: 60_000 },
      );
      await removeFiles([...files, ...pendingUploads.map((file) => file.storageName)]);
      await removeExportFiles(exports.map((row) => row.storageName));
      return { posts: plan.now.length, waiting: plan.waiting, openAppeals: plan.openAppeals };
    },

    /**
     * The hourly job: for erased accounts that still have posts, applies their choice to the posts that no
     * longer wait (the moderator decided, the appeal was answered). Idempotent: an erased post has no author
     * left, so a second run finds nothing. Returns how many posts were erased.
     */
    async completePendingErasures(): Promise<number> {
      const people = await db.user.findMany({
        where: { erasedAt: { not: null }, posts: { some: {} } },
        select: { id: true, erasureMode: true },
        take: 200,
      });
      let erased = 0;
      for (const person of people) {
        const { now, waiting } = await planFor(person.id);
        if (now.length === 0) continue;
        const mode: ErasureMode = person.erasureMode ?? 'DELETE';
        const files = await db.$transaction(async (tx) => {
          const removed = await erasePosts(tx, now, mode);
          await audit.record(
            systemAuditContext(),
            {
              action: 'privacy.erase_completed',
              outcome: 'SUCCESS',
              target: { type: 'user', id: person.id },
              details: { mode, postsErased: now.length, postsWaiting: waiting.length },
            },
            tx,
          );
          return removed;
        });
        await removeFiles(files);
        erased += now.length;
      }
      return erased;
    },
  };
}

export type AccountErasureService = ReturnType<typeof createAccountErasureService>;
