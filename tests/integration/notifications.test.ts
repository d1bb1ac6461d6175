import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_JOBS } from '../../src/notifications/notification-fanout.js';
import { NOTIFICATION_KINDS, signUnsubscribe } from '../../src/notifications/notification-rules.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization, createUser } from '../support/factories.js';
import { fieldError, submitForm } from '../support/forms.js';
import { linksIn, type ReceivedMessage, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { threadTestKit } from '../support/threads.js';

// Notifications through HTTP, with the job queue on PostgreSQL (pg-boss) and a real SMTP server: each test
// acts as people do, runs the jobs (app.jobs.queue.drain(), as a worker would claim them) and looks.

let t: TestApp;
let smtp: TestSmtpServer;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  t = await createTestApp({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    MAIL_FROM: 'Ágora <no-reply@agora.test>',
    PUBLIC_URL: 'http://agora.test',
  });
  home = await createOrganization(t.db);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const runJobs = () => t.app.jobs.queue.drain();

/** The person has not loaded a page for an hour: e-mail "at once" goes out. */
async function away(userId: string) {
  await t.db.user.update({ where: { id: userId }, data: { lastSeenAt: new Date(Date.now() - 3_600_000) } });
}

async function notificationsOf(userId: string) {
  return t.db.notification.findMany({ where: { recipientId: userId }, orderBy: { notifiedAt: 'asc' } });
}

function mailTo(address: string): ReceivedMessage[] {
  return smtp.messages.filter((message) => message.to.includes(address));
}

async function bellCount(cookie: string): Promise<number> {
  const page = await kit.get('/communities', cookie);
  const match = /class="bell__count" aria-hidden="true">(\d+)\+?</.exec(page.body);
  return match ? Number(match[1]) : 0;
}

describe('who is told of a post', () => {
  it('a mention: in Ágora (bell, list, link to the post) and by e-mail with threading and one-click unsubscribe', async () => {
    const { c, member } = await kit.community();
    const colleague = await kit.person({ displayName: 'Lucía Martín' });
    await addMembership(t.db, c.id, colleague.user.id);
    const thread = await kit.openThread(c.slug, member.cookie);
    await away(colleague.user.id);
    const postId = await kit.postReply(thread.url, member.cookie, {
      body: `@${colleague.user.handle} ¿puedes revisar el informe técnico de esta licencia?`,
    });
    // The request only enqueued: nothing exists until the job runs.
    expect(await notificationsOf(colleague.user.id)).toEqual([]);
    await runJobs();

    const [notification] = await notificationsOf(colleague.user.id);
    expect(notification).toMatchObject({ kind: 'MENTION', postId, threadId: thread.id });
    expect(await bellCount(colleague.cookie)).toBe(1);
    const list = await kit.get('/notifications', colleague.cookie);
    expect(list.statusCode).toBe(200);
    // Names and titles are isolated (U+2068 … U+2069, the text form of <bdi>) in the list.
    expect(list.body).toContain('le ha mencionado en «\u2068Licencias de obra menor\u2069»');

    const mail = mailTo(colleague.user.email);
    expect(mail).toHaveLength(1);
    const [message] = mail as [ReceivedMessage];
    expect(message.subject).toContain('le ha mencionado en «Licencias de obra menor»');
    expect(message.text).toContain('¿puedes revisar el informe técnico');
    expect(message.text).toContain('Le ha llegado porque alguien le ha mencionado.');
    expect(message.html).toContain('http://agora.test/account/notifications');
    expect(message.headers['message-id']).toBe(`<notification.${notification?.id}@agora.test>`);
    expect(message.headers['in-reply-to']).toBe(`<thread.${thread.id}@agora.test>`);
    expect(message.headers.references).toBe(`<thread.${thread.id}@agora.test>`);
    expect(message.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(message.headers['list-unsubscribe']).toMatch(/^<http:\/\/agora\.test\/unsubscribe\/[\w.-]+>$/);

    // The link leads to the post's anchor and marks the notification read.
    const opened = await kit.get(`/notifications/${notification?.id}`, colleague.cookie);
    expect(opened.statusCode).toBe(303);
    // The page that holds the post (at=), scrolled to it: a long thread is paged.
    expect(opened.headers.location).toBe(`/c/${c.slug}/threads/${thread.id}?at=${postId}#post-${postId}`);
    expect(await bellCount(colleague.cookie)).toBe(0);
  });

  it('a reply to my thread, an answer to my reply, and one notification per person per post (the most specific)', async () => {
    const { c, owner, member } = await kit.community();
    const asker = member;
    const thread = await kit.openThread(c.slug, asker.cookie);
    const firstReply = await kit.postReply(thread.url, owner.cookie);
    // The owner answers the asker's thread and is mentioned in the answer to the owner's reply.
    const answer = await kit.postReply(thread.url, asker.cookie, {
      parentId: firstReply,
      body: `Gracias, @${owner.user.handle}: ¿el informe lo firma el arquitecto municipal?`,
    });
    await runJobs();
    const askerGot = await notificationsOf(asker.user.id);
    expect(askerGot.map((n) => [n.kind, n.postId])).toEqual([['REPLY_TO_THREAD', firstReply]]);
    const ownerGot = await notificationsOf(owner.user.id);
    expect(ownerGot.map((n) => [n.kind, n.postId])).toEqual([['MENTION', answer]]);

    const third = await kit.person();
    await addMembership(t.db, c.id, third.user.id);
    const plain = await kit.postReply(thread.url, third.cookie, { parentId: firstReply });
    await runJobs();
    expect((await notificationsOf(owner.user.id)).map((n) => [n.kind, n.postId])).toContainEqual([
      'REPLY_TO_POST',
      plain,
    ]);
    // Nobody is told of their own post.
    expect((await notificationsOf(third.user.id)).length).toBe(0);
  });

  it('an accepted answer tells its author', async () => {
    const { c, member, moderator } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const answer = await kit.postReply(thread.url, moderator.cookie);
    const accepted = await submitForm(
      t.app,
      `${thread.url}/posts/${answer}/accept`,
      {},
      {
        cookie: member.cookie,
        formUrl: thread.url,
      },
    );
    expect(accepted.statusCode).toBe(303);
    await runJobs();
    expect((await notificationsOf(moderator.user.id)).map((n) => n.kind)).toContain('ANSWER_ACCEPTED');
  });

  it('reactions are batched: three people make one notification that counts them', async () => {
    const { c, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const answerer = await kit.person();
    await addMembership(t.db, c.id, answerer.user.id);
    const answer = await kit.postReply(thread.url, answerer.cookie);
    await runJobs();
    for (let i = 0; i < 3; i++) {
      const reader = await kit.person();
      await addMembership(t.db, c.id, reader.user.id);
      const reacted = await submitForm(
        t.app,
        `${thread.url}/posts/${answer}/react`,
        { kind: 'USEFUL' },
        {
          cookie: reader.cookie,
          formUrl: thread.url,
        },
      );
      expect(reacted.statusCode).toBe(303);
      await runJobs();
    }
    const got = (await notificationsOf(answerer.user.id)).filter((n) => n.kind === 'REACTIONS');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ actorCount: 3, reaction: 'USEFUL', readAt: null });
    const list = await kit.get('/notifications', answerer.cookie);
    expect(list.body).toContain('3 personas han encontrado útil su mensaje');
  });

  it('announcements reach every member; new threads reach those watching the community; replies those watching the thread', async () => {
    const { c, owner, moderator, member } = await kit.community();
    const watcher = await kit.person();
    await addMembership(t.db, c.id, watcher.user.id);
    const watch = await submitForm(
      t.app,
      `/c/${c.slug}/watch`,
      { level: 'WATCHING' },
      {
        cookie: watcher.cookie,
        formUrl: `/c/${c.slug}`,
      },
    );
    expect(watch.statusCode).toBe(303);

    const announcement = await kit.openThread(c.slug, owner.cookie, {
      kind: 'ANNOUNCEMENT',
      title: 'Cierre del registro el 8 de diciembre',
      body: 'El registro general permanecerá cerrado el 8 de diciembre por la festividad.',
      tag: 'PROFESSIONAL',
    });
    await runJobs();
    for (const person of [moderator, member, watcher]) {
      const kinds = (await notificationsOf(person.user.id)).filter((n) => n.threadId === announcement.id);
      expect(
        kinds.map((n) => n.kind),
        person.user.handle,
      ).toEqual(['ANNOUNCEMENT']);
    }

    const discussion = await kit.openThread(c.slug, member.cookie, { kind: 'DISCUSSION' });
    await runJobs();
    expect(
      (await notificationsOf(watcher.user.id)).filter((n) => n.threadId === discussion.id).map((n) => n.kind),
    ).toEqual(['NEW_THREAD']);
    expect((await notificationsOf(moderator.user.id)).filter((n) => n.threadId === discussion.id)).toEqual([]);

    const threadWatch = await submitForm(
      t.app,
      `${discussion.url}/watch`,
      { level: 'WATCHING' },
      {
        cookie: moderator.cookie,
        formUrl: discussion.url,
      },
    );
    expect(threadWatch.statusCode).toBe(303);
    await kit.postReply(discussion.url, owner.cookie);
    await runJobs();
    expect(
      (await notificationsOf(moderator.user.id)).filter((n) => n.threadId === discussion.id).map((n) => n.kind),
    ).toEqual(['WATCHED_THREAD']);
  });

  it('a muted thread tells nothing but a mention', async () => {
    const { c, owner, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const muted = await submitForm(
      t.app,
      `${thread.url}/watch`,
      { level: 'MUTED' },
      {
        cookie: member.cookie,
        formUrl: thread.url,
      },
    );
    expect(muted.statusCode).toBe(303);
    await kit.postReply(thread.url, owner.cookie);
    await runJobs();
    expect(await notificationsOf(member.user.id)).toEqual([]);
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle}, mira esto.` });
    await runJobs();
    expect((await notificationsOf(member.user.id)).map((n) => n.kind)).toEqual(['MENTION']);
  });
});

describe('requests and invitations', () => {
  it('moderators are told of a request to join; the invited are told of an invitation', async () => {
    const { c, owner, moderator } = await kit.community({ visibility: 'PRIVATE' });
    const asker = await kit.person();
    const asked = await submitForm(
      t.app,
      `/c/${c.slug}/request`,
      {},
      { cookie: asker.cookie, formUrl: `/c/${c.slug}` },
    );
    expect(asked.statusCode).toBe(303);
    await runJobs();
    for (const person of [owner, moderator]) {
      expect((await notificationsOf(person.user.id)).map((n) => n.kind)).toEqual(['JOIN_REQUEST']);
    }
    const list = await kit.get('/notifications', moderator.cookie);
    expect(list.body).toContain(`ha pedido unirse a \u2068${c.name}\u2069`);

    const invitee = await kit.person();
    const invited = await submitForm(
      t.app,
      `/c/${c.slug}/invitations`,
      { who: invitee.user.handle },
      {
        cookie: owner.cookie,
        formUrl: `/c/${c.slug}/members`,
      },
    );
    expect(invited.statusCode).toBe(303);
    await runJobs();
    expect((await notificationsOf(invitee.user.id)).map((n) => n.kind)).toEqual(['INVITATION']);
    expect((await kit.get('/notifications', invitee.cookie)).body).toContain(
      `le ha invitado a unirse a \u2068${c.name}\u2069`,
    );
  });
});

describe('access at read time', () => {
  it('a post deleted after the notification, or a community left, shows nothing of it and is not counted', async () => {
    const { c, member, owner } = await kit.community({ visibility: 'PRIVATE' });
    const thread = await kit.openThread(c.slug, member.cookie);
    const secretWords = 'Presupuesto sin publicar de la obra del polideportivo';
    const postId = await kit.postReply(thread.url, owner.cookie, {
      body: `@${member.user.handle} ${secretWords}`,
    });
    await runJobs();
    const [notification] = await notificationsOf(member.user.id);
    expect(notification?.kind).toBe('MENTION');

    const deleted = await submitForm(
      t.app,
      `${thread.url}/posts/${postId}/delete`,
      { confirm: 'yes' },
      {
        cookie: owner.cookie,
        formUrl: `${thread.url}/posts/${postId}/edit`,
      },
    );
    expect(deleted.statusCode).toBe(303);
    const list = await kit.get('/notifications', member.cookie);
    expect(list.body).not.toContain('le ha mencionado');
    expect(await bellCount(member.cookie)).toBe(0);
    expect((await kit.get(`/notifications/${notification?.id}`, member.cookie)).statusCode).toBe(404);

    // A second mention, then the person leaves the private community.
    const second = await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} otra cosa` });
    await runJobs();
    expect(await bellCount(member.cookie)).toBe(1);
    await t.db.membership.delete({ where: { communityId_userId: { communityId: c.id, userId: member.user.id } } });
    expect(await bellCount(member.cookie)).toBe(0);
    expect((await kit.get('/notifications', member.cookie)).body).not.toContain(second);
  });

  it('a notification held back by the time its e-mail job runs is not mailed', async () => {
    const { c, member, owner } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    await away(member.user.id);
    const postId = await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} algo` });
    // The fan-out runs; before the e-mail job runs, the post stops being readable (held by moderation).
    const fanOut = await t.app.jobs.queue.drain();
    expect(fanOut).toBeGreaterThan(0);
    const before = mailTo(member.user.email).length;
    const [n] = await notificationsOf(member.user.id);
    await t.db.post.update({ where: { id: postId }, data: { status: 'HELD' } });
    await t.db.notification.update({ where: { id: n?.id ?? '' }, data: { emailedAt: null } });
    await t.app.jobs.queue.send(NOTIFICATION_JOBS.email, { notificationId: n?.id ?? '' });
    await runJobs();
    expect(mailTo(member.user.email).length).toBe(before);
    expect(await bellCount(member.cookie)).toBe(0);
  });
});

describe('jobs never do their work twice', () => {
  it('a retried fan-out writes no second notification, a retried e-mail job sends no second e-mail', async () => {
    const { c, member, owner } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    await away(member.user.id);
    const postId = await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} revisa esto` });
    await runJobs();
    const [n] = await notificationsOf(member.user.id);
    expect(mailTo(member.user.email)).toHaveLength(1);
    // The same jobs again, as pg-boss would after a worker died before completing them.
    await t.app.jobs.queue.send(NOTIFICATION_JOBS.postPublished, { postId });
    await t.app.jobs.queue.send(NOTIFICATION_JOBS.email, { notificationId: n?.id ?? '' });
    await runJobs();
    expect(await notificationsOf(member.user.id)).toHaveLength(1);
    expect(mailTo(member.user.email)).toHaveLength(1);
  });

  it('no more than one e-mail per thread per person in 10 minutes; people on the site get none', async () => {
    const { c, member, owner } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    await away(member.user.id);
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} uno` });
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} dos` });
    await runJobs();
    expect(await notificationsOf(member.user.id)).toHaveLength(2);
    expect(mailTo(member.user.email)).toHaveLength(1);

    const present = await kit.person();
    await addMembership(t.db, c.id, present.user.id);
    await kit.get('/', present.cookie); // a page load: seen now (written within 15 s; flushed here)
    await t.app.presence.flush();
    await kit.postReply(thread.url, owner.cookie, { body: `@${present.user.handle} hola` });
    await runJobs();
    expect(await notificationsOf(present.user.id)).toHaveLength(1);
    expect(mailTo(present.user.email)).toHaveLength(0);
  });

  it('suspended and unverified accounts get nothing by e-mail', async () => {
    const { c, owner } = await kit.community({ audience: 'OPEN' });
    const unverified = await createUser(t.db, { organizationId: home.id, verified: false, kind: 'EMPLOYEE' });
    await addMembership(t.db, c.id, unverified.id);
    const thread = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION' });
    await away(unverified.id);
    const suspended = await createUser(t.db, { organizationId: home.id, status: 'SUSPENDED' });
    await addMembership(t.db, c.id, suspended.id);
    await away(suspended.id);
    await kit.postReply(thread.url, owner.cookie, { body: `@${unverified.handle} hola` });
    await kit.postReply(thread.url, owner.cookie, { body: `@${suspended.handle} hola` });
    await runJobs();
    expect(mailTo(unverified.email)).toHaveLength(0);
    expect(mailTo(suspended.email)).toHaveLength(0);
    // A suspended account reads nothing, so nothing is written for it either.
    expect(await notificationsOf(suspended.id)).toEqual([]);
  });
});

