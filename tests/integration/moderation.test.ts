import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization, createUser } from '../support/factories.js';
import { confirmationIn, signInAs, submitForm, textareaText } from '../support/forms.js';
import { ANSWER_TEXT, QUESTION_TEXT, threadTestKit } from '../support/threads.js';

// Moderation through HTTP (issue 10): holds from the guards and watched words, the review queue,
// reports, statements of reasons and appeals, against the real database.

let t: TestApp;
let townHall: { id: string; name: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Moderación', kind: 'MUNICIPALITY' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);
const { get, person, community, newThread, openThread, replyTo, postReply } = kit;

const IBAN = 'ES91 2100 0418 4502 0005 1332';
const WITH_IBAN = `${QUESTION_TEXT} Para el reembolso, mi cuenta es ${IBAN}.`;

/** Sends a form found on `formUrl` (its CSRF token) to `url`. */
function send(url: string, cookie: string, fields: Record<string, string>, formUrl: string) {
  return submitForm(t.app, url, fields, { cookie, formUrl });
}

/** An OPEN community (citizens read it) with its cast and a citizen member. */
async function openCommunity() {
  const cast = await community({ audience: 'OPEN' });
  const citizen = await person({ kind: 'CITIZEN', organizationId: null });
  await addMembership(t.db, cast.c.id, citizen.user.id);
  return { ...cast, citizen };
}

function threadIdOf(location: unknown): string {
  const id = /\/threads\/([0-9a-f-]{36})/.exec(String(location))?.[1];
  if (!id) throw new Error(`no thread in ${String(location)}`);
  return id;
}

function postIdOf(location: unknown): string {
  const id = /#post-([0-9a-f-]{36})/.exec(String(location))?.[1];
  if (!id) throw new Error(`no post in ${String(location)}`);
  return id;
}

const textarea = textareaText;

describe('the guards hold where citizens read and warn elsewhere', () => {
  it("a moderator's «Moderar» link on a post opens that post's moderation page, with the hide action", async () => {
    const { c, owner, moderator, member } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const page = (await get(url, moderator.cookie)).body;
    const links = [...page.matchAll(/<a href="([^"]+)"[^>]*>Moderar</g)].map((match) => match[1] ?? '');
    expect(links).toContain(`/c/${c.slug}/review/posts/${replyId}`);
    for (const link of links) {
      const target = await get(link, moderator.cookie);
      expect(target.statusCode, link).toBe(200);
      expect(target.body).toContain('name="action" value="hide"');
    }
    // Nobody else is offered the link.
    expect((await get(url, member.cookie)).body).not.toContain('>Moderar<');
  });

  it('holds a new thread with an IBAN in an OPEN community: its author and the moderators see it, nobody else', async () => {
    const { c, member, moderator, citizen, owner } = await openCommunity();
    const sent = await newThread(c.slug, member.cookie, { body: WITH_IBAN, title: 'Reembolso del curso' });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toContain('notice=post-held');
    const threadId = threadIdOf(sent.headers.location);
    const url = `/c/${c.slug}/threads/${threadId}`;
    const post = await t.db.post.findFirstOrThrow({ where: { threadId } });
    expect(post.status).toBe('HELD');
    expect(await t.db.thread.findUniqueOrThrow({ where: { id: threadId } })).toMatchObject({ restricted: true });
    const decision = await t.db.policyDecision.findFirstOrThrow({ where: { postId: post.id } });
    expect(decision.outcome).toBe('HOLD');
    expect(JSON.stringify(decision.rules)).toContain('IBAN ****1332');
    expect(JSON.stringify(decision.rules)).not.toContain('0418');

    const mine = await get(`${url}?notice=post-held`, member.cookie);
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain('Pendiente de revisión');
    expect(mine.body).toContain('IBAN ****1332');
    expect(mine.body).toContain('Su publicación queda pendiente de revisión');
    expect((await get(url, moderator.cookie)).statusCode).toBe(200);
    for (const cookie of [citizen.cookie, undefined]) {
      const other = await get(url, cookie);
      expect(other.statusCode).toBe(404);
      expect(other.body).not.toContain('Reembolso del curso');
      expect((await get(`/c/${c.slug}`, cookie)).body).not.toContain('Reembolso del curso');
    }
    // Listed, marked, to its author and the moderators.
    const listed = (await get(`/c/${c.slug}`, member.cookie)).body;
    expect(listed).toContain('Reembolso del curso');
    expect(listed).toContain('Solo para su autoría y la moderación');
    expect((await get(`/c/${c.slug}`, owner.cookie)).body).toContain('Reembolso del curso');

    // The queue and the header count it for the moderators; the member sees no queue.
    const queue = await get(`/c/${c.slug}/review`, moderator.cookie);
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain('Retenida automáticamente');
    expect(queue.body).toContain('IBAN ****1332');
    expect(queue.body).toMatch(/Revisión <span class="bell__count" aria-hidden="true">1<\/span>/);
    expect((await get(`/c/${c.slug}/review`, member.cookie)).statusCode).toBe(404);
    expect((await get(`/c/${c.slug}`, moderator.cookie)).body).toContain('1 pendientes de revisión');
    expect((await get(`/c/${c.slug}`, member.cookie)).body).not.toContain('pendientes de revisión');

    // Nobody can reply to, react to or report what is not published.
    const refused = await replyTo(url, moderator.cookie);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('se podrá responder cuando se publique');
    expect(await t.db.post.count({ where: { threadId } })).toBe(1);
  });

  it('warns of the same IBAN elsewhere; the author confirms and it is published, the decision says so', async () => {
    const { c, member } = await community({ audience: 'INTERNAL' });
    const warned = await newThread(c.slug, member.cookie, { body: WITH_IBAN });
    expect(warned.statusCode).toBe(422);
    expect(warned.body).toContain('El texto parece contener datos personales: IBAN ****1332.');
    expect(warned.body).toContain(IBAN.replaceAll(' ', ' '));
    const { id } = await openThread(c.slug, member.cookie, {
      body: WITH_IBAN,
      confirmation: confirmationIn(warned.body),
    });
    const post = await t.db.post.findFirstOrThrow({ where: { threadId: id } });
    expect(post.status).toBe('PUBLISHED');
    const decision = await t.db.policyDecision.findFirstOrThrow({ where: { postId: post.id } });
    expect(decision).toMatchObject({ outcome: 'WARN', confirmed: true });
  });

  it('judges an edit again: an IBAN added holds a published reply, taking it out of the count; removed, it is published', async () => {
    const { c, owner, member } = await openCommunity();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(1);
    const editUrl = `${url}/posts/${replyId}/edit`;
    const held = await send(editUrl, member.cookie, { body: `${ANSWER_TEXT} ${IBAN}`, tag: 'PROFESSIONAL' }, editUrl);
    expect(held.statusCode).toBe(303);
    expect(held.headers.location).toContain('notice=post-held');
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('HELD');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(0);
    expect(await t.db.reviewItem.count({ where: { postId: replyId, resolvedAt: null } })).toBe(1);
    expect((await get(url, owner.cookie)).body).toContain('Pendiente de revisión');
    const reader = await person({ kind: 'CITIZEN', organizationId: null });
    expect((await get(url, reader.cookie)).body).not.toContain(ANSWER_TEXT);

    const released = await send(editUrl, member.cookie, { body: ANSWER_TEXT, tag: 'PROFESSIONAL' }, editUrl);
    expect(released.statusCode).toBe(303);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('PUBLISHED');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(1);
    expect(await t.db.reviewItem.count({ where: { postId: replyId, resolvedAt: null } })).toBe(0);
  });
});

describe('hold → approve / reject → appeal → decided', () => {
  it('approves a held post once, publishes it and tells people; a second approval from another tab changes nothing', async () => {
    const { c, member, moderator, owner } = await openCommunity();
    const { id: threadId, url } = await openThread(c.slug, owner.cookie);
    const sent = await replyTo(url, member.cookie, { body: `${ANSWER_TEXT} ${IBAN}` });
    const postId = postIdOf(sent.headers.location);
    const queueUrl = `/c/${c.slug}/review`;
    const approve = () =>
      send(`/c/${c.slug}/review/posts/${postId}`, moderator.cookie, { action: 'approve' }, queueUrl);
    // Two tabs: both loaded the queue before either acted.
    const first = await approve();
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`${queueUrl}?notice=moderation-done`);
    const second = await approve();
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Otra persona de la moderación ya ha decidido sobre esto');
    expect((await t.db.post.findUniqueOrThrow({ where: { id: postId } })).status).toBe('PUBLISHED');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: threadId } })).replyCount).toBe(1);
    expect(await t.db.moderationDecision.count({ where: { postId } })).toBe(1);
    expect(await t.db.auditEntry.count({ where: { action: 'moderation.approve', targetId: postId } })).toBe(1);
    // The thread's author is told of the reply now that it is published.
    await t.app.jobs.queue.drain();
    expect(await t.db.notification.count({ where: { recipientId: owner.user.id, postId } })).toBe(1);
  });

  it('rejects with a statement of reasons; the author reads it and appeals once; another moderator decides', async () => {
    const { c, member, moderator, owner } = await openCommunity();
    const sent = await newThread(c.slug, member.cookie, { body: WITH_IBAN, title: 'Mi cuenta' });
    const threadId = threadIdOf(sent.headers.location);
    const post = await t.db.post.findFirstOrThrow({ where: { threadId } });
    const queueUrl = `/c/${c.slug}/review`;
    const act = (fields: Record<string, string>) =>
      send(`/c/${c.slug}/review/posts/${post.id}`, moderator.cookie, fields, queueUrl);

    const bare = await act({ action: 'reject', statement: 'Lo que escribí' });
    expect(bare.statusCode).toBe(422);
    expect(bare.body).toContain('Elija el motivo de la decisión.');
    expect(textarea(bare.body, `act-${post.id}-statement`)).toBe('Lo que escribí');
    expect((await t.db.post.findUniqueOrThrow({ where: { id: post.id } })).status).toBe('HELD');
    const tooLong = await act({ action: 'reject', ground: 'PERSONAL_DATA', statement: 'x'.repeat(2001) });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('no puede superar los 2000 caracteres');

    const statement = 'Publica un IBAN completo en una comunidad abierta a la ciudadanía (RGPD, art. 5.1.f).';
    expect((await act({ action: 'reject', ground: 'PERSONAL_DATA', statement })).statusCode).toBe(303);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: post.id } })).status).toBe('REJECTED');

    const mine = await get('/account/moderation', member.cookie);
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain('Publicación rechazada');
    expect(mine.body).toContain(statement);
    expect(mine.body).toContain('Datos personales');
    expect(mine.body).toContain('Lo detectaron automáticamente');
    expect(mine.body).toContain(`La moderación de la comunidad ${c.name}.`);
    // The thread shows the author where it stands, in place.
    expect((await get(`/c/${c.slug}/threads/${threadId}`, member.cookie)).body).toContain(
      'Rechazada por la moderación',
    );

    const decision = await t.db.moderationDecision.findFirstOrThrow({ where: { postId: post.id } });
    // The author is told at once, without naming the moderator, with a link to the statement.
    await t.app.jobs.queue.drain();
    const told = await t.db.notification.findFirstOrThrow({
      where: { recipientId: member.user.id, kind: 'MODERATION' },
    });
    expect(told.actorId).toBeNull();
    const bell = await get('/notifications', member.cookie);
    expect(bell.body).toContain(`La moderación de \u2068${c.name}\u2069 ha tomado una decisión sobre su participación`);
    const followed = await get(`/notifications/${told.id}`, member.cookie);
    expect(followed.headers.location).toBe(`/account/moderation#decision-${decision.id}`);
    const appealUrl = `/account/moderation/${decision.id}/appeal`;
    const empty = await send(appealUrl, member.cookie, { note: '   ' }, '/account/moderation');
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Explique por qué recurre.');
    const note = 'Era la cuenta del ayuntamiento, no la mía: es un dato público.';
    const appealed = await send(appealUrl, member.cookie, { note }, '/account/moderation');
    expect(appealed.statusCode).toBe(303);
    const again = await send(appealUrl, member.cookie, { note }, '/account/moderation');
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('cada decisión se recurre una sola vez');
    expect(await t.db.appeal.count({ where: { decisionId: decision.id } })).toBe(1);
    // Someone else's decision cannot be appealed: it does not exist for them.
    expect((await send(appealUrl, owner.cookie, { note }, '/account/moderation')).statusCode).toBe(404);

    const appeal = await t.db.appeal.findUniqueOrThrow({ where: { decisionId: decision.id } });
    const decideUrl = `/c/${c.slug}/review/appeals/${appeal.id}`;
    const queue = await get(queueUrl, moderator.cookie);
    expect(queue.body).toContain(note);
    expect(queue.body).toContain('Usted tomó la decisión recurrida');
    const byActor = await send(decideUrl, moderator.cookie, { outcome: 'REVERSED', reason: 'Me equivoqué' }, queueUrl);
    expect(byActor.statusCode).toBe(403);
    expect((await t.db.appeal.findUniqueOrThrow({ where: { id: appeal.id } })).outcome).toBeNull();

    const noReason = await send(decideUrl, owner.cookie, { outcome: 'REVERSED' }, queueUrl);
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('Explique el motivo de la resolución.');
    const reason = 'Es la cuenta institucional publicada en la sede: puede quedarse.';
    expect((await send(decideUrl, owner.cookie, { outcome: 'REVERSED', reason }, queueUrl)).statusCode).toBe(303);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: post.id } })).status).toBe('PUBLISHED');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: threadId } })).restricted).toBe(false);
    const after = await get('/account/moderation', member.cookie);
    expect(after.body).toContain('se revoca la decisión');
    expect(after.body).toContain(reason);
    expect(await t.db.auditEntry.count({ where: { action: 'moderation.appeal_decided', targetId: appeal.id } })).toBe(
      1,
    );
  });
});

