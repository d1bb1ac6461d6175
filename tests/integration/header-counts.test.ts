import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/accounts/auth.js';
import { createDb } from '../../src/db/client.js';
import type { NotificationKind } from '../../src/generated/prisma/enums.js';
import { moderatedWhere } from '../../src/moderation/moderation.service.js';
import { headerCounts } from '../../src/notifications/header-counts.js';
import { BELL_MAX, visibleNotificationWhere } from '../../src/notifications/notifications.service.js';
import { AUDIENCES, createMatrixCast, type MatrixViewer, VISIBILITIES } from '../support/access-matrix.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity } from '../support/factories.js';

// The header's two numbers (unread notifications, pending review entries) are one SQL statement
// (src/notifications/header-counts.ts) instead of two Prisma counts. They must count exactly what
// visibleNotificationWhere and moderatedWhere — the conditions the notification list and the review
// queues use — let each person see: every audience × visibility of the access matrix, every kind of
// notification, about published, held, restricted and no-longer-accepted posts, read and unread.

let t: TestApp;
const people: MatrixViewer[] = [];
const communityIds: string[] = [];

function viewerOf(person: MatrixViewer): Viewer {
  const { user, actor } = person;
  if (!user || !actor) throw new Error('a signed-in person');
  return {
    id: user.id,
    handle: user.handle,
    displayName: user.displayName,
    email: user.email,
    kind: user.kind,
    role: user.role,
    locale: null,
    timeZone: 'Europe/Madrid',
    emailVerified: actor.emailVerified,
    organizationId: actor.organizationId,
    organizationIsAdministration: actor.organizationIsAdministration,
    sessionId: 'x',
  };
}

beforeAll(async () => {
  t = await createTestApp();
  const { townHall, owner, author, viewers } = await createMatrixCast(t);
  people.push(...viewers.filter((viewer) => viewer.user !== null));
  const notifications: {
    recipientId: string;
    kind: NotificationKind;
    communityId: string | null;
    threadId: string | null;
    postId: string | null;
    dedupeKey: string;
    readAt: Date | null;
  }[] = [];
  for (const audience of AUDIENCES) {
    for (const visibility of VISIBILITIES) {
      const c = await createCommunity(t.db, { organizationId: townHall.id, ownerId: owner.id, audience, visibility });
      communityIds.push(c.id);
      for (const person of people) {
        if (!person.user || person.user.id === owner.id) continue;
        if (person.author || person.role !== 'none') {
          // The citizen member moderates too: where the audience leaves them out, that role gives nothing.
          const moderates = person.role === 'moderator' || person.name === 'citizen, member';
          await addMembership(t.db, c.id, person.user.id, 'ACTIVE', moderates ? 'MODERATOR' : 'MEMBER');
        } else if (person.name.includes('not a member')) {
          // An invitation that stands: seen (not read) wherever the audience lets them see.
          await addMembership(t.db, c.id, person.user.id, 'INVITED');
        }
      }
      const post = (threadId: string, status: 'PUBLISHED' | 'HELD', isOpening: boolean) =>
        t.db.post.create({
          data: {
            threadId,
            authorId: author.id,
            isOpening,
            source: 'x',
            html: '<p>x</p>',
            tag: 'PROFESSIONAL',
            status,
          },
          select: { id: true },
        });
      const open = await t.db.thread.create({
        data: { communityId: c.id, authorId: author.id, title: 'Abierto', kind: 'QUESTION', tag: 'PROFESSIONAL' },
      });
      const opening = await post(open.id, 'PUBLISHED', true);
      const accepted = await post(open.id, 'PUBLISHED', false);
      const other = await post(open.id, 'PUBLISHED', false);
      const held = await post(open.id, 'HELD', false);
      await t.db.thread.update({ where: { id: open.id }, data: { acceptedPostId: accepted.id } });
      const closed = await t.db.thread.create({
        data: {
          communityId: c.id,
          authorId: author.id,
          title: 'Retenido',
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
          restricted: true,
        },
      });
      const heldOpening = await post(closed.id, 'HELD', true);
      // A reply published before its thread's opening post was held: unlisted with its thread.
      const strandedReply = await post(closed.id, 'PUBLISHED', false);
      await t.db.reviewItem.createMany({
        data: [
          { communityId: c.id, kind: 'HELD_POST', postId: held.id, pendingKey: `held:${held.id}` },
          { communityId: c.id, kind: 'HELD_POST', postId: heldOpening.id, pendingKey: `held:${heldOpening.id}` },
          { communityId: c.id, kind: 'REPORTED_POST', postId: other.id, resolvedAt: new Date() },
        ],
      });
      const about: [NotificationKind, string | null, string | null][] = [
        ['MENTION', open.id, opening.id],
        ['REPLY_TO_THREAD', open.id, held.id],
        ['WATCHED_THREAD', closed.id, heldOpening.id],
        ['REPLY_TO_POST', closed.id, strandedReply.id],
        ['ANSWER_ACCEPTED', open.id, accepted.id],
        ['ANSWER_ACCEPTED', open.id, other.id],
        ['REACTIONS', open.id, other.id],
        ['JOIN_REQUEST', null, null],
        ['INVITATION', null, null],
        ['MODERATION', closed.id, heldOpening.id],
        ['DATA_EXPORT', null, null],
      ];
      for (const person of people) {
        if (!person.user) continue;
        about.forEach(([kind, threadId, postId], index) => {
          notifications.push({
            recipientId: person.user?.id ?? '',
            kind,
            communityId: kind === 'DATA_EXPORT' ? null : c.id,
            threadId,
            postId,
            dedupeKey: `${kind}:${c.id}:${index}`,
            // Every third one read: read ones are never counted.
            readAt: notifications.length % 3 === 0 ? new Date() : null,
          });
        });
      }
    }
  }
  await t.db.notification.createMany({ data: notifications });
});
afterAll(async () => {
  await t.close();
});

