import type { CommunityActor } from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { READABLE_POST_WHERE } from '../moderation/post-visibility.js';
import { isCursorUuid } from '../search/cursor-values.js';
import { postPath, threadPath } from '../threads/thread-paths.js';
import { type HeaderCounts, headerCounts, notificationJoins, visibleNotificationSql } from './header-counts.js';
import {
  DEFAULT_DELIVERY,
  type Delivery,
  type DigestFrequency,
  NOTIFICATION_KINDS,
  type NotificationKind,
  POST_KINDS_BY_PRECEDENCE,
  type WatchLevel,
} from './notification-rules.js';

// What a person reads of their notifications: the bell's count, the list, marking read, their choices and
// watch levels. Every read applies the access rules at the moment it runs (visibleNotificationWhere): a
// post held, hidden or deleted after the notification was written, or a community the person left or lost,
// shows nothing; the notification is not listed and not counted.

/**
 * Kinds about a post: shown while the post is published in a community the person may read. (An accepted
 * answer also while it is accepted; requests and invitations have rules of their own.)
 */
const POST_KINDS: NotificationKind[] = [...POST_KINDS_BY_PRECEDENCE, 'REACTIONS'];

/**
 * The notifications `actor` may be shown now, as a query condition: theirs; about a published post of a
 * community they may read; a request to join a community they still moderate; an invitation that still
 * stands. The same condition serves the list, the count, the digest and the e-mail job.
 */
export function visibleNotificationWhere(actor: CommunityActor): Prisma.NotificationWhereInput {
  if (actor.status !== 'ACTIVE') return { id: { in: [] } };
  return {
    recipientId: actor.id,
    OR: [
      { kind: { in: POST_KINDS }, post: READABLE_POST_WHERE, community: communityAccessWhere(actor, 'read') },
      // An accepted answer, while it is still the accepted one.
      {
        kind: 'ANSWER_ACCEPTED',
        post: { ...READABLE_POST_WHERE, acceptedIn: { isNot: null } },
        community: communityAccessWhere(actor, 'read'),
      },
      {
        kind: 'JOIN_REQUEST',
        community: {
          AND: [
            communityAccessWhere(actor, 'read'),
            { memberships: { some: { userId: actor.id, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] } } } },
          ],
        },
      },
      // About the person themselves (a decision on their post or participation): always theirs to read.
      { kind: 'MODERATION' },
      // Their own data export (GDPR Art. 15): shown while it can still be downloaded.
      { kind: 'DATA_EXPORT' },
      {
        kind: 'INVITATION',
        community: {
          AND: [communityAccessWhere(actor, 'see'), { memberships: { some: { userId: actor.id, state: 'INVITED' } } }],
        },
      },
    ],
  };
}

const LIST_SELECT = {
  id: true,
  kind: true,
  reaction: true,
  actorCount: true,
  notifiedAt: true,
  readAt: true,
  postId: true,
  threadId: true,
  dedupeKey: true,
  actor: { select: { displayName: true, handle: true } },
  community: { select: { name: true, slug: true } },
  thread: { select: { title: true } },
} as const;

type ListRow = Prisma.NotificationGetPayload<{ select: typeof LIST_SELECT }>;

export interface NotificationItem {
  readonly id: string;
  readonly kind: NotificationKind;
  readonly reaction: 'LIKE' | 'USEFUL' | null;
  readonly actorCount: number;
  readonly actorName: string | null;
  readonly communityName: string;
  readonly threadTitle: string | null;
  readonly notifiedAt: Date;
  readonly unread: boolean;
  /** Where the notification leads: the post's anchor, the community, its requests. */
  readonly href: string;
}

/** Where a notification leads (a path on this site). */
export function notificationHref(row: {
  kind: string;
  postId: string | null;
  threadId: string | null;
  dedupeKey?: string;
  community: { slug: string } | null;
}): string {
  if (row.kind === 'MODERATION') {
    const decisionId = /^moderation:([0-9a-f-]{36})/.exec(row.dedupeKey ?? '')?.[1];
    return `/account/moderation${decisionId ? `#decision-${decisionId}` : ''}`;
  }
  if (row.kind === 'DATA_EXPORT' || !row.community) return '/account/data';
  const community = `/c/${encodeURIComponent(row.community.slug)}`;
  if (row.kind === 'JOIN_REQUEST') return `${community}/members#pending-title`;
  if (row.kind === 'INVITATION' || !row.threadId) return community;
  return row.postId
    ? postPath(row.community.slug, row.threadId, row.postId)
    : threadPath(row.community.slug, row.threadId);
}