describe('report → hide → restore', () => {
  it('lets a reader report once with a reason, a moderator hide with a statement and restore it where it was', async () => {
    const { c, owner, member, moderator } = await community();
    const { url, id: threadId } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const reader = await person();
    await addMembership(t.db, c.id, reader.user.id);
    const reportUrl = `${url}/posts/${replyId}/report`;

    expect((await get(url, reader.cookie)).body).toContain(`href="${reportUrl}"`);
    const noReason = await send(reportUrl, reader.cookie, { note: 'Lo que vi' }, reportUrl);
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('Elija un motivo.');
    expect(textarea(noReason.body, 'field-note')).toBe('Lo que vi');
    const long = 'a'.repeat(5000);
    const tooLong = await send(reportUrl, reader.cookie, { reason: 'SPAM', note: long }, reportUrl);
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('La nota no puede superar los 1000 caracteres.');
    expect(textarea(tooLong.body, 'field-note')).toBe(long);
    expect(await t.db.report.count({ where: { postId: replyId } })).toBe(0);

    const reported = await send(reportUrl, reader.cookie, { reason: 'HARASSMENT', note: 'Tono ofensivo' }, reportUrl);
    expect(reported.statusCode).toBe(303);
    expect(reported.headers.location).toContain('notice=reported');
    const twice = await send(reportUrl, reader.cookie, { reason: 'SPAM' }, reportUrl);
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('Ya ha denunciado esta publicación');
    expect(await t.db.report.count({ where: { postId: replyId } })).toBe(1);
    // Its author cannot report it.
    expect((await get(reportUrl, member.cookie)).statusCode).toBe(403);

    const queueUrl = `/c/${c.slug}/review`;
    const queue = await get(queueUrl, moderator.cookie);
    expect(queue.body).toContain('Denunciada');
    expect(queue.body).toContain('Acoso o abuso');
    expect(queue.body).toContain('Tono ofensivo');

    const statement = 'Insulta a otra persona de la comunidad (norma 2 de la comunidad).';
    const hidden = await send(
      `/c/${c.slug}/review/posts/${replyId}`,
      moderator.cookie,
      { action: 'hide', ground: 'HARASSMENT', statement },
      queueUrl,
    );
    expect(hidden.statusCode).toBe(303);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('HIDDEN');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: threadId } })).replyCount).toBe(0);
    expect(await t.db.reviewItem.count({ where: { postId: replyId, resolvedAt: null } })).toBe(0);
    expect((await get(url, reader.cookie)).body).not.toContain(ANSWER_TEXT);
    const authorView = await get(url, member.cookie);
    expect(authorView.body).toContain('Ocultada por la moderación');
    expect(authorView.body).toContain(statement);
    const decision = await t.db.moderationDecision.findFirstOrThrow({ where: { postId: replyId } });
    expect(decision).toMatchObject({
      action: 'HIDE',
      detection: 'REPORT',
      statusBefore: 'PUBLISHED',
      statusAfter: 'HIDDEN',
    });
    const audited = await t.db.auditEntry.findFirstOrThrow({ where: { action: 'moderation.hide', targetId: replyId } });
    expect(audited.details).toMatchObject({ before: 'PUBLISHED', after: 'HIDDEN', ground: 'HARASSMENT' });

    // Restored from the post's page, it is back in its place and counted again.
    const postPage = `/c/${c.slug}/review/posts/${replyId}`;
    expect((await get(postPage, moderator.cookie)).body).toContain(statement);
    const restored = await send(postPage, moderator.cookie, { action: 'restore', back: 'post' }, postPage);
    expect(restored.statusCode).toBe(303);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('PUBLISHED');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: threadId } })).replyCount).toBe(1);
    expect((await get(url, reader.cookie)).body).toContain(ANSWER_TEXT);
  });

  it('answers 404 to a report on a post the reader may not read, and to another community’s queue', async () => {
    const { c, owner, moderator } = await community({ visibility: 'SECRET' });
    const { url } = await openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { thread: { communityId: c.id } } });
    const outsider = await person();
    expect((await get(`${url}/posts/${opening.id}/report`, outsider.cookie)).statusCode).toBe(404);
    const unknown = `${url}/posts/00000000-0000-4000-8000-000000000000/report`;
    expect((await get(unknown, owner.cookie)).statusCode).toBe(404);

    const other = await community();
    // A moderator of `other` acting, through its own queue's address, on a post of `c`.
    const response = await send(
      `/c/${other.c.slug}/review/posts/${opening.id}`,
      other.moderator.cookie,
      { action: 'hide', ground: 'SPAM', statement: 'x' },
      `/c/${other.c.slug}/review`,
    );
    expect(response.statusCode).toBe(404);
    expect((await get(`/c/${c.slug}/review`, other.moderator.cookie)).statusCode).toBe(404);
    expect((await get(`/c/${c.slug}/review`, moderator.cookie)).statusCode).toBe(200);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: opening.id } })).status).toBe('PUBLISHED');
  });

  it('limits reports per account and hour', async () => {
    const { c, owner } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    const author = await person();
    await addMembership(t.db, c.id, author.user.id);
    const reader = await person();
    await addMembership(t.db, c.id, reader.user.id);
    const replies: string[] = [];
    for (let i = 0; i < 11; i++) replies.push(await postReply(url, author.cookie, { body: `${ANSWER_TEXT} (${i})` }));
    for (const [index, replyId] of replies.entries()) {
      const reportUrl = `${url}/posts/${replyId}/report`;
      const response = await send(reportUrl, reader.cookie, { reason: 'SPAM' }, reportUrl);
      expect(response.statusCode).toBe(index < 10 ? 303 : 422);
      if (index === 10) expect(response.body).toContain('Ha enviado 10 denuncias en la última hora');
    }
    expect(await t.db.report.count({ where: { reporterId: reader.user.id } })).toBe(10);
  });
});

