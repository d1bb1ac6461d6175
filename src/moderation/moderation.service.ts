import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { Invalid, NotFound, Refused } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type {
  AppealOutcome,
  MembershipRole,
  MembershipState,
  ModerationActionKind,
  ModerationDetection,
  ModerationGround,
  PostStatus,
} from '../generated/prisma/enums.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import { changePostStatus } from './post-status.js';
import { LISTED_THREAD_WHERE } from './post-visibility.js';
import { openReviewItem, resolveReviewItems } from './review-items.js';

// Moderation (issue 10): readers' reports, one review queue per community (and the site's, for site
// admins), the moderators' decisions with their statement of reasons (the EU Digital Services Act,
// Article 17, is the model), and the affected person's one appeal, decided by someone else (Art. 20).
// Every decision is one transaction that checks the item is still as the moderator saw it, so two
// moderators acting at once never act twice: the second is told someone else decided first.

/** Reports one account may file per hour. */
export const REPORTS_PER_HOUR = 10;
/** Entries one page of the review queue shows, oldest first. */
export const REVIEW_PAGE_SIZE = 50;

/** What a moderator may do to a post from the queue or the thread. */
export const POST_ACTIONS = ['approve', 'reject', 'hide', 'restore', 'dismiss', 'ban'] as const;
export type PostAction = (typeof POST_ACTIONS)[number];

/** Decisions that restrict a post or a person: they need a ground and a statement, and may be appealed. */
export const RESTRICTIVE_ACTIONS: readonly ModerationActionKind[] = ['REJECT', 'HIDE', 'BAN'];

const ACTION_KIND: Readonly<Record<PostAction, ModerationActionKind>> = {
  approve: 'APPROVE',
  reject: 'REJECT',
  hide: 'HIDE',
  restore: 'RESTORE',
  dismiss: 'DISMISS_REPORTS',
  ban: 'BAN',
};

/** The status a post must have for each action, and the one it gets (null: the post is not changed). */
const TRANSITIONS: Readonly<Record<PostAction, { from: readonly PostStatus[]; to: PostStatus | null }>> = {
  approve: { from: ['HELD'], to: 'PUBLISHED' },
  reject: { from: ['HELD'], to: 'REJECTED' },
  hide: { from: ['PUBLISHED'], to: 'HIDDEN' },
  restore: { from: ['HIDDEN', 'REJECTED'], to: 'PUBLISHED' },
  dismiss: { from: ['PUBLISHED', 'HIDDEN', 'HELD'], to: null },
  ban: { from: ['PUBLISHED', 'HELD', 'HIDDEN', 'REJECTED', 'DELETED'], to: null },
};

/** The result of a moderator's action: done, or already decided by someone else meanwhile. */
export type ActionResult = 'done' | 'already-decided';

export interface ReportInput {
  readonly reason: ModerationGround;
  readonly note: string | null;
}

export interface DecisionInput {
  readonly ground: ModerationGround | null;
  readonly statement: string;
}

const POST_REVIEW_SELECT = {
  id: true,
  threadId: true,
  isOpening: true,
  status: true,
  html: true,
  createdAt: true,
  authorId: true,
  author: { select: { id: true, handle: true, displayName: true, status: true } },
  thread: { select: { title: true } },
  decisions: {
    select: { outcome: true, rules: true, createdAt: true },
    orderBy: { createdAt: 'desc' },
    take: 1,
  },
} as const satisfies Prisma.PostSelect;

/** A report as moderators read it (the reporter is never shown to the person reported). */
const REPORT_SELECT = {
  id: true,
  reason: true,
  note: true,
  createdAt: true,
  reporter: { select: { displayName: true, handle: true } },
} as const satisfies Prisma.ReportSelect;

const DECISION_SELECT = {
  id: true,
  action: true,
  ground: true,
  detection: true,
  statement: true,
  statusBefore: true,
  statusAfter: true,
  createdAt: true,
  actorId: true,
  actor: { select: { displayName: true } },
  community: { select: { slug: true, name: true } },
  post: { select: { id: true, threadId: true, thread: { select: { title: true } } } },
  appeal: {
    select: {
      id: true,
      note: true,
      createdAt: true,
      outcome: true,
      reason: true,
      decidedAt: true,
    },
  },
} as const satisfies Prisma.ModerationDecisionSelect;

/**
 * The communities this viewer moderates, as a filter (site admins: every community; nobody before their
 * e-mail address is verified). header-counts.ts writes the same in SQL for the header's review count.
 */