describe('the header counts (one statement)', () => {
  it('count exactly the unread notifications visibleNotificationWhere shows, for every kind of person', async () => {
    const counted = new Set<number>();
    for (const person of people) {
      if (!person.actor) continue;
      const expected = await t.db.notification.count({
        where: { AND: [visibleNotificationWhere(person.actor), { readAt: null }] },
      });
      const all = await t.db.notification.count({ where: { recipientId: person.actor.id, readAt: null } });
      const { unread } = await headerCounts(t.db, viewerOf(person), BELL_MAX);
      expect(unread, person.name).toBe(expected);
      // The matrix holds notifications each person may not read (held posts, at least).
      expect(expected, person.name).toBeLessThan(all);
      counted.add(expected);
      // And the number reaches the page's header and the JSON the bell polls.
      const json = await t.app.inject({ url: '/notifications/count', headers: { cookie: person.cookie ?? '' } });
      expect(json.json(), person.name).toEqual({ unread: Math.min(expected, BELL_MAX), more: expected > BELL_MAX });
    }
    // Different people see different numbers: the test cannot pass by counting the same for all.
    expect(counted.size).toBeGreaterThan(3);
  });

  it('count exactly the pending review entries of the communities moderatedWhere names', async () => {
    const counted = new Set<number>();
    for (const person of people) {
      const viewer = viewerOf(person);
      const expected = await t.db.reviewItem.count({
        where: { resolvedAt: null, community: moderatedWhere(viewer), communityId: { in: communityIds } },
      });
      const { pendingReview } = await headerCounts(t.db, viewer, BELL_MAX);
      expect(pendingReview, person.name).toBe(expected);
      counted.add(expected);
    }
    expect([...counted].sort((a, b) => a - b)).toEqual([0, 6, 18]);
  });

  it('is one statement kept prepared on each connection, in a version per kind of viewer, not per person', async () => {
    // A client of one connection: the statements prepared on it are the ones read back.
    const db = createDb(t.database.url, 1);
    try {
      for (const person of people) await headerCounts(db, viewerOf(person), BELL_MAX);
      const prepared = await db.$queryRaw<{ statement: string }[]>`SELECT statement FROM pg_prepared_statements`;
      const kinds = new Set(
        people.map(({ user, actor }) =>
          JSON.stringify([
            user?.kind,
            user?.role,
            actor?.status,
            actor?.emailVerified,
            actor?.organizationIsAdministration,
          ]),
        ),
      );
      expect(prepared.length).toBeGreaterThan(0);
      expect(prepared.length).toBeLessThanOrEqual(kinds.size);
      expect(kinds.size).toBeLessThan(people.length);
      for (const { statement } of prepared) expect(statement).toContain('unread_rows');
    } finally {
      await db.$disconnect();
    }
  });

  it('stop at BELL_MAX + 1, and count nothing for an unverified person’s review queue', async () => {
    const person = people.find((p) => p.name === 'citizen');
    if (!person?.user) throw new Error('the matrix has a citizen');
    await t.db.notification.createMany({
      data: Array.from({ length: BELL_MAX + 20 }, (_, i) => ({
        recipientId: person.user?.id ?? '',
        kind: 'MODERATION' as const,
        dedupeKey: `many:${i}`,
      })),
    });
    const { unread } = await headerCounts(t.db, viewerOf(person), BELL_MAX);
    expect(unread).toBe(BELL_MAX + 1);
    const moderator = people.find((p) => p.role === 'moderator');
    if (!moderator) throw new Error('the matrix has a moderator');
    const { pendingReview } = await headerCounts(t.db, { ...viewerOf(moderator), emailVerified: false }, BELL_MAX);
    expect(pendingReview).toBe(0);
  });
});
