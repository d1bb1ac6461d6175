import { randomBytes } from 'node:crypto';
import { actorFromUserRow, type CommunityActor } from '../access/communities.js';
import { escapeLike } from '../admin/admin-search.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import type { Mailer } from '../email/mailer.js';
import type { Prisma } from '../generated/prisma/client.js';
import { createTranslator, isLocale, type Locale, type Translate } from '../i18n/i18n.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { topicKey } from '../markdown/post-markdown.js';
import { NOTIFICATION_JOBS } from './notification-fanout.js';
import {
  type Delivery,
  type DigestFrequency,
  decideEmail,
  deliveryFor,
  digestWindowMs,
  dueDigestPeriod,
  type NotificationKind,
  signUnsubscribe,
  UNSUBSCRIBE_TTL_MS,
  type UnsubscribeScope,
} from './notification-rules.js';
import { visibleNotificationWhere } from './notifications.service.js';

// The e-mails of notifications: one at once (when the person chose it and is away), and the digest. Both
// are claimed in the database before they leave (Notification.emailedAt, DigestDelivery), so a retried job
// never sends twice; a delivery that fails gives its claim back and the job is retried.

/** The recipient's row as the access rules and the mailer need it. */
export const RECIPIENT_SELECT = {
  id: true,
  email: true,
  emailVerifiedAt: true,
  displayName: true,
  status: true,
  kind: true,
  role: true,
  locale: true,
  organizationId: true,
  organization: { select: { kind: true } },
  lastSeenAt: true,
  timeZone: true,
  digestFrequency: true,
  digestHour: true,
  expertise: true,
} as const;

type Recipient = Prisma.UserGetPayload<{ select: typeof RECIPIENT_SELECT }>;

/** A person as the access rules see them, from their row. */
export function actorOfUser(user: Recipient): CommunityActor {
  return actorFromUserRow(user);
}

/**
 * What a notification says, in one line: the list, the e-mail's subject and the digest share it.
 * `isolate`: each name and title wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE (UAX #9), the
 * text form of <bdi>, so that a name in Arabic or Hebrew does not reorder the words around it (the page).
 */
export function notificationSummary(
  t: Translate,
  n: {
    readonly kind: NotificationKind;
    readonly reaction: 'LIKE' | 'USEFUL' | null;
    readonly actorCount: number;
    readonly actorName: string | null;
    readonly communityName: string;
    readonly threadTitle: string | null;
  },
  { isolate = false }: { isolate?: boolean } = {},
): string {
  const own = (text: string) => (isolate ? `\u2068${text}\u2069` : text);
  const values = {
    actor: n.actorName ? own(n.actorName) : t('notifications.someone'),
    title: n.threadTitle ? own(n.threadTitle) : t('threads.untitled'),
    community: own(n.communityName),
    count: n.actorCount,
  };
  if (n.kind === 'REACTIONS') {
    const reaction = n.reaction ?? 'LIKE';
    return t(`notifications.summary.REACTIONS.${reaction}.${n.actorCount === 1 ? 'one' : 'other'}`, values);
  }
  return t(`notifications.summary.${n.kind}`, values);
}

const SIGNING_PURPOSE = 'unsubscribe';

