import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Issue 14, items 4 and 6: deleting asks first and says what goes (a post, or the whole thread when
// nobody else has answered); a post's actions are one toolbar whose buttons name their post; a link at
// the top of the thread leads to its reply form, and answering a reply is a link to that form.

let t: TestApp;
let home: { id: string };
beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Borrados Deliberados' });
});
afterAll(async () => {
  await t.close();
});
const kit = threadTestKit(
  () => t,
  () => home,
);

function del(url: string, cookie: string, fields: Record<string, string> = { confirm: 'yes' }) {
  return submitForm(t.app, `${url}/delete`, fields, { cookie, formUrl: `${url}/delete` });
}

describe('deleting is deliberate', () => {
  it('asks first: a form without the confirmation leads to the question and deletes nothing', async () => {
    const { c, owner, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, owner.cookie);
    const replyId = await kit.postReply(url, member.cookie);
    const post = `${url}/posts/${replyId}`;

    const question = await kit.get(`${post}/delete`, member.cookie);
    expect(question.statusCode).toBe(200);
    expect(question.body).toContain('<h1>¿Eliminar esta publicación?</h1>');
    expect(question.body).toContain('las respuestas que haya recibido se mantienen');
    expect(question.body).toContain('name="confirm" value="yes"');
    expect(question.body).toContain('Cancelar y volver');

    const unconfirmed = await del(post, member.cookie, {});
    expect(unconfirmed.statusCode).toBe(303);
    expect(unconfirmed.headers.location).toBe(`${post}/delete`);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('PUBLISHED');

    // Nobody else is asked, and nobody else may delete it.
    expect((await kit.get(`${post}/delete`, owner.cookie)).statusCode).toBe(403);
    expect((await del(post, owner.cookie)).statusCode).toBe(403);

    const confirmed = await del(post, member.cookie);
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toContain('notice=post-deleted');
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).status).toBe('DELETED');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).deletedAt).toBeNull();
    // Once gone, there is nothing to ask about.
    expect((await kit.get(`${post}/delete`, member.cookie)).statusCode).toBe(404);
  });

  it('lets the author delete their own thread whole while nobody else has answered it', async () => {
    const { c, owner, moderator, member } = await kit.community();
    const stamp = Date.now();
    const { id, url } = await kit.openThread(c.slug, member.cookie, {
      title: `Hilo que se va entero ${stamp}`,
      body: `Pregunta sobre licencias que se borrará entera ${stamp}`,
    });
    await kit.postReply(url, member.cookie, { body: `Y una aclaración mía ${stamp}` });
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const post = `${url}/posts/${opening.id}`;

    const question = await kit.get(`${post}/delete`, member.cookie);
    expect(question.body).toContain('<h1>¿Eliminar este hilo?</h1>');
    expect(question.body).toContain('se eliminará el hilo entero, con su otra publicación en él');
    expect(question.body).toContain('Eliminar el hilo');

    const deleted = await del(post, member.cookie);
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe(`/c/${c.slug}?notice=thread-deleted`);
    const thread = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(thread.deletedAt).not.toBeNull();
    expect(thread.title).toBe('');
    expect(await t.db.post.count({ where: { threadId: id, status: { not: 'DELETED' } } })).toBe(0);
    // The words stay only as revisions, for the record.
    expect(await t.db.postRevision.count({ where: { post: { threadId: id } } })).toBe(2);
    expect(await t.db.auditEntry.count({ where: { action: 'thread.delete', targetId: id } })).toBe(1);

    // Gone for everyone: its author, the moderators, the owner, in the page and in every list.
    for (const cookie of [member.cookie, moderator.cookie, owner.cookie, undefined]) {
      expect((await kit.get(url, cookie)).statusCode).toBe(404);
      expect((await kit.get(`/c/${c.slug}`, cookie)).body).not.toContain(`/threads/${id}`);
    }
    expect((await kit.get(`/search?q=${stamp}`, member.cookie)).body).not.toContain(`/threads/${id}`);
    expect((await kit.get('/', member.cookie)).body).not.toContain(`/threads/${id}`);
  });

  it('never leaves a reply in a thread deleted whole, whichever comes first', async () => {
    for (let round = 0; round < 4; round++) {
      const { c, owner, member } = await kit.community();
      const { id, url } = await kit.openThread(c.slug, owner.cookie);
      const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
      const post = `${url}/posts/${opening.id}`;
      // The deletion and a reply sent at once.
      const [deleted, replied] = await Promise.all([del(post, owner.cookie), kit.replyTo(url, member.cookie)]);
      const thread = await t.db.thread.findUniqueOrThrow({ where: { id } });
      const readable = await t.db.post.count({ where: { threadId: id, status: 'PUBLISHED' } });
      if (thread.deletedAt) {
        expect(readable, `round ${round}: ${replied.statusCode}`).toBe(0);
        expect([303, 404]).toContain(replied.statusCode);
      } else {
        // The reply came first: the thread stays with it; only the opening post went.
        expect(replied.statusCode).toBe(303);
        expect(deleted.statusCode).toBe(303);
        expect(readable).toBe(1);
        expect(thread.title).toBe('');
      }
    }
  });

  it('keeps the thread when someone else has answered: only the opening post and its title go', async () => {
    const { c, owner, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, owner.cookie);
    await kit.postReply(url, member.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const post = `${url}/posts/${opening.id}`;
    const question = await kit.get(`${post}/delete`, owner.cookie);
    expect(question.body).toContain('Otras personas ya han respondido');
    expect((await del(post, owner.cookie)).headers.location).toContain('notice=post-deleted');
    const thread = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(thread.deletedAt).toBeNull();
    expect(thread.title).toBe('');
    expect((await kit.get(url, member.cookie)).statusCode).toBe(200);
  });
});

