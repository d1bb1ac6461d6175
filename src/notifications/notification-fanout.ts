import { communityReadersWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { JobQueue } from '../jobs/job-queue.js';
import {
  type Delivery,
  deliveryFor,
  type NotificationKind,
  POST_KINDS_BY_PRECEDENCE,
  type WatchLevel,
  watchAllows,
} from './notification-rules.js';

// The jobs that turn what happened (a post, an accepted answer, a reaction, a request, an invitation) into
// notifications. A request only enqueues one of these (in its own transaction); the fan-out to however
// many people runs here, in a worker. Each is idempotent: a notification's (recipient, dedupe key) is
// unique, so a retried job finds what it already wrote and writes nothing twice.

export const NOTIFICATION_JOBS = {
  postPublished: 'notifications.post-published',
  answerAccepted: 'notifications.answer-accepted',
  reacted: 'notifications.reacted',
  joinRequested: 'notifications.join-requested',
  invited: 'notifications.invited',
  moderated: 'notifications.moderated',
  email: 'notifications.email',
  digestSweep: 'notifications.digest-sweep',
  digest: 'notifications.digest',
} as const;

/** What the request that caused a notification enqueues (inside its transaction when it passes `tx`). */
export interface NotificationEvents {
  postPublished(postId: string, tx?: Prisma.TransactionClient): Promise<void>;
  /** A post's words changed: people it now mentions are told. */
  postEdited(postId: string, tx?: Prisma.TransactionClient): Promise<void>;
  answerAccepted(postId: string, tx?: Prisma.TransactionClient): Promise<void>;
  reacted(postId: string, reaction: 'LIKE' | 'USEFUL', tx?: Prisma.TransactionClient): Promise<void>;
  joinRequested(communityId: string, userId: string, tx?: Prisma.TransactionClient): Promise<void>;
  invited(
    communityId: string,
    userId: string,
    invitedById: string | null,
    tx?: Prisma.TransactionClient,
  ): Promise<void>;
  /** A moderator restricted the person's post or participation, or decided their appeal: they are told. */
  moderated(decisionId: string, appealDecided: boolean, tx?: Prisma.TransactionClient): Promise<void>;
}

export function createNotificationEvents(queue: JobQueue): NotificationEvents {
  return {
    postPublished: (postId, tx) => queue.send(NOTIFICATION_JOBS.postPublished, { postId }, { tx }),
    postEdited: (postId, tx) => queue.send(NOTIFICATION_JOBS.postPublished, { postId, edited: true }, { tx }),
    answerAccepted: (postId, tx) => queue.send(NOTIFICATION_JOBS.answerAccepted, { postId }, { tx }),
    reacted: (postId, reaction, tx) =>
      // Many reactions in a moment make one job: the notification counts them when it runs.
      queue.send(NOTIFICATION_JOBS.reacted, { postId, reaction }, { tx, singletonKey: `${postId}:${reaction}` }),
    joinRequested: (communityId, userId, tx) =>
      queue.send(NOTIFICATION_JOBS.joinRequested, { communityId, userId }, { tx }),
    invited: (communityId, userId, invitedById, tx) =>
      queue.send(NOTIFICATION_JOBS.invited, { communityId, userId, invitedById }, { tx }),
    moderated: (decisionId, appealDecided, tx) =>
      queue.send(NOTIFICATION_JOBS.moderated, { decisionId, appealDecided }, { tx }),
  };
}

interface Candidate {
  readonly id: string;
  readonly kinds: NotificationKind[];
}

const COMMUNITY_FACTS = { id: true, audience: true, visibility: true, ownerOrganizationId: true } as const;

export function createNotificationFanOut({ db, queue }: { db: Db; queue: JobQueue }) {
  interface Audience {
    readonly community: Prisma.CommunityGetPayload<{ select: typeof COMMUNITY_FACTS }>;
    readonly threadId: string | null;
    /** Who caused it: never told of their own act. */
    readonly actorId: string | null;
    readonly candidates: readonly Candidate[];
    /** Everyone with an active membership is a candidate for this kind (announcements). */
    readonly members?: NotificationKind;
  }

  /**
   * The candidates who may be told, each with the kind they are told of and how: those who may read the
   * community now, whose watch levels let the kind through and who have not turned it off. The same rule
   * for every kind, first notification or a batched one coming back.
   */
  async function eligible(input: Audience): Promise<{ id: string; kind: NotificationKind; delivery: Delivery }[]> {
    const { community, threadId } = input;
    const named = new Map<string, NotificationKind[]>();
    for (const candidate of input.candidates) {
      if (candidate.id === input.actorId) continue;
      named.set(candidate.id, [...(named.get(candidate.id) ?? []), ...candidate.kinds]);
    }
    const who: Prisma.UserWhereInput[] = [];
    if (named.size > 0) who.push({ id: { in: [...named.keys()] } });
    if (input.members) who.push({ memberships: { some: { communityId: community.id, state: 'ACTIVE' } } });
    if (who.length === 0) return [];

    const people = await db.user.findMany({
      where: {
        AND: [
          communityReadersWhere(community),
          { OR: who },
          ...(input.actorId ? [{ id: { not: input.actorId } }] : []),
        ],
      },
      select: {
        id: true,
        notificationPrefs: { select: { kind: true, delivery: true } },
        communityWatches: { where: { communityId: community.id }, select: { level: true } },
        ...(threadId ? { threadWatches: { where: { threadId }, select: { level: true } } } : {}),
      },
    });

    const told: { id: string; kind: NotificationKind; delivery: Delivery }[] = [];
    for (const person of people) {
      const kinds = [...(named.get(person.id) ?? []), ...(input.members ? [input.members] : [])];
      const levels = {
        community: (person.communityWatches[0]?.level ?? null) as WatchLevel | null,
        thread: ((person as { threadWatches?: { level: WatchLevel }[] }).threadWatches?.[0]?.level ??
          null) as WatchLevel | null,
      };
      const chosen = new Map(person.notificationPrefs.map((pref) => [pref.kind, pref.delivery as Delivery]));
      const ordered = [...new Set(kinds)].sort((x, y) => precedence(x) - precedence(y));
      const kind = ordered.find((each) => watchAllows(each, levels) && deliveryFor(each, chosen) !== 'OFF');
      if (kind) told.push({ id: person.id, kind, delivery: deliveryFor(kind, chosen) });
    }
    return told;
  }

  /**
   * Writes one notification per (person, dedupe key) for the eligible candidates and enqueues the e-mail
   * job of those who chose e-mail. A key already written is left as it is (a retried job writes nothing).
   * Returns how many people were told.
   */
  async function notify(
    input: Audience & {
      readonly postId: string | null;
      readonly dedupeKey: string;
      readonly extra?: Partial<Prisma.NotificationCreateManyInput>;
    },
  ): Promise<number> {
    const told = await eligible(input);
    const rows: Prisma.NotificationCreateManyInput[] = told.map((person) => ({
      ...input.extra,
      recipientId: person.id,
      kind: person.kind,
      actorId: input.actorId,
      communityId: input.community.id,
      threadId: input.threadId,
      postId: input.postId,
      dedupeKey: input.dedupeKey,
    }));
    for (let at = 0; at < rows.length; at += 5_000) {
      await db.notification.createMany({ data: rows.slice(at, at + 5_000), skipDuplicates: true });
    }
    await enqueueEmails(
      input.dedupeKey,
      told.filter((person) => person.delivery === 'EMAIL').map((person) => person.id),
    );
    return rows.length;
  }

  /** E-mail jobs for the notifications of `dedupeKey` that have not been e-mailed yet. */
  async function enqueueEmails(dedupeKey: string, recipientIds: readonly string[]) {
    if (recipientIds.length === 0) return;
    const waiting = await db.notification.findMany({
      where: { dedupeKey, recipientId: { in: [...recipientIds] }, emailedAt: null },
      select: { id: true },
    });
    await queue.sendMany(
      NOTIFICATION_JOBS.email,
      waiting.map(({ id }) => ({ data: { notificationId: id }, singletonKey: id })),
    );
  }

  /**
   * A published post: mentions, replies to the thread or to a reply, watchers, announcements. An edited
   * post (`edited`) tells only the people it now mentions: everyone else was told when it was written, and
   * people who began watching or joined since then were not there for it.
   */
  async function postPublished(postId: string, edited = false): Promise<number> {
    const post = await db.post.findUnique({
      where: { id: postId },
      select: {
        id: true,
        authorId: true,
        isOpening: true,
        status: true,
        parent: { select: { authorId: true } },
        mentions: { select: { userId: true } },
        thread: {
          select: { id: true, authorId: true, kind: true, restricted: true, community: { select: COMMUNITY_FACTS } },
        },
      },
    });
    // Gone, or no longer published (deleted, held…) by the time the job runs, or in a thread whose opening
    // post is held or hidden (post-visibility.ts): nobody is told of it.
    if (post?.status !== 'PUBLISHED' || post.thread.restricted) return 0;
    const { thread } = post;
    const candidates: Candidate[] = post.mentions.map(({ userId }) => ({ id: userId, kinds: ['MENTION'] }));
    if (!edited) {
      if (post.parent?.authorId) candidates.push({ id: post.parent.authorId, kinds: ['REPLY_TO_POST'] });
      if (!post.isOpening && thread.authorId) candidates.push({ id: thread.authorId, kinds: ['REPLY_TO_THREAD'] });
      const watchers = post.isOpening
        ? await db.communityWatch.findMany({
            where: { communityId: thread.community.id, level: 'WATCHING' },
            select: { userId: true },
          })
        : await db.threadWatch.findMany({
            where: { threadId: thread.id, level: 'WATCHING' },
            select: { userId: true },
          });
      const kind: NotificationKind = post.isOpening ? 'NEW_THREAD' : 'WATCHED_THREAD';
      for (const { userId } of watchers) candidates.push({ id: userId, kinds: [kind] });
    }
    const announcement = !edited && post.isOpening && thread.kind === 'ANNOUNCEMENT';
    return notify({
      community: thread.community,
      threadId: thread.id,
      postId: post.id,
      actorId: post.authorId,
      dedupeKey: `post:${post.id}`,
      candidates,
      ...(announcement ? { members: 'ANNOUNCEMENT' as const } : {}),
    });
  }

  /** The accepted answer's author is told (not when they accepted it themselves). */
  async function answerAccepted(postId: string): Promise<number> {
    const post = await db.post.findUnique({
      where: { id: postId },
      select: {
        id: true,
        authorId: true,
        status: true,
        acceptedIn: { select: { id: true, authorId: true, community: { select: COMMUNITY_FACTS } } },
      },
    });
    if (!post?.authorId || post.status !== 'PUBLISHED' || !post.acceptedIn) return 0;
    return notify({
      community: post.acceptedIn.community,
      threadId: post.acceptedIn.id,
      postId: post.id,
      actorId: post.acceptedIn.authorId,
      dedupeKey: `accepted:${post.id}`,
      candidates: [{ id: post.authorId, kinds: ['ANSWER_ACCEPTED'] }],
    });
  }

  /**
   * Reactions are batched: one notification per post and kind of reaction, which counts the people who
   * reacted so far and comes back unread with each new one ("3 people found your answer useful"). It comes
   * back only when someone reacted after it was last written, and only if the author would be told of a
   * first one (may read, has not muted the thread or community, has not turned reactions off).
   */
  async function reacted(postId: string, reaction: 'LIKE' | 'USEFUL'): Promise<number> {
    const post = await db.post.findUnique({
      where: { id: postId },
      select: {
        id: true,
        authorId: true,
        status: true,
        thread: { select: { id: true, community: { select: COMMUNITY_FACTS } } },
      },
    });
    if (!post?.authorId || post.status !== 'PUBLISHED') return 0;
    const others = { postId, kind: reaction, userId: { not: post.authorId } } as const;
    const [count, latest] = await Promise.all([
      db.reaction.count({ where: others }),
      db.reaction.findFirst({
        where: others,
        orderBy: [{ createdAt: 'desc' }, { userId: 'desc' }],
        select: { userId: true, createdAt: true },
      }),
    ]);
    if (count === 0 || !latest) return 0;
    const dedupeKey = `reactions:${postId}:${reaction}`;
    const existing = await db.notification.findUnique({
      where: { recipientId_dedupeKey: { recipientId: post.authorId, dedupeKey } },
      select: { id: true, notifiedAt: true },
    });
    // Nothing new since it was written (a retried job, or a reaction taken back): leave it as it is.
    if (existing && latest.createdAt <= existing.notifiedAt) return 1;
    const audience: Audience = {
      community: post.thread.community,
      threadId: post.thread.id,
      actorId: latest.userId,
      candidates: [{ id: post.authorId, kinds: ['REACTIONS'] }],
    };
    if (!existing) {
      return notify({
        ...audience,
        postId,
        dedupeKey,
        extra: { reaction, actorCount: count, notifiedAt: latest.createdAt },
      });
    }
    const [author] = await eligible(audience);
    if (!author) return 0;
    await db.notification.update({
      where: { id: existing.id },
      // notifiedAt is the newest reaction's time: one made while this job runs is newer, and is told.
      data: { actorCount: count, actorId: latest.userId, readAt: null, emailedAt: null, notifiedAt: latest.createdAt },
    });
    if (author.delivery === 'EMAIL') await enqueueEmails(dedupeKey, [author.id]);
    return 1;
  }

  /** The community's moderators and owners are told of a request to join. */
  async function joinRequested(communityId: string, userId: string): Promise<number> {
    const community = await db.community.findUnique({ where: { id: communityId }, select: COMMUNITY_FACTS });
    const request = await db.membership.findUnique({
      where: { communityId_userId: { communityId, userId } },
      select: { state: true, updatedAt: true },
    });
    if (!community || request?.state !== 'PENDING') return 0;
    const moderators = await db.membership.findMany({
      where: { communityId, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] } },
      select: { userId: true },
    });
    return notify({
      community,
      threadId: null,
      postId: null,
      actorId: userId,
      // Each request is news: asking again after a refusal makes a new key (the request's time).
      dedupeKey: `join:${communityId}:${userId}:${request.updatedAt.getTime()}`,
      candidates: moderators.map((row) => ({ id: row.userId, kinds: ['JOIN_REQUEST'] })),
    });
  }

  /**
   * The invited person is told, while the invitation stands. The invited may not read a private community
   * yet: the invitation is what they may see of it, so the only checks are an active account and their
   * choice for invitations. Each invitation is news: inviting again after a refusal makes a new key.
   */
  async function invited(communityId: string, userId: string, invitedById: string | null): Promise<number> {
    const membership = await db.membership.findUnique({
      where: { communityId_userId: { communityId, userId } },
      select: { state: true, updatedAt: true, user: { select: { status: true } } },
    });
    if (membership?.state !== 'INVITED' || membership.user.status !== 'ACTIVE') return 0;
    const dedupeKey = `invite:${communityId}:${membership.updatedAt.getTime()}`;
    return tellOne(userId, 'INVITATION', { actorId: invitedById, communityId, dedupeKey });
  }

  /**
   * One person told of something about them alone, as their choice for `kind` says (nothing when OFF); the
   * dedupe key makes a retried job tell them once. Returns 1 when told.
   */
  async function tellOne(
    userId: string,
    kind: 'INVITATION' | 'MODERATION' | 'DATA_EXPORT',
    row: { actorId?: string | null; communityId: string | null; dedupeKey: string },
  ): Promise<number> {
    const prefs = await db.notificationPreference.findUnique({
      where: { userId_kind: { userId, kind } },
      select: { delivery: true },
    });
    const delivery = deliveryFor(kind, new Map(prefs ? [[kind, prefs.delivery as Delivery]] : []));
    if (delivery === 'OFF') return 0;
    await db.notification.createMany({
      data: [
        {
          recipientId: userId,
          kind,
          actorId: row.actorId ?? null,
          communityId: row.communityId,
          dedupeKey: row.dedupeKey,
        },
      ],
      skipDuplicates: true,
    });
    if (delivery === 'EMAIL') await enqueueEmails(row.dedupeKey, [userId]);
    return 1;
  }

  /**
   * The person a moderation decision is about is told of it (and again of their appeal's outcome), with a
   * link to its statement of reasons; the moderator is not named. The key is the decision's: a retried
   * job tells them once. Nothing for an account that is gone or suspended, or whose choice is OFF.
   */
  async function moderated(decisionId: string, appealDecided: boolean): Promise<number> {
    const decision = await db.moderationDecision.findUnique({
      where: { id: decisionId },
      select: { subjectId: true, communityId: true, subject: { select: { status: true } } },
    });
    if (!decision?.subjectId || decision.subject?.status !== 'ACTIVE') return 0;
    const userId = decision.subjectId;
    const dedupeKey = `moderation:${decisionId}${appealDecided ? ':appeal' : ''}`;
    return tellOne(userId, 'MODERATION', { communityId: decision.communityId, dedupeKey });
  }

  /**
   * The person who asked for a copy of their data (GDPR Art. 15 and 20) is told it is ready, with a link to
   * /account/data. The key is the export's: a retried job tells them once. Nothing when their choice is OFF
   * (the page still lists the export), nor for an account that is suspended or gone. Returns 1 when told.
   */
  async function dataExportReady(userId: string, exportId: string): Promise<number> {
    const user = await db.user.findUnique({ where: { id: userId }, select: { status: true } });
    if (user?.status !== 'ACTIVE') return 0;
    return tellOne(userId, 'DATA_EXPORT', { communityId: null, dedupeKey: `export:${exportId}` });
  }

  return { postPublished, answerAccepted, reacted, joinRequested, invited, moderated, dataExportReady };
}

function precedence(kind: NotificationKind): number {
  const at = POST_KINDS_BY_PRECEDENCE.indexOf(kind);
  return at === -1 ? POST_KINDS_BY_PRECEDENCE.length : at;
}

export type NotificationFanOut = ReturnType<typeof createNotificationFanOut>;