describe('marking read, preferences and watch levels: bad input', () => {
  let someone: { user: { id: string }; cookie: string };
  beforeEach(async () => {
    someone = await kit.person();
  });

  it('marking read a notification that is not yours, or that does not exist, answers 404', async () => {
    const { c, owner, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} hola` });
    await runJobs();
    const [n] = await notificationsOf(member.user.id);
    const other = await submitForm(
      t.app,
      `/notifications/${n?.id}/read`,
      {},
      {
        cookie: someone.cookie,
        formUrl: '/notifications',
      },
    );
    expect(other.statusCode).toBe(404);
    expect((await kit.get(`/notifications/${n?.id}`, someone.cookie)).statusCode).toBe(404);
    expect((await kit.get('/notifications/not-an-id', someone.cookie)).statusCode).toBe(404);
    expect((await t.db.notification.findUnique({ where: { id: n?.id ?? '' } }))?.readAt).toBeNull();
    const mine = await submitForm(
      t.app,
      `/notifications/${n?.id}/read`,
      {},
      {
        cookie: member.cookie,
        formUrl: '/notifications',
      },
    );
    expect(mine.statusCode).toBe(303);
    const all = await submitForm(
      t.app,
      '/notifications/read-all',
      {},
      { cookie: member.cookie, formUrl: '/notifications' },
    );
    expect(all.statusCode).toBe(303);
  });

  it('an unknown delivery or time zone answers 422 with the field named, keeps what was typed and saves nothing', async () => {
    const page = await kit.get('/account/notifications', someone.cookie);
    expect(page.statusCode).toBe(200);
    const bad = await submitForm(
      t.app,
      '/account/notifications',
      { 'delivery.MENTION': 'CARRIER_PIGEON', digestFrequency: 'WEEKLY', digestHour: '7', timeZone: 'Europe/Atlantis' },
      { cookie: someone.cookie, formUrl: '/account/notifications' },
    );
    expect(bad.statusCode).toBe(422);
    expect(fieldError(bad.body, 'delivery.MENTION')).toBe('Elija una de las opciones de la lista.');
    expect(fieldError(bad.body, 'timeZone')).toContain('«Europe/Atlantis» no es una zona horaria conocida');
    expect(bad.body).toContain('value="Europe/Atlantis"');
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: someone.user.id } });
    expect(stored).toMatchObject({ timeZone: 'Europe/Madrid', digestFrequency: 'DAILY', digestHour: 8 });

    const fields = Object.fromEntries(
      ['MENTION', 'REPLY_TO_POST', 'REPLY_TO_THREAD', 'WATCHED_THREAD', 'ANNOUNCEMENT', 'NEW_THREAD'].map((kind) => [
        `delivery.${kind}`,
        'IN_APP',
      ]),
    );
    const good = await submitForm(
      t.app,
      '/account/notifications',
      {
        ...fields,
        'delivery.ANSWER_ACCEPTED': 'DIGEST',
        'delivery.REACTIONS': 'OFF',
        'delivery.JOIN_REQUEST': 'EMAIL',
        'delivery.INVITATION': 'EMAIL',
        'delivery.MODERATION': 'EMAIL',
        'delivery.DATA_EXPORT': 'EMAIL',
        digestFrequency: 'WEEKLY',
        digestHour: '7',
        timeZone: 'Atlantic/Canary',
      },
      { cookie: someone.cookie, formUrl: '/account/notifications' },
    );
    expect(good.statusCode).toBe(303);
    expect(await t.db.user.findUniqueOrThrow({ where: { id: someone.user.id } })).toMatchObject({
      timeZone: 'Atlantic/Canary',
      digestFrequency: 'WEEKLY',
      digestHour: 7,
    });
    const prefs = await t.db.notificationPreference.findMany({ where: { userId: someone.user.id } });
    expect(prefs.find((p) => p.kind === 'REACTIONS')?.delivery).toBe('OFF');
  });

  it('a watch level on a thread or community one cannot read answers 404; an unknown level 422', async () => {
    const { c, member } = await kit.community({ visibility: 'SECRET' });
    const thread = await kit.openThread(c.slug, member.cookie);
    const thread404 = await submitForm(
      t.app,
      `${thread.url}/watch`,
      { level: 'WATCHING' },
      {
        cookie: someone.cookie,
        formUrl: '/communities',
      },
    );
    expect(thread404.statusCode).toBe(404);
    const community404 = await submitForm(
      t.app,
      `/c/${c.slug}/watch`,
      { level: 'WATCHING' },
      {
        cookie: someone.cookie,
        formUrl: '/communities',
      },
    );
    expect(community404.statusCode).toBe(404);
    expect(await t.db.threadWatch.count({ where: { userId: someone.user.id } })).toBe(0);
    const unknown = await submitForm(
      t.app,
      `${thread.url}/watch`,
      { level: 'OBSESSED' },
      {
        cookie: member.cookie,
        formUrl: thread.url,
      },
    );
    expect(unknown.statusCode).toBe(422);
  });
});

describe('unsubscribing by the link in an e-mail (RFC 8058)', () => {
  it('one click from the mail client (no cookie, no form token) stops that kind of e-mail; a forged link changes nothing', async () => {
    const { c, member, owner } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    await away(member.user.id);
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} mira` });
    await runJobs();
    const [message] = mailTo(member.user.email);
    const link = /^<(.+)>$/.exec(message?.headers['list-unsubscribe'] ?? '')?.[1] ?? '';
    expect(linksIn(message?.text ?? '')).toContain(link);
    const path = new URL(link).pathname;

    const forged = await t.app.inject({
      method: 'POST',
      url: `${path.slice(0, -3)}abc`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('no es válido o ha caducado');
    expect(await t.db.notificationPreference.count({ where: { userId: member.user.id } })).toBe(0);

    const confirm = await t.app.inject({ method: 'GET', url: path });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Cuando alguien me menciona');
    expect(await t.db.notificationPreference.count({ where: { userId: member.user.id } })).toBe(0);

    const oneClick = await t.app.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.statusCode).toBe(200);
    const pref = await t.db.notificationPreference.findUnique({
      where: { userId_kind: { userId: member.user.id, kind: 'MENTION' } },
    });
    expect(pref?.delivery).toBe('IN_APP');

    // Still told in Ágora, no longer by e-mail.
    await away(member.user.id);
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} otra vez` });
    await runJobs();
    expect(await notificationsOf(member.user.id)).toHaveLength(2);
    expect(mailTo(member.user.email)).toHaveLength(1);
  });
});

describe('the digest', () => {
  it('is sent once per period at the local hour, with what the person may read, and not when there is nothing new', async () => {
    const { c, owner, member } = await kit.community();
    const zone = 'Atlantic/Canary';
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
    );
    await t.db.user.update({ where: { id: member.user.id }, data: { timeZone: zone, digestHour: hour } });
    // Quiet people in the same hour get nothing: there is nothing new for them.
    const quiet = await createUser(t.db, { organizationId: home.id });
    await t.db.user.update({ where: { id: quiet.id }, data: { timeZone: zone, digestHour: hour } });

    // An expertise is matched as written: % and _ are no wildcards (they matched every title).
    await t.db.user.update({ where: { id: member.user.id }, data: { expertise: ['Licencias de obra', '%', '_'] } });
    const { c: other, owner: otherOwner } = await kit.community({ visibility: 'PUBLIC' });
    await kit.openThread(other.slug, otherOwner.cookie, { title: '¿Quién sabe de licencias de obra menor?' });
    await kit.openThread(other.slug, otherOwner.cookie, { title: '¿Cómo organizáis el presupuesto participativo?' });
    const thread = await kit.openThread(c.slug, owner.cookie, { title: 'Calendario de festivos 2027' });
    await kit.postReply(thread.url, owner.cookie, { body: `@${member.user.handle} ¿lo revisas?` });
    const { c: secret, owner: secretOwner } = await kit.community({ visibility: 'SECRET' });
    await kit.openThread(secret.slug, secretOwner.cookie, { title: 'Reestructuración del servicio de limpieza' });
    await runJobs();
    // Preferences: mentions in the digest only, so the digest carries it.
    await t.db.notificationPreference.create({ data: { userId: member.user.id, kind: 'MENTION', delivery: 'DIGEST' } });

    await t.app.jobs.queue.send(NOTIFICATION_JOBS.digestSweep, {});
    await runJobs();
    const digests = mailTo(member.user.email).filter((m) => m.subject.startsWith('Su resumen'));
    expect(digests).toHaveLength(1);
    const [digest] = digests as [ReceivedMessage];
    expect(digest.text).toContain('le ha mencionado en «Calendario de festivos 2027»');
    expect(digest.text).not.toContain('Reestructuración del servicio de limpieza');
    // An unanswered question on the person's expertise, in a public community of their organization.
    expect(digest.text).toContain('Preguntas sin respuesta sobre lo que usted sabe');
    expect(digest.text).toContain('¿Quién sabe de licencias de obra menor?');
    expect(digest.text).not.toContain('presupuesto participativo');
    expect(digest.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mailTo(quiet.email)).toHaveLength(0);

    // The sweep again in the same hour (a retry, a second scheduler): nothing twice.
    await t.app.jobs.queue.send(NOTIFICATION_JOBS.digestSweep, {});
    await runJobs();
    expect(mailTo(member.user.email).filter((m) => m.subject.startsWith('Su resumen'))).toHaveLength(1);
  });
});

describe('pages', () => {
  it('the list pages by keyset, newest first, 30 a page; signed-out visitors are sent to sign in', async () => {
    const signedOut = await kit.get('/notifications');
    expect(signedOut.statusCode).toBe(303);
    const reader = await kit.person();
    const empty = await kit.get('/notifications?before=garbage', reader.cookie);
    expect(empty.statusCode).toBe(200);
    // A cursor of the right shape whose id is no UUID is no cursor either (the first page, never a 500).
    const dashes = await kit.get(`/notifications?before=1700000000000_${'-'.repeat(36)}`, reader.cookie);
    expect(dashes.statusCode).toBe(200);
    expect(empty.body).toContain('No tiene notificaciones');
    expect((await kit.get('/notifications/count', reader.cookie)).json()).toEqual({ unread: 0, more: false });

    const { c, owner } = await kit.community();
    await addMembership(t.db, c.id, reader.user.id);
    const thread = await kit.openThread(c.slug, owner.cookie, { title: 'Hilo con muchas menciones' });
    const post = await t.db.post.findFirstOrThrow({ where: { threadId: thread.id } });
    // 35 notifications a second apart (as 35 posts would make), then 70 more unread for the bell's cap.
    const at = Date.now();
    await t.db.notification.createMany({
      data: Array.from({ length: 105 }, (_, i) => ({
        recipientId: reader.user.id,
        kind: 'MENTION' as const,
        actorId: owner.user.id,
        communityId: c.id,
        threadId: thread.id,
        postId: post.id,
        dedupeKey: `test:${i}`,
        notifiedAt: new Date(at - i * 1000),
      })),
    });
    const ids: string[] = [];
    let url = '/notifications';
    for (let page = 0; page < 10 && url; page++) {
      const body = (await kit.get(url, reader.cookie)).body;
      ids.push(...[...body.matchAll(/href="\/notifications\/([0-9a-f-]{36})"/g)].map((m) => m[1] ?? ''));
      url = /href="(\/notifications\?before=[^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&') ?? '';
    }
    expect(ids).toHaveLength(105);
    expect(new Set(ids).size).toBe(105);
    const stored = await t.db.notification.findMany({
      where: { recipientId: reader.user.id },
      orderBy: [{ notifiedAt: 'desc' }, { id: 'desc' }],
      select: { id: true },
    });
    expect(ids).toEqual(stored.map((row) => row.id));
    // The bell stops counting at 99.
    expect((await kit.get('/notifications/count', reader.cookie)).json()).toEqual({ unread: 99, more: true });
    expect((await kit.get('/communities', reader.cookie)).body).toContain('>99+<');
  });

  it("e-mails are written in the recipient's language", async () => {
    const { c, owner } = await kit.community();
    const english = await kit.person({ locale: 'en' });
    await addMembership(t.db, c.id, english.user.id);
    const thread = await kit.openThread(c.slug, owner.cookie, { title: 'Budget review' });
    await away(english.user.id);
    await kit.postReply(thread.url, owner.cookie, { body: `@${english.user.handle} could you check it?` });
    await runJobs();
    const [message] = mailTo(english.user.email);
    expect(message?.subject).toContain('mentioned you in “Budget review”');
    expect(message?.text).toContain('You got this because someone mentioned you.');
    expect(message?.headers['content-language']).toBe('en');
  });
});

describe('what trying to break it found (each kind, not only the example)', () => {
  it('every kind of unsubscribe link fits a URL and works; the one-click POST may be multipart or urlencoded', async () => {
    const person = await kit.person();
    const key = await t.app.jobs.keys.unsubscribeKey();
    const expires = Math.floor(Date.now() / 1000) + 3600;
    for (const scope of [...NOTIFICATION_KINDS, 'DIGEST' as const]) {
      const token = signUnsubscribe({ userId: person.user.id, scope, expires }, key);
      const page = await t.app.inject({ method: 'GET', url: `/unsubscribe/${token}` });
      expect(page.statusCode, scope).toBe(200);
    }
    const token = signUnsubscribe({ userId: person.user.id, scope: 'REPLY_TO_THREAD', expires }, key);
    const boundary = 'x-agora-test';
    const multipart = await t.app.inject({
      method: 'POST',
      url: `/unsubscribe/${token}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    expect(multipart.statusCode).toBe(200);
    const pref = await t.db.notificationPreference.findUnique({
      where: { userId_kind: { userId: person.user.id, kind: 'REPLY_TO_THREAD' } },
    });
    expect(pref?.delivery).toBe('IN_APP');
    // Any path parameter that long reaches its route: an unknown community is a 404 page, not a bare 414.
    const long = await kit.get(`/c/${'a'.repeat(300)}`);
    expect(long.statusCode).toBe(404);
    expect(long.headers['content-type']).toContain('text/html');
    // A signature spelled differently (base64url's spare bits) is not the same token.
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const respelled = await t.app.inject({ method: 'GET', url: `/unsubscribe/${token.slice(0, -1)}${last}` });
    expect(respelled.statusCode).toBe(400);
  });

  it('batched reactions follow the same rules as a first one: muted or off tells nothing; a new reactor is told', async () => {
    const { c, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const author = await kit.person();
    await addMembership(t.db, c.id, author.user.id);
    const answer = await kit.postReply(thread.url, author.cookie);
    const react = async (cookie: string, state: 'on' | 'off') => {
      const done = await submitForm(
        t.app,
        `${thread.url}/posts/${answer}/react`,
        { kind: 'USEFUL', state },
        {
          cookie,
          formUrl: thread.url,
        },
      );
      expect(done.statusCode).toBe(303);
      await runJobs();
    };
    const reader = async (name: string) => {
      const person = await kit.person({ displayName: name });
      await addMembership(t.db, c.id, person.user.id);
      return person;
    };
    const ana = await reader('Ana Ruiz');
    const carmen = await reader('Carmen Gil');
    await react(ana.cookie, 'on');
    await react(ana.cookie, 'off');
    const read = await submitForm(
      t.app,
      '/notifications/read-all',
      {},
      { cookie: author.cookie, formUrl: '/notifications' },
    );
    expect(read.statusCode).toBe(303);
    await react(carmen.cookie, 'on');
    const [back] = (await notificationsOf(author.user.id)).filter((n) => n.kind === 'REACTIONS');
    expect(back).toMatchObject({ actorId: carmen.user.id, actorCount: 1, readAt: null });

    // Muted: a new reaction does not bring it back.
    await submitForm(t.app, '/notifications/read-all', {}, { cookie: author.cookie, formUrl: '/notifications' });
    const muted = await submitForm(
      t.app,
      `${thread.url}/watch`,
      { level: 'MUTED' },
      {
        cookie: author.cookie,
        formUrl: thread.url,
      },
    );
    expect(muted.statusCode).toBe(303);
    const pablo = await reader('Pablo Ortiz');
    await react(pablo.cookie, 'on');
    const [still] = (await notificationsOf(author.user.id)).filter((n) => n.kind === 'REACTIONS');
    expect(still?.readAt).not.toBeNull();
    expect(still?.actorId).toBe(carmen.user.id);
  });

  it('asking again after a refusal, and inviting again after a decline, are news; a decided request leaves the moderators', async () => {
    const { c, owner, moderator } = await kit.community({ visibility: 'PRIVATE' });
    const asker = await kit.person();
    const ask = () => submitForm(t.app, `/c/${c.slug}/request`, {}, { cookie: asker.cookie, formUrl: `/c/${c.slug}` });
    expect((await ask()).statusCode).toBe(303);
    await runJobs();
    expect((await notificationsOf(moderator.user.id)).filter((n) => n.kind === 'JOIN_REQUEST')).toHaveLength(1);
    const denied = await submitForm(
      t.app,
      `/c/${c.slug}/members/${asker.user.id}/deny`,
      {},
      {
        cookie: owner.cookie,
        formUrl: `/c/${c.slug}/members`,
      },
    );
    expect(denied.statusCode).toBe(303);
    expect((await notificationsOf(moderator.user.id)).filter((n) => n.kind === 'JOIN_REQUEST')).toHaveLength(0);
    expect((await ask()).statusCode).toBe(303);
    await runJobs();
    const again = (await notificationsOf(moderator.user.id)).filter((n) => n.kind === 'JOIN_REQUEST');
    expect(again).toHaveLength(1);
    expect(again[0]?.readAt).toBeNull();

    const invitee = await kit.person();
    const invite = () =>
      submitForm(
        t.app,
        `/c/${c.slug}/invitations`,
        { who: invitee.user.handle },
        {
          cookie: owner.cookie,
          formUrl: `/c/${c.slug}/members`,
        },
      );
    expect((await invite()).statusCode).toBe(303);
    await runJobs();
    const declined = await submitForm(
      t.app,
      `/c/${c.slug}/decline`,
      {},
      { cookie: invitee.cookie, formUrl: `/c/${c.slug}` },
    );
    expect(declined.statusCode).toBe(303);
    expect((await invite()).statusCode).toBe(303);
    await runJobs();
    // The declined invitation went with the decline; the new one is news.
    const invitations = (await notificationsOf(invitee.user.id)).filter((n) => n.kind === 'INVITATION');
    expect(invitations).toHaveLength(1);
    expect(invitations[0]?.readAt).toBeNull();
    expect((await kit.get('/notifications/count', invitee.cookie)).json()).toEqual({ unread: 1, more: false });
  });

  it('an edit tells only the people it newly mentions; an answer no longer accepted is no longer news', async () => {
    const { c, owner, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const replyId = await kit.postReply(thread.url, owner.cookie);
    await runJobs();
    const watcher = await kit.person();
    await addMembership(t.db, c.id, watcher.user.id);
    await submitForm(
      t.app,
      `${thread.url}/watch`,
      { level: 'WATCHING' },
      { cookie: watcher.cookie, formUrl: thread.url },
    );
    const mentioned = await kit.person();
    await addMembership(t.db, c.id, mentioned.user.id);
    const edited = await submitForm(
      t.app,
      `${thread.url}/posts/${replyId}/edit`,
      { body: `Corregido, @${mentioned.user.handle}: el informe lo firma el arquitecto.`, tag: 'PROFESSIONAL' },
      { cookie: owner.cookie, formUrl: `${thread.url}/posts/${replyId}/edit` },
    );
    expect(edited.statusCode, edited.body.slice(0, 300)).toBe(303);
    await runJobs();
    expect(await notificationsOf(watcher.user.id)).toEqual([]);
    expect((await notificationsOf(mentioned.user.id)).map((n) => n.kind)).toEqual(['MENTION']);
    // The thread's author heard of the reply when it was written, and not again.
    expect((await notificationsOf(member.user.id)).filter((n) => n.postId === replyId)).toHaveLength(1);

    const accept = (action: 'accept' | 'unaccept') =>
      submitForm(t.app, `${thread.url}/posts/${replyId}/${action}`, {}, { cookie: member.cookie, formUrl: thread.url });
    expect((await accept('accept')).statusCode).toBe(303);
    await runJobs();
    expect((await kit.get('/notifications', owner.cookie)).body).toContain('ha sido aceptada');
    expect((await accept('unaccept')).statusCode).toBe(303);
    expect((await kit.get('/notifications', owner.cookie)).body).not.toContain('ha sido aceptada');
  });

  it('time zones by their current names are accepted; a malformed one gets a message without placeholders', async () => {
    const person = await kit.person();
    const base = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [`delivery.${kind}`, 'IN_APP']));
    const save = (timeZone: string) =>
      submitForm(
        t.app,
        '/account/notifications',
        { ...base, digestFrequency: 'DAILY', digestHour: '8', timeZone },
        {
          cookie: person.cookie,
          formUrl: '/account/notifications',
        },
      );
    for (const zone of ['Europe/Kyiv', 'Asia/Kolkata', 'America/Nuuk', 'Atlantic/Canary']) {
      expect((await save(zone)).statusCode, zone).toBe(303);
    }
    const tooLong = await save(`Europe/${'x'.repeat(80)}`);
    expect(tooLong.statusCode).toBe(422);
    expect(fieldError(tooLong.body, 'timeZone')).toBe('Escriba una zona horaria como Europe/Madrid o Atlantic/Canary.');
    expect(tooLong.body).not.toContain('{value}');
  });
});