export function moderatedWhere(viewer: Viewer): Prisma.CommunityWhereInput {
  if (viewer.role === 'ADMIN') return {};
  if (!viewer.emailVerified) return { id: { in: [] } };
  return {
    AND: [
      communityAccessWhere(actorOf(viewer), 'read'),
      { memberships: { some: { userId: viewer.id, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] } } } },
    ],
  };
}

export function createModerationService({
  db,
  audit,
  communities,
  events,
}: {
  db: Db;
  audit: AuditLog;
  communities: CommunitiesService;
  /** A held post approved is told to people as a post just published; a restriction to the person it is about. */
  events: Pick<NotificationEvents, 'postPublished' | 'moderated'>;
}) {
  function requireModerator(opened: OpenedCommunity): void {
    // Whoever may not moderate here is told the page does not exist, as for any private page.
    if (!opened.permissions.moderate) throw new NotFound('No such page');
  }

  /** A post of this community that the viewer may read, or NotFound (whatever the reason). */
  async function readablePost(opened: OpenedCommunity, viewer: Viewer, postId: string) {
    if (!opened.permissions.read) throw new NotFound('No such post');
    const post = await db.post.findFirst({
      where: { id: postId, status: 'PUBLISHED', thread: { communityId: opened.community.id, ...LISTED_THREAD_WHERE } },
      select: { id: true, threadId: true, authorId: true, html: true, thread: { select: { title: true } } },
    });
    if (!post) throw new NotFound('No such post');
    return { ...post, own: post.authorId === viewer.id };
  }

  /** A post of this community as its moderators see it, whatever its status; NotFound otherwise. */
  async function moderatedPost(opened: OpenedCommunity, postId: string) {
    requireModerator(opened);
    const post = await db.post.findFirst({
      where: { id: postId, thread: { communityId: opened.community.id } },
      select: POST_REVIEW_SELECT,
    });
    if (!post) throw new NotFound('No such post');
    return post;
  }

  async function record(
    context: AuditContext,
    action: string,
    target: { type: string; id: string },
    details: Prisma.InputJsonObject,
    tx: Prisma.TransactionClient,
  ) {
    await audit.record(context, { action, outcome: 'SUCCESS', target, details }, tx);
  }

  /** The queue's pending entries for these communities, oldest first, with what a moderator needs to decide. */
  async function pendingEntries(where: Prisma.ReviewItemWhereInput) {
    const items = await db.reviewItem.findMany({
      where: { AND: [where, { resolvedAt: null }] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: REVIEW_PAGE_SIZE,
      select: {
        id: true,
        kind: true,
        createdAt: true,
        community: { select: { slug: true, name: true } },
        post: { select: POST_REVIEW_SELECT },
        reports: { select: REPORT_SELECT, orderBy: { createdAt: 'asc' } },
        appeal: {
          select: {
            id: true,
            note: true,
            createdAt: true,
            appellant: { select: { displayName: true, handle: true } },
            decision: { select: { ...DECISION_SELECT, post: { select: POST_REVIEW_SELECT } } },
          },
        },
      },
    });
    return items.map((item) => {
      const post = item.post ?? item.appeal?.decision.post ?? null;
      const decision = post?.decisions[0];
      const rules = (
        (decision?.rules as unknown as { code: string; outcome: string; params: Record<string, string> }[]) ?? []
      ).filter((rule) => rule.outcome === 'HOLD' || rule.outcome === 'WARN' || rule.outcome === 'REJECT');
      return { ...item, post, policyRules: rules };
    });
  }

  /** Counts pending entries for a filter, for headers and community pages. */
  function countPending(where: Prisma.ReviewItemWhereInput): Promise<number> {
    return db.reviewItem.count({ where: { AND: [where, { resolvedAt: null }] } });
  }

  /**
   * One action on one post, in one transaction: the status change (post-status.ts), the review entries it
   * settles, the decision with its statement of reasons, the audit entry. 'already-decided' when the post
   * is no longer in a status the action applies to (another moderator, in another tab, was first).
   */
  async function actOnPost(
    opened: OpenedCommunity,
    viewer: Viewer,
    postId: string,
    action: PostAction,
    input: DecisionInput,
    context: AuditContext,
    appeal: { id: string } | null = null,
  ): Promise<ActionResult> {
    const post = await moderatedPost(opened, postId);
    const kind = ACTION_KIND[action];
    const restrictive = RESTRICTIVE_ACTIONS.includes(kind);
    if (restrictive && appeal === null) {
      const errors: Record<string, 'moderation.field.groundRequired' | 'moderation.field.statementRequired'> = {};
      if (!input.ground) errors.ground = 'moderation.field.groundRequired';
      if (input.statement.trim() === '') errors.statement = 'moderation.field.statementRequired';
      if (Object.keys(errors).length > 0) throw new Invalid(errors);
    }
    const transition = TRANSITIONS[action];
    if (!transition.from.includes(post.status)) return 'already-decided';
    if (action === 'ban' && post.authorId === null) throw new Invalid({ action: 'moderation.ban.noAuthor' });
    if (action === 'ban' && post.authorId === viewer.id) throw new Invalid({ action: 'moderation.ban.notYourself' });

    return db.$transaction(async (tx) => {
      let membershipBefore: { state: MembershipState; role: MembershipRole } | null = null;
      const subject = { id: post.id, threadId: post.threadId, isOpening: post.isOpening };
      if (transition.to !== null) {
        const moved = await changePostStatus(tx, subject, post.status, transition.to, {
          bump: action === 'approve',
        });
        if (!moved) return 'already-decided';
      }
      const pending = await tx.reviewItem.findMany({
        where: { postId: post.id, resolvedAt: null },
        select: { id: true, kind: true },
      });
      if (action === 'dismiss') {
        const dismissed = await resolveReviewItems(tx, { postId: post.id, kind: 'REPORTED_POST' });
        if (dismissed === 0) return 'already-decided';
      } else if (action === 'ban') {
        const banned = await banAuthor(tx, opened, post.authorId as string);
        if (banned === 'already-banned') return 'already-decided';
        membershipBefore = banned;
      } else {
        // The post decided, nothing about it is left to review (a held post reported meanwhile, say).
        await resolveReviewItems(tx, { postId: post.id, kind: { in: ['HELD_POST', 'REPORTED_POST'] } });
      }
      const detection: ModerationDetection = pending.some((item) => item.kind === 'HELD_POST')
        ? 'AUTOMATED'
        : pending.some((item) => item.kind === 'REPORTED_POST')
          ? 'REPORT'
          : 'MODERATOR';
      const decision = await tx.moderationDecision.create({
        data: {
          communityId: opened.community.id,
          postId: post.id,
          subjectId: post.authorId,
          actorId: viewer.id,
          action: kind,
          ground: input.ground,
          detection,
          statement: input.statement.trim(),
          statusBefore: post.status,
          statusAfter: transition.to ?? post.status,
          memberStateBefore: membershipBefore?.state ?? null,
          memberRoleBefore: membershipBefore?.role ?? null,
          reviewItemId: pending[0]?.id ?? null,
        },
        select: { id: true },
      });
      if (restrictive) await events.moderated(decision.id, false, tx);
      if (action === 'approve' || (action === 'restore' && post.status === 'REJECTED')) {
        // Published for the first time: people are told now, as they would have been.
        await events.postPublished(post.id, tx);
      }
      await record(
        context,
        `moderation.${action}`,
        { type: 'post', id: post.id },
        {
          communityId: opened.community.id,
          decisionId: decision.id,
          ground: input.ground,
          before: post.status,
          after: transition.to ?? post.status,
          ...(appeal ? { appealId: appeal.id } : {}),
          ...(action === 'ban' ? { userId: post.authorId } : {}),
        },
        tx,
      );
      return 'done';
    });
  }

  /**
   * Bans a post's author from the community (a membership in state BANNED); the membership they had
   * (null: none), for an appeal to give back, or 'already-banned'.
   */
  async function banAuthor(
    tx: Prisma.TransactionClient,
    opened: OpenedCommunity,
    userId: string,
  ): Promise<{ state: MembershipState; role: MembershipRole } | null | 'already-banned'> {
    const key = { communityId_userId: { communityId: opened.community.id, userId } };
    const membership = await tx.membership.findUnique({ where: key, select: { state: true, role: true } });
    if (membership?.state === 'BANNED') return 'already-banned';
    // Owners are not banned; moderators only by an owner (or a site admin), as on the members page.
    if (membership?.role === 'OWNER' && membership.state === 'ACTIVE') {
      throw new Invalid({ action: 'moderation.ban.ownerProtected' });
    }
    if (membership?.role === 'MODERATOR' && membership.state === 'ACTIVE' && !opened.permissions.manage) {
      throw new Invalid({ action: 'moderation.ban.moderatorProtected' });
    }
    await tx.membership.upsert({
      where: key,
      create: { communityId: opened.community.id, userId, state: 'BANNED', role: 'MEMBER' },
      update: { state: 'BANNED', role: 'MEMBER' },
    });
    return membership;
  }

  return {
    /** The post a report form is about: readable by the viewer, not their own (Refused), else NotFound. */
    async reportablePost(opened: OpenedCommunity, viewer: Viewer, postId: string) {
      const post = await readablePost(opened, viewer, postId);
      if (post.own) throw new Refused('moderation.report.ownPost');
      const already = await db.report.findUnique({
        where: { postId_reporterId: { postId, reporterId: viewer.id } },
        select: { createdAt: true },
      });
      return { ...post, reportedAt: already?.createdAt ?? null };
    },

    /**
     * A reader's report (the DSA's Article 16 notice): once per person and post, at most REPORTS_PER_HOUR
     * an hour per account. Opens (or joins) the post's entry in the review queue. Invalid with a message
     * for the form when it was already reported by this person or the hour's reports are used up.
     */
    async report(opened: OpenedCommunity, viewer: Viewer, postId: string, input: ReportInput, context: AuditContext) {
      const post = await readablePost(opened, viewer, postId);
      if (post.own) throw new Refused('moderation.report.ownPost');
      await db.$transaction(async (tx) => {
        // One report at a time per account: the hour's count and the duplicate check cannot race.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('report'), hashtext(${viewer.id}))`;
        const already = await tx.report.findUnique({
          where: { postId_reporterId: { postId, reporterId: viewer.id } },
          select: { id: true },
        });
        if (already) throw new Invalid({ reason: 'moderation.report.already' });
        const recent = await tx.report.count({
          where: { reporterId: viewer.id, createdAt: { gte: new Date(Date.now() - 3_600_000) } },
        });
        if (recent >= REPORTS_PER_HOUR) {
          throw new Invalid({ reason: { key: 'moderation.report.tooMany', params: { max: REPORTS_PER_HOUR } } });
        }
        const itemId = await openReviewItem(tx, { communityId: opened.community.id, kind: 'REPORTED_POST', postId });
        const report = await tx.report.create({
          data: { postId, reporterId: viewer.id, reason: input.reason, note: input.note, reviewItemId: itemId },
          select: { id: true },
        });
        await record(
          context,
          'moderation.report',
          { type: 'post', id: postId },
          { reportId: report.id, reason: input.reason },
          tx,
        );
      });
    },

    /** The community's review queue: held posts, reported posts and appeals, oldest first. Moderators only. */
    async communityQueue(opened: OpenedCommunity) {
      requireModerator(opened);
      return pendingEntries({ communityId: opened.community.id });
    },

    /** The site's review queue, every community: site admins only (NotFound for anyone else). */
    async siteQueue(viewer: Viewer) {
      if (viewer.role !== 'ADMIN') throw new NotFound('No such page');
      return pendingEntries({});
    },

    /** The entries waiting in every community this viewer moderates (every community for site admins). */
    async myQueue(viewer: Viewer) {
      return pendingEntries({ community: moderatedWhere(viewer) });
    },

    /** Pending entries of one community, for its moderators (0 for anyone else: nothing is hinted). */
    async pendingIn(opened: OpenedCommunity): Promise<number> {
      if (!opened.permissions.moderate) return 0;
      return countPending({ communityId: opened.community.id });
    },

    /** A post as its moderation page shows it (moderators only; NotFound otherwise). */
    moderatedPost,

    /** A post's decisions (newest first) and reports (oldest first, `open` while not yet decided). */
    async postHistory(postId: string) {
      const [decisions, reports] = await Promise.all([
        db.moderationDecision.findMany({
          where: { postId },
          select: DECISION_SELECT,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
        db.report.findMany({
          where: { postId },
          select: { ...REPORT_SELECT, reviewItem: { select: { resolvedAt: true } } },
          orderBy: { createdAt: 'asc' },
        }),
      ]);
      return {
        decisions,
        reports: reports.map(({ reviewItem, ...report }) => ({ ...report, open: reviewItem?.resolvedAt === null })),
      };
    },

    actOnPost,

    /**
     * Decides an appeal: UPHELD keeps the decision, REVERSED undoes it (the post published again, the ban
     * lifted). Never by the person who took the decision (Refused). 'already-decided' when someone else
     * decided it first.
     */
    async decideAppeal(
      opened: OpenedCommunity,
      viewer: Viewer,
      appealId: string,
      input: { outcome: AppealOutcome; reason: string },
      context: AuditContext,
    ): Promise<ActionResult> {
      requireModerator(opened);
      const appeal = await db.appeal.findFirst({
        where: { id: appealId, decision: { communityId: opened.community.id } },
        select: {
          id: true,
          outcome: true,
          decision: {
            select: {
              id: true,
              action: true,
              actorId: true,
              subjectId: true,
              statusAfter: true,
              memberStateBefore: true,
              memberRoleBefore: true,
              post: { select: { id: true, threadId: true, isOpening: true, status: true } },
            },
          },
        },
      });
      if (!appeal) throw new NotFound('No such appeal');
      if (appeal.decision.actorId === viewer.id) throw new Refused('moderation.appeal.notOwnDecision');
      if (input.reason.trim() === '') throw new Invalid({ reason: 'moderation.field.reasonRequired' });
      if (appeal.outcome !== null) return 'already-decided';
      return db.$transaction(async (tx) => {
        const decided = await tx.appeal.updateMany({
          where: { id: appeal.id, outcome: null },
          data: { outcome: input.outcome, reason: input.reason.trim(), decidedById: viewer.id, decidedAt: new Date() },
        });
        if (decided.count === 0) return 'already-decided';
        await resolveReviewItems(tx, { appealId: appeal.id });
        const { decision } = appeal;
        if (input.outcome === 'REVERSED') {
          if (decision.action === 'BAN' && decision.subjectId) {
            // The ban lifted: the membership they had comes back as it was (none: no row at all).
            const where = { communityId: opened.community.id, userId: decision.subjectId, state: 'BANNED' as const };
            if (decision.memberStateBefore && decision.memberRoleBefore) {
              await tx.membership.updateMany({
                where,
                data: { state: decision.memberStateBefore, role: decision.memberRoleBefore },
              });
            } else {
              await tx.membership.deleteMany({ where });
            }
          } else if (decision.post && (decision.post.status === 'HIDDEN' || decision.post.status === 'REJECTED')) {
            const { post } = decision;
            await changePostStatus(tx, post, post.status, 'PUBLISHED');
            await resolveReviewItems(tx, { postId: post.id, kind: { in: ['HELD_POST', 'REPORTED_POST'] } });
            if (post.status === 'REJECTED') await events.postPublished(post.id, tx);
          }
        }
        await events.moderated(decision.id, true, tx);
        await record(
          context,
          'moderation.appeal_decided',
          { type: 'appeal', id: appeal.id },
          { decisionId: decision.id, outcome: input.outcome, communityId: opened.community.id },
          tx,
        );
        return 'done';
      });
    },

    /**
     * What the moderators decided about this person's posts and participation, newest first, with each
     * decision's statement of reasons and appeal; and their posts still waiting for review.
     */
    async myModeration(viewer: Viewer) {
      const [decisions, held] = await Promise.all([
        db.moderationDecision.findMany({
          where: { subjectId: viewer.id, action: { in: [...RESTRICTIVE_ACTIONS] } },
          select: DECISION_SELECT,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 100,
        }),
        db.post.findMany({
          where: { authorId: viewer.id, status: 'HELD' },
          select: {
            id: true,
            threadId: true,
            createdAt: true,
            thread: { select: { title: true, community: { select: { slug: true, name: true } } } },
          },
          orderBy: { createdAt: 'desc' },
          take: 100,
        }),
      ]);
      return { decisions, held };
    },

    /**
     * The affected person's one appeal against a restrictive decision, with a note. Opens an entry in the
     * community's review queue. NotFound for anyone else's decision; Invalid when already appealed.
     */
    async appeal(viewer: Viewer, decisionId: string, note: string, context: AuditContext) {
      const decision = await db.moderationDecision.findFirst({
        where: { id: decisionId, subjectId: viewer.id, action: { in: [...RESTRICTIVE_ACTIONS] } },
        select: { id: true, communityId: true, appeal: { select: { id: true } } },
      });
      if (!decision) throw new NotFound('No such decision');
      if (decision.appeal) throw new Invalid({ note: 'moderation.appeal.already' });
      if (note.trim() === '') throw new Invalid({ note: 'moderation.field.noteRequired' });
      await db.$transaction(async (tx) => {
        const created = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO appeals (id, decision_id, appellant_id, note)
          VALUES (gen_random_uuid(), ${decision.id}::uuid, ${viewer.id}::uuid, ${note.trim()})
          ON CONFLICT (decision_id) DO NOTHING
          RETURNING id`;
        const appealId = created[0]?.id;
        if (!appealId) throw new Invalid({ note: 'moderation.appeal.already' });
        await openReviewItem(tx, { communityId: decision.communityId, kind: 'APPEAL', appealId });
        await record(context, 'moderation.appeal', { type: 'decision', id: decision.id }, { appealId }, tx);
      });
    },

    /** Opens a community for a moderation page; NotFound unless the viewer moderates it. */
    async openForModeration(slug: string, viewer: Viewer, context: AuditContext) {
      const opened = await communities.open(slug, viewer, context);
      requireModerator(opened);
      return opened;
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
