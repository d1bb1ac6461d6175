import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// The thread page keeps each post's HTML between views (src/threads/post-fragments.ts). Whatever order
// people read a thread in, and however the cache was filled by others, each of them sees only what they
// may: a moderator's actions, an author's edit link and their held reply, their own reactions pressed,
// their language; and a reaction, an edit or a moderation decision shows at the next view.

let t: TestApp;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db);
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

function act(url: string, cookie: string, fields: Record<string, string>, formUrl: string) {
  return submitForm(t.app, url, fields, { cookie, formUrl });
}

describe('the posts of a thread page, kept between views', () => {
  it('show each viewer only what they may see, whoever filled the cache', async () => {
    const { c, owner, moderator, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const other = await kit.person();
    await addMembership(t.db, c.id, other.user.id);
    const { url, id } = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Caché de hilos' });
    const replyId = await kit.postReply(url, member.cookie, { body: 'Una respuesta publicada del miembro.' });
    const held = await t.db.post.create({
      data: {
        threadId: id,
        authorId: member.user.id,
        source: 'palabras retenidas',
        html: '<p>palabras-retenidas-del-miembro</p>',
        tag: 'PROFESSIONAL',
        status: 'HELD',
      },
    });
    const viewers: [string, string | undefined][] = [
      ['visitor', undefined],
      ['author', member.cookie],
      ['other member', other.cookie],
      ['moderator', moderator.cookie],
    ];
    // Each viewer twice, in two orders: the second round is served from fragments the others' views made.
    for (const round of [viewers, [...viewers].reverse()]) {
      for (const [name, cookie] of round) {
        const response = await kit.get(url, cookie);
        const body = response.body;
        // Assembled from bytes (threads/page-slots.ts): an HTML page with every placeholder replaced.
        expect(response.headers['content-type'], name).toBe('text/html; charset=utf-8');
        expect(body, name).not.toContain('<!--slot:');
        expect(body, name).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\s*$/i);
        const author = name === 'author';
        const moderates = name === 'moderator';
        expect(body.includes(`${url}/posts/${replyId}/edit`), name).toBe(author);
        expect(body.includes('palabras-retenidas-del-miembro'), name).toBe(author || moderates);
        expect(body.includes(`${url}/posts/${held.id}/edit`), name).toBe(author);
        expect(body.includes(`/c/${c.slug}/review/posts/${replyId}"`), name).toBe(moderates);
        expect(body.includes(`/c/${c.slug}/review#post-${held.id}`), name).toBe(moderates);
        expect(body.includes(`${url}/posts/${replyId}/react`), name).toBe(name !== 'visitor');
        expect(body.includes(`${url}/posts/${replyId}/report`), name).toBe(name === 'other member' || moderates);
      }
    }

    // A reaction shows at the next view, pressed only for whoever gave it.
    const react = (state: string) => act(`${url}/posts/${replyId}/react`, other.cookie, { kind: 'LIKE', state }, url);
    expect((await react('on')).statusCode).toBe(303);
    const likeButton = (body: string) =>
      new RegExp(
        `formaction="${url}/posts/${replyId}/react"[^>]*value="LIKE:(on|off)"[^>]*aria-pressed="(true|false)"`,
      ).exec(body);
    const otherPage = (await kit.get(url, other.cookie)).body;
    expect(otherPage).toContain('Me gusta (1)');
    expect(likeButton(otherPage)?.slice(1)).toEqual(['off', 'true']);
    const moderatorPage = (await kit.get(url, moderator.cookie)).body;
    expect(moderatorPage).toContain('Me gusta (1)');
    expect(likeButton(moderatorPage)?.slice(1)).toEqual(['on', 'false']);
    expect((await kit.get(url)).body).toContain('Me gusta (1)');
    expect((await react('off')).statusCode).toBe(303);
    expect((await kit.get(url)).body).not.toContain('Me gusta (1)');
    expect(likeButton((await kit.get(url, other.cookie)).body)?.slice(1)).toEqual(['on', 'false']);

    // An edit shows its new words to everyone, the old ones to no one.
    const edited = await submitForm(
      t.app,
      `${url}/posts/${replyId}/edit`,
      { body: 'Palabras nuevas tras la edición.', tag: 'PROFESSIONAL' },
      { cookie: member.cookie },
    );
    expect(edited.statusCode, edited.body.slice(0, 500)).toBe(303);
    for (const [name, cookie] of viewers) {
      const body = (await kit.get(url, cookie)).body;
      expect(body, name).toContain('Palabras nuevas tras la edición.');
      expect(body, name).not.toContain('Una respuesta publicada del miembro.');
    }

    // HTML changed with nothing else (the fragment's key left as it was): the new HTML shows to everyone.
    await t.db.post.update({ where: { id: replyId }, data: { html: '<p>Solo-el-html-cambia.</p>' } });
    for (const [name, cookie] of viewers) {
      const body = (await kit.get(url, cookie)).body;
      expect(body, name).toContain('Solo-el-html-cambia.');
      expect(body, name).not.toContain('Palabras nuevas tras la edición.');
    }

    // A moderation decision: the held reply published shows to everyone, without its notice.
    await t.db.post.update({ where: { id: held.id }, data: { status: 'PUBLISHED' } });
    for (const [name, cookie] of viewers) {
      const body = (await kit.get(url, cookie)).body;
      expect(body, name).toContain('palabras-retenidas-del-miembro');
      expect(body.includes(`/c/${c.slug}/review#post-${held.id}`), name).toBe(false);
    }
  });

  it('speak each reader’s language, whichever language filled the cache', async () => {
    const { c, owner } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url } = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Idiomas' });
    const inLanguage = (language: string) =>
      t.app.inject({ method: 'GET', url, headers: { 'accept-language': language } });
    expect((await inLanguage('es')).body).toContain('Me gusta (0)');
    const english = (await inLanguage('en')).body;
    expect(english).toContain('Like (0)');
    expect(english).not.toContain('Me gusta (0)');
    expect((await inLanguage('es')).body).toContain('Me gusta (0)');
  });
});