function toItem(row: ListRow): NotificationItem {
  return {
    id: row.id,
    kind: row.kind,
    reaction: row.reaction,
    actorCount: row.actorCount,
    actorName: row.actor?.displayName ?? null,
    communityName: row.community?.name ?? '',
    threadTitle: row.thread ? row.thread.title : null,
    notifiedAt: row.notifiedAt,
    unread: row.readAt === null,
    href: notificationHref(row),
  };
}

/** A keyset cursor: the last row's time (ms) and id. */
export interface NotificationCursor {
  readonly at: number;
  readonly id: string;
}

export function encodeCursor(item: Pick<NotificationItem, 'notifiedAt' | 'id'>): string {
  return `${item.notifiedAt.getTime()}_${item.id}`;
}

/** The cursor in `?before=`; null for anything that is not one (the first page is shown). */
export function decodeCursor(value: unknown): NotificationCursor | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{1,15})_([0-9a-f-]{36})$/.exec(value);
  if (!match || !isCursorUuid(match[2])) return null;
  return { at: Number(match[1]), id: match[2] ?? '' };
}

export const NOTIFICATIONS_PAGE = 30;
/** The bell counts up to this and shows "99+" beyond. */
export const BELL_MAX = 99;

export interface NotificationSettings {
  readonly deliveries: Readonly<Record<NotificationKind, Delivery>>;
  readonly digestFrequency: DigestFrequency;
  readonly digestHour: number;
  readonly timeZone: string;
}