describe('banning from the queue', () => {
  it('bans a post’s author with reasons; the owner cannot be banned; a reversed appeal lets them back', async () => {
    const { c, owner, member, moderator } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const postPage = `/c/${c.slug}/review/posts/${replyId}`;
    const ban = (cookie: string, postId: string, fields: Record<string, string> = {}) =>
      send(`/c/${c.slug}/review/posts/${postId}`, cookie, { action: 'ban', back: 'post', ...fields }, postPage);

    const noStatement = await ban(moderator.cookie, replyId, { ground: 'SPAM' });
    expect(noStatement.statusCode).toBe(422);
    expect(noStatement.body).toContain('Explique los hechos y la norma aplicada');
    const statement = 'Publica anuncios comerciales en cada conversación (norma 4).';
    expect((await ban(moderator.cookie, replyId, { ground: 'SPAM', statement })).statusCode).toBe(303);
    const membership = await t.db.membership.findUniqueOrThrow({
      where: { communityId_userId: { communityId: c.id, userId: member.user.id } },
    });
    expect(membership.state).toBe('BANNED');
    expect((await replyTo(url, member.cookie)).statusCode).toBe(403);
    const opening = await t.db.post.findFirstOrThrow({ where: { thread: { communityId: c.id }, isOpening: true } });
    const onOwner = await ban(moderator.cookie, opening.id, { ground: 'SPAM', statement });
    expect(onOwner.statusCode).toBe(422);
    expect(onOwner.body).toContain('Las personas responsables de la comunidad no pueden ser expulsadas.');

    const mine = await get('/account/moderation', member.cookie);
    expect(mine.body).toContain('Expulsión de la comunidad');
    expect(mine.body).toContain(statement);
    const decision = await t.db.moderationDecision.findFirstOrThrow({
      where: { subjectId: member.user.id, action: 'BAN' },
    });
    await send(
      `/account/moderation/${decision.id}/appeal`,
      member.cookie,
      { note: 'Era un aviso del ayuntamiento.' },
      '/account/moderation',
    );
    const appeal = await t.db.appeal.findUniqueOrThrow({ where: { decisionId: decision.id } });
    const decided = await send(
      `/c/${c.slug}/review/appeals/${appeal.id}`,
      owner.cookie,
      { outcome: 'REVERSED', reason: 'Era un aviso oficial, no publicidad.' },
      `/c/${c.slug}/review`,
    );
    expect(decided.statusCode).toBe(303);
    // Winning the appeal gives back the membership they had, not a stranger's place.
    const restored = await t.db.membership.findUniqueOrThrow({
      where: { communityId_userId: { communityId: c.id, userId: member.user.id } },
    });
    expect(restored).toMatchObject({ state: 'ACTIVE', role: 'MEMBER' });
    expect((await replyTo(url, member.cookie)).statusCode).toBe(303);
  });
});