/** The key unsubscribe links are signed with: made once, kept in the database for every process. */
export function createSigningKeys(db: Db) {
  let cached: Promise<Uint8Array> | null = null;
  return {
    unsubscribeKey(): Promise<Uint8Array> {
      cached ??= (async () => {
        await db.signingKey.createMany({
          data: [{ purpose: SIGNING_PURPOSE, key: randomBytes(32) }],
          skipDuplicates: true,
        });
        const row = await db.signingKey.findUniqueOrThrow({ where: { purpose: SIGNING_PURPOSE } });
        return new Uint8Array(row.key);
      })().catch((error: unknown) => {
        cached = null;
        throw error;
      });
      return cached;
    },
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;

const EXCERPT_CHARS = 280;

function excerptOf(source: string): string {
  const text = source
    .replace(/!\[[^\]]*]\(attachment:[^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

export interface NotificationMailDependencies {
  readonly db: Db;
  readonly mailer: Mailer;
  readonly queue: JobQueue;
  readonly keys: SigningKeys;
  readonly publicUrl: URL;
  readonly clock?: () => Date;
  readonly log: { info(obj: object, msg: string): void };
}

export function createNotificationMail({
  db,
  mailer,
  queue,
  keys,
  publicUrl,
  log,
  clock,
}: NotificationMailDependencies) {
  const now = clock ?? (() => new Date());
  const absolute = (path: string) => new URL(path, publicUrl).toString();
  const host = publicUrl.hostname || 'agora.invalid';

  async function siteName(): Promise<string> {
    const settings = await db.siteSettings.findUnique({ where: { id: 1 }, select: { siteName: true } });
    return settings?.siteName || 'Ágora';
  }

  async function unsubscribeLink(userId: string, scope: UnsubscribeScope): Promise<string> {
    const expires = Math.floor((now().getTime() + UNSUBSCRIBE_TTL_MS) / 1000);
    return absolute(`/unsubscribe/${signUnsubscribe({ userId, scope, expires }, await keys.unsubscribeKey())}`);
  }

  function localeOf(user: Recipient): Locale {
    return isLocale(user.locale) ? user.locale : 'es';
  }

  const mailable = (user: Recipient) => user.status === 'ACTIVE' && user.emailVerifiedAt !== null;

  /**
   * The e-mail of one notification, when it is still one the person may see, they chose e-mail for its
   * kind, are away, and were not mailed about the same thread in the last 10 minutes. Otherwise nothing is
   * sent: the notification waits in Ágora and for the digest. Returns what was decided.
   */
  async function sendNotificationEmail(notificationId: string): Promise<string> {
    const row = await db.notification.findUnique({
      where: { id: notificationId },
      select: { id: true, recipient: { select: RECIPIENT_SELECT }, emailedAt: true },
    });
    if (!row) return 'gone';
    if (row.emailedAt) return 'already-sent';
    const recipient = row.recipient;
    const notification = await db.notification.findFirst({
      where: { AND: [visibleNotificationWhere(actorOfUser(recipient)), { id: notificationId }] },
      select: {
        id: true,
        kind: true,
        reaction: true,
        actorCount: true,
        readAt: true,
        postId: true,
        threadId: true,
        actor: { select: { displayName: true } },
        community: { select: { name: true, slug: true } },
        thread: { select: { title: true } },
        post: { select: { source: true } },
      },
    });
    // Held, hidden, deleted or out of reach by now: nothing of it is mailed.
    if (!notification) return 'not-visible';
    if (notification.readAt) return 'already-read';
    const pref = await db.notificationPreference.findUnique({
      where: { userId_kind: { userId: recipient.id, kind: notification.kind } },
      select: { delivery: true },
    });
    const delivery = deliveryFor(
      notification.kind,
      new Map(pref ? [[notification.kind, pref.delivery as Delivery]] : []),
    );
    // The decision and the claim under one lock per (person, thread): two e-mail jobs of one thread running
    // at once (two workers, or one worker's parallel jobs) cannot both find "nothing mailed lately".
    const decision = await db.$transaction(async (tx) => {
      if (notification.threadId) {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${recipient.id}:${notification.threadId}`}, 0))`;
      }
      const lastForThread = notification.threadId
        ? await tx.notification.findFirst({
            where: { recipientId: recipient.id, threadId: notification.threadId, emailedAt: { not: null } },
            orderBy: { emailedAt: 'desc' },
            select: { emailedAt: true },
          })
        : null;
      const decided = decideEmail({
        delivery,
        mailable: mailable(recipient),
        lastSeenAt: recipient.lastSeenAt,
        lastEmailForThreadAt: lastForThread?.emailedAt ?? null,
        now: now(),
      });
      if (decided !== 'send') return decided;
      // The claim: whichever try gets here first sends; any other finds it taken.
      const claimed = await tx.notification.updateMany({
        where: { id: notificationId, emailedAt: null },
        data: { emailedAt: now() },
      });
      return claimed.count === 0 ? 'already-sent' : 'send';
    });
    if (decision !== 'send') return decision;

    const locale = localeOf(recipient);
    const t = createTranslator(locale);
    const summary = notificationSummary(t, {
      kind: notification.kind,
      reaction: notification.reaction,
      actorCount: notification.actorCount,
      actorName: notification.actor?.displayName ?? null,
      communityName: notification.community?.name ?? '',
      threadTitle: notification.thread?.title ?? null,
    });
    const conversation = notification.threadId ? `<thread.${notification.threadId}@${host}>` : null;
    const unsubscribe = await unsubscribeLink(recipient.id, notification.kind);
    try {
      await mailer.send({
        to: recipient.email,
        toProven: true,
        locale,
        template: 'notification',
        data: {
          site: await siteName(),
          name: recipient.displayName,
          summary,
          excerpt: notification.post ? excerptOf(notification.post.source) : '',
          link: absolute(`/notifications/${notification.id}`),
          reason: t(`notifications.reason.${notification.kind}`, { community: notification.community?.name ?? '' }),
          preferencesLink: absolute('/account/notifications'),
          unsubscribeLink: unsubscribe,
        },
        headers: {
          'Message-ID': `<notification.${notification.id}@${host}>`,
          ...(conversation ? { 'In-Reply-To': conversation, References: conversation } : {}),
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
    } catch (error) {
      // Not sent: the claim is given back and pg-boss tries again later.
      await db.notification.updateMany({ where: { id: notificationId }, data: { emailedAt: null } });
      throw error;
    }
    log.info({ notification: notification.id, kind: notification.kind }, 'notification e-mailed');
    return 'sent';
  }

  /**
   * Every hour: a digest job for each person whose digest is due at this hour of their own time zone.
   * The period in the job's key makes a sweep run twice (two schedulers, a retry) enqueue it once.
   */
  async function sweepDigests(): Promise<number> {
    const at = now();
    // The hour test runs in PostgreSQL, on every zone at once; dueDigestPeriod confirms and names the period.
    const due = await db.$queryRaw<
      { id: string; time_zone: string; digest_frequency: DigestFrequency; digest_hour: number }[]
    >`SELECT id, time_zone, digest_frequency::text AS digest_frequency, digest_hour FROM users
      WHERE status = 'ACTIVE' AND email_verified_at IS NOT NULL AND digest_frequency <> 'NEVER'
        AND time_zone IN (SELECT name FROM pg_timezone_names)
        AND extract(hour FROM ${at}::timestamptz AT TIME ZONE time_zone) = digest_hour`;
    const jobs = [];
    for (const person of due) {
      const period = dueDigestPeriod(
        { frequency: person.digest_frequency, hour: person.digest_hour, timeZone: person.time_zone },
        at,
      );
      if (period) jobs.push({ data: { userId: person.id, period }, singletonKey: `${person.id}:${period}` });
    }
    await queue.sendMany(NOTIFICATION_JOBS.digest, jobs);
    return jobs.length;
  }

  /**
   * One person's digest for one period: their unread notifications, the most active threads of their
   * communities and unanswered questions on their expertise, all filtered by what they may read now.
   * Nothing is sent when there is nothing new. Returns what was decided.
   */
  async function sendDigest(userId: string, period: string): Promise<string> {
    const recipient = await db.user.findUnique({ where: { id: userId }, select: RECIPIENT_SELECT });
    if (!recipient || !mailable(recipient) || recipient.digestFrequency === 'NEVER') return 'not-mailable';
    const previous = await db.digestDelivery.findFirst({
      where: { userId },
      orderBy: { sentAt: 'desc' },
      select: { sentAt: true },
    });
    try {
      await db.digestDelivery.create({ data: { userId, period, sentAt: now() } });
    } catch {
      return 'already-sent'; // the (person, period) row exists: an earlier try claimed it
    }
    const at = now();
    const since = new Date(
      Math.max(previous?.sentAt.getTime() ?? 0, at.getTime() - digestWindowMs(recipient.digestFrequency)),
    );
    const actor = actorOfUser(recipient);
    const locale = localeOf(recipient);
    const t = createTranslator(locale);
    const readable = communityAccessWhere(actor, 'read');
    const notMuted: Prisma.CommunityWhereInput = { NOT: { watches: { some: { userId, level: 'MUTED' } } } };
    const openingPublished: Prisma.ThreadWhereInput = { posts: { some: { isOpening: true, status: 'PUBLISHED' } } };

    const unread = await db.notification.findMany({
      where: { AND: [visibleNotificationWhere(actor), { readAt: null, notifiedAt: { gte: since } }] },
      orderBy: [{ notifiedAt: 'desc' }, { id: 'desc' }],
      take: 10,
      select: {
        id: true,
        kind: true,
        reaction: true,
        actorCount: true,
        postId: true,
        threadId: true,
        actor: { select: { displayName: true } },
        community: { select: { name: true, slug: true } },
        thread: { select: { title: true } },
      },
    });
    const active = await db.thread.findMany({
      where: {
        lastActivityAt: { gte: since },
        replyCount: { gt: 0 },
        community: { AND: [readable, notMuted, { memberships: { some: { userId, state: 'ACTIVE' } } }] },
        ...openingPublished,
      },
      orderBy: [{ replyCount: 'desc' }, { lastActivityAt: 'desc' }, { id: 'desc' }],
      take: 5,
      select: { id: true, title: true, replyCount: true, community: { select: { name: true, slug: true } } },
    });
    const expertise = recipient.expertise.filter((entry) => entry.trim() !== '');
    const questions =
      expertise.length === 0
        ? []
        : await db.thread.findMany({
            where: {
              kind: 'QUESTION',
              acceptedPostId: null,
              replyCount: 0,
              createdAt: { gte: since },
              authorId: { not: userId },
              community: { AND: [readable, notMuted] },
              ...openingPublished,
              OR: [
                // contains is a LIKE: an expertise with % or _ would match any title, hence escaped.
                ...expertise.map((entry) => ({ title: { contains: escapeLike(entry), mode: 'insensitive' as const } })),
                {
                  posts: {
                    some: {
                      isOpening: true,
                      topics: { some: { topic: { slug: { in: expertise.map((entry) => topicKey(entry)) } } } },
                    },
                  },
                },
              ],
            },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take: 5,
            select: { id: true, title: true, community: { select: { name: true, slug: true } } },
          });
    if (unread.length === 0 && active.length === 0 && questions.length === 0) return 'nothing-new';

    const threadLink = (slug: string, id: string) => absolute(`/c/${encodeURIComponent(slug)}/threads/${id}`);
    try {
      await mailer.send({
        to: recipient.email,
        toProven: true,
        locale,
        template: 'digest',
        data: {
          site: await siteName(),
          name: recipient.displayName,
          period,
          link: absolute('/notifications'),
          preferencesLink: absolute('/account/notifications'),
          unsubscribeLink: await unsubscribeLink(userId, 'DIGEST'),
        },
        lists: {
          unread: unread.map((n) => ({
            text: notificationSummary(t, {
              kind: n.kind,
              reaction: n.reaction,
              actorCount: n.actorCount,
              actorName: n.actor?.displayName ?? null,
              communityName: n.community?.name ?? '',
              threadTitle: n.thread?.title ?? null,
            }),
            // Through the notification, so that opening it from the digest marks it read.
            link: absolute(`/notifications/${n.id}`),
            detail: '',
          })),
          active: active.map((thread) => ({
            text: thread.title || t('threads.untitled'),
            link: threadLink(thread.community.slug, thread.id),
            detail: `${thread.community.name} · ${t('email.digest.replies', { count: thread.replyCount })}`,
          })),
          questions: questions.map((thread) => ({
            text: thread.title || t('threads.untitled'),
            link: threadLink(thread.community.slug, thread.id),
            detail: thread.community.name,
          })),
        },
        headers: {
          'Message-ID': `<digest.${userId}.${period}@${host}>`,
          'List-Unsubscribe': `<${await unsubscribeLink(userId, 'DIGEST')}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
    } catch (error) {
      await db.digestDelivery.deleteMany({ where: { userId, period } });
      throw error;
    }
    return 'sent';
  }

  return { sendNotificationEmail, sweepDigests, sendDigest };
}

export type NotificationMail = ReturnType<typeof createNotificationMail>;