export function createNotificationsService({ db }: { db: Db }) {
  return {
    /**
     * The header's two numbers in one statement (header-counts.ts): unread notifications the person may be
     * shown now, up to BELL_MAX + 1, and entries waiting in the review queues they moderate.
     */
    headerCounts(viewer: Viewer): Promise<HeaderCounts> {
      return headerCounts(db, viewer, BELL_MAX);
    },

    /** One page, newest first, keyset-paged on (notifiedAt, id); `next` is the cursor of the next page. */
    async list(
      actor: CommunityActor,
      before: NotificationCursor | null,
    ): Promise<{ items: NotificationItem[]; next: string | null }> {
      // The page's ids in SQL (header-counts.ts's visibility rule, cheap to plan: the Prisma where took
      // PostgreSQL about 10 ms to plan), then the rows by key.
      const keyset = before
        ? Prisma.sql`AND (n.notified_at, n.id) < (${new Date(before.at)}, ${before.id}::uuid)`
        : Prisma.empty;
      const ids = await db.$queryRaw<{ id: string }[]>`
        SELECT n.id FROM notifications n ${notificationJoins(actor.id)}
         WHERE n.recipient_id = ${actor.id}::uuid AND ${visibleNotificationSql(actor)} ${keyset}
         ORDER BY n.notified_at DESC, n.id DESC
         LIMIT ${NOTIFICATIONS_PAGE + 1}`;
      const found = await db.notification.findMany({
        where: { id: { in: ids.map((row) => row.id) } },
        select: LIST_SELECT,
      });
      const byId = new Map(found.map((row) => [row.id, row]));
      const rows = ids.flatMap((row) => byId.get(row.id) ?? []);
      const items = rows.slice(0, NOTIFICATIONS_PAGE).map(toItem);
      const last = items.at(-1);
      return { items, next: rows.length > NOTIFICATIONS_PAGE && last ? encodeCursor(last) : null };
    },

    /**
     * Marks one notification read and returns where it leads. NotFound when it is not the person's, or
     * shows nothing they may read now (the same answer as for an id that never existed).
     */
    async open(actor: CommunityActor, notificationId: string): Promise<string> {
      const row = await db.notification.findFirst({
        where: { AND: [visibleNotificationWhere(actor), { id: notificationId }] },
        select: {
          id: true,
          kind: true,
          postId: true,
          threadId: true,
          dedupeKey: true,
          readAt: true,
          community: { select: { slug: true } },
        },
      });
      if (!row) throw new NotFound();
      if (!row.readAt) await db.notification.update({ where: { id: row.id }, data: { readAt: new Date() } });
      return notificationHref(row);
    },

    /** Marks one read without following it. NotFound as for `open`. */
    async markRead(actor: CommunityActor, notificationId: string): Promise<void> {
      const { count } = await db.notification.updateMany({
        where: { AND: [visibleNotificationWhere(actor), { id: notificationId }] },
        data: { readAt: new Date() },
      });
      if (count === 0) {
        const mine = await db.notification.findFirst({
          where: { AND: [visibleNotificationWhere(actor), { id: notificationId }] },
          select: { id: true },
        });
        if (!mine) throw new NotFound();
      }
    },

    /** Marks every notification of the person read (those they cannot be shown too: they are not news). */
    async markAllRead(actor: CommunityActor): Promise<number> {
      const { count } = await db.notification.updateMany({
        where: { recipientId: actor.id, readAt: null },
        data: { readAt: new Date() },
      });
      return count;
    },

    async settings(userId: string): Promise<NotificationSettings> {
      const user = await db.user.findUniqueOrThrow({
        where: { id: userId },
        select: {
          timeZone: true,
          digestFrequency: true,
          digestHour: true,
          notificationPrefs: { select: { kind: true, delivery: true } },
        },
      });
      const deliveries = { ...DEFAULT_DELIVERY };
      for (const pref of user.notificationPrefs) deliveries[pref.kind] = pref.delivery;
      return {
        deliveries,
        digestFrequency: user.digestFrequency,
        digestHour: user.digestHour,
        timeZone: user.timeZone,
      };
    },

    /** Stores the person's choices (already validated). Kinds at their default are stored all the same. */
    async saveSettings(userId: string, settings: NotificationSettings): Promise<void> {
      await db.$transaction([
        db.user.update({
          where: { id: userId },
          data: {
            timeZone: settings.timeZone,
            digestFrequency: settings.digestFrequency,
            digestHour: settings.digestHour,
          },
        }),
        ...NOTIFICATION_KINDS.map((kind) =>
          db.notificationPreference.upsert({
            where: { userId_kind: { userId, kind } },
            create: { userId, kind, delivery: settings.deliveries[kind] },
            update: { delivery: settings.deliveries[kind] },
          }),
        ),
      ]);
    },

    /** Stops e-mail of one kind (it stays in Ágora), or the digest: what an unsubscribe link does. */
    async unsubscribe(userId: string, scope: NotificationKind | 'DIGEST'): Promise<void> {
      if (scope === 'DIGEST') {
        await db.user.updateMany({ where: { id: userId }, data: { digestFrequency: 'NEVER' } });
        return;
      }
      const exists = await db.user.count({ where: { id: userId } });
      if (exists === 0) return;
      const current = await db.notificationPreference.findUnique({
        where: { userId_kind: { userId, kind: scope } },
        select: { delivery: true },
      });
      if ((current?.delivery ?? DEFAULT_DELIVERY[scope]) !== 'EMAIL') return;
      await db.notificationPreference.upsert({
        where: { userId_kind: { userId, kind: scope } },
        create: { userId, kind: scope, delivery: 'IN_APP' },
        update: { delivery: 'IN_APP' },
      });
    },

    async communityWatch(userId: string, communityId: string): Promise<WatchLevel> {
      const row = await db.communityWatch.findUnique({
        where: { userId_communityId: { userId, communityId } },
        select: { level: true },
      });
      return row?.level ?? 'NORMAL';
    },

    async threadWatch(userId: string, threadId: string): Promise<WatchLevel> {
      const row = await db.threadWatch.findUnique({
        where: { userId_threadId: { userId, threadId } },
        select: { level: true },
      });
      return row?.level ?? 'NORMAL';
    },

    /** Sets a watch level; the caller has checked that the person may read the community. */
    async setCommunityWatch(userId: string, communityId: string, level: WatchLevel): Promise<void> {
      await db.communityWatch.upsert({
        where: { userId_communityId: { userId, communityId } },
        create: { userId, communityId, level },
        update: { level },
      });
    },

    /** Sets a watch level; the caller has checked that the person may read the thread. */
    async setThreadWatch(userId: string, threadId: string, level: WatchLevel): Promise<void> {
      await db.threadWatch.upsert({
        where: { userId_threadId: { userId, threadId } },
        create: { userId, threadId, level },
        update: { level },
      });
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