describe('watched words', () => {
  it('are kept by the community’s owners and the site’s admins, as words, and block, hold or flag', async () => {
    const { c, owner, moderator, member } = await community();
    const listUrl = `/c/${c.slug}/watched-words`;
    expect((await get(listUrl, moderator.cookie)).statusCode).toBe(404);
    expect((await get('/admin/watched-words', owner.cookie)).statusCode).toBe(404);

    const add = (fields: Record<string, string>) => send(listUrl, owner.cookie, fields, listUrl);
    const empty = await add({ phrase: '   ', action: 'HOLD' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Escriba una palabra o frase.');
    const long = 'palabra '.repeat(63);
    const tooLong = await add({ phrase: long, action: 'HOLD' });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('Una entrada tiene como máximo 100 caracteres.');
    expect(tooLong.body).toContain(long.trim().slice(0, 40));
    expect((await add({ phrase: '***', action: 'HOLD' })).body).toContain('Escriba al menos una letra o una cifra.');
    const huge = await add({ phrase: 'x'.repeat(20_000), action: 'HOLD' });
    expect(huge.statusCode).toBe(422);
    expect(huge.body).toContain('Una entrada tiene como máximo 100 caracteres.');
    expect((await add({ phrase: 'chiringuito', action: 'NOPE' })).statusCode).toBe(422);
    // A pattern would be saved as the bare word "a" and block almost every post: the owner is told instead.
    const pattern = await add({ phrase: '(a+)+$', action: 'BLOCK' });
    expect(pattern.statusCode).toBe(422);
    expect(pattern.body).toContain('no como patrones ni expresiones regulares');
    expect(pattern.body).toContain('(a+)+$');
    expect((await add({ phrase: 'pelotazo', action: 'FLAG' })).statusCode).toBe(303);
    expect((await add({ phrase: 'Chiringuito', action: 'HOLD' })).statusCode).toBe(303);
    expect((await add({ phrase: 'cobro en negro', action: 'BLOCK' })).statusCode).toBe(303);
    expect((await add({ phrase: 'COBRO  en NEGRO', action: 'BLOCK' })).statusCode).toBe(303);
    expect(await t.db.watchedWord.count({ where: { communityId: c.id } })).toBe(3);

    const blocked = await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} ¿Es cobro en negro?` });
    expect(blocked.statusCode).toBe(422);
    expect(blocked.body).toContain('no admiten: cobro en negro');
    expect(blocked.body).toContain('¿Es cobro en negro?');
    const held = await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} Parece un CHIRINGUITO.` });
    expect(held.headers.location).toContain('notice=post-held');
    const flagged = await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} (a) pelotazo` });
    expect(flagged.statusCode).toBe(422);
    expect(flagged.body).toContain('palabras vigiladas: pelotazo');

    // The site's list applies in every community.
    const admin = await createUser(t.db, { role: 'ADMIN', organizationId: townHall.id });
    const adminCookie = await signInAs(t.app, admin.email);
    expect(
      (await send('/admin/watched-words', adminCookie, { phrase: 'mordida', action: 'BLOCK' }, '/admin/watched-words'))
        .statusCode,
    ).toBe(303);
    expect((await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} Sin mordida.` })).statusCode).toBe(422);
    const entry = await t.db.watchedWord.findFirstOrThrow({ where: { communityId: null, phrase: 'mordida' } });
    const removed = await send(`/admin/watched-words/${entry.id}/delete`, adminCookie, {}, '/admin/watched-words');
    expect(removed.statusCode).toBe(303);
    expect(await t.db.watchedWord.count({ where: { communityId: null } })).toBe(0);
    // Every process compiles a list again once it changed (watched-word-lists.ts): the next post is judged by the new one.
    expect((await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} Sin mordida.` })).statusCode).toBe(303);
    await send(listUrl, owner.cookie, { phrase: 'chiringuito', action: 'BLOCK' }, listUrl);
    expect((await newThread(c.slug, member.cookie, { body: `${QUESTION_TEXT} Otro chiringuito.` })).statusCode).toBe(
      422,
    );
    expect(await t.db.auditEntry.count({ where: { action: 'moderation.watched_word_removed' } })).toBeGreaterThan(0);
  });
});