describe('a post’s actions, by keyboard and screen reader', () => {
  it('groups them in a toolbar whose actions name their post, with a link to the reply form', async () => {
    const { c, owner, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, owner.cookie);
    const replyId = await kit.postReply(url, owner.cookie);
    const reader = await kit.person();
    await addMembership(t.db, c.id, reader.user.id);
    const page = (await kit.get(url, reader.cookie)).body;

    expect(page).toContain('<a href="#reply-form">Ir al formulario de respuesta</a>');
    expect(page).toContain('id="reply-form"');
    const toolbar = page.slice(page.indexOf(`id="post-${replyId}-actions"`) - 200);
    expect(toolbar).toMatch(/<footer class="post__actions" role="toolbar" aria-label="Acciones sobre la publicación"/);
    const actions = toolbar.slice(0, toolbar.indexOf('</footer>'));
    const named = [...actions.matchAll(/<(?:button|a) [^>]*>/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const action of named) expect(action).toContain(`aria-describedby="post-${replyId}-by"`);
    // Answering a reply is a link to the one reply form, which then answers it.
    expect(actions).toContain(`href="${url}?answer=${replyId}#reply-form"`);
    expect(page).not.toContain('class="answer-form"');
    const answering = (await kit.get(`${url}?answer=${replyId}`, reader.cookie)).body;
    const form = answering.slice(answering.indexOf('id="reply-form"'));
    expect(form).toContain(`name="parentId" value="${replyId}"`);
    expect(form).toContain('Responder al hilo en su lugar');
    // An id that is no reply of this thread answers the thread.
    const unknown = (await kit.get(`${url}?answer=${member.user.id}`, reader.cookie)).body;
    expect(unknown.slice(unknown.indexOf('id="reply-form"'))).not.toContain('name="parentId"');
  });

  it('names the moderators’ lock apart from "Cerrar sesión"', async () => {
    const { c, owner, moderator } = await kit.community();
    const { url } = await kit.openThread(c.slug, owner.cookie);
    const page = (await kit.get(url, moderator.cookie)).body;
    expect(page).toContain('>Cerrar a nuevas respuestas</button>');
    expect(page).not.toMatch(/>Cerrar<\/button>/);
  });
});
