import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { fieldError, openForm, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Issue 14, item 3: a title, body, display name or community name that shows nothing once invisible
// characters are removed is refused with the field's message, keeping the rest of the form; a
// bidirectional override cannot reverse a title or a name; people's text is shown with dir="auto".
// One mechanism for every form (src/plugins/input-guard.ts keepVisibleText), tried on four of them.

let t: TestApp;
let home: { id: string };
beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Letras Visibles' });
});
afterAll(async () => {
  await t.close();
});
const kit = threadTestKit(
  () => t,
  () => home,
);

const INVISIBLE = ['\u200B\u200B', '\uFEFF\u2060', '\u3164\u3164', ' \u2800 ', '\u202E\u2066\u2069', '\u200F\u00AD'];

describe('text made only of invisible characters', () => {
  it('is not a thread title or a body: the message beside the field, the other words kept, nothing made', async () => {
    const { c, member } = await kit.community();
    for (const invisible of INVISIBLE) {
      const before = await t.db.thread.count();
      const noTitle = await kit.newThread(c.slug, member.cookie, { title: invisible, body: 'Cuerpo que se conserva' });
      expect(noTitle.statusCode, JSON.stringify(invisible)).toBe(422);
      expect(fieldError(noTitle.body, 'title')).toBe('Escriba un título.');
      expect(noTitle.body).toContain('Cuerpo que se conserva');
      const noBody = await kit.newThread(c.slug, member.cookie, { title: 'Título que se conserva', body: invisible });
      expect(noBody.statusCode).toBe(422);
      expect(fieldError(noBody.body, 'body')).toBe('Escriba el texto.');
      expect(noBody.body).toContain('value="Título que se conserva"');
      expect(await t.db.thread.count()).toBe(before);
    }
  });

  it('is not a body once rendered: entities of invisible characters, a lone quote mark, an empty code block', async () => {
    const { c, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, member.cookie);
    for (const body of ['&#8203;', '&nbsp;&zwnj;', '>', '```\n```', '&#x200B; &#xFEFF;']) {
      const response = await kit.replyTo(url, member.cookie, { body });
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(fieldError(response.body, 'body')).toBe('Escriba el texto.');
    }
    expect(await t.db.post.count({ where: { threadId: id } })).toBe(1);
    // Entities that show something are text like any other.
    expect((await kit.replyTo(url, member.cookie, { body: '&copy; 2026 &mdash; Ayuntamiento' })).statusCode).toBe(303);
  });

  it('is not a reply', async () => {
    const { c, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, member.cookie);
    const response = await kit.replyTo(url, member.cookie, { body: '\u200B\u3164\uFEFF' });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'body')).toBe('Escriba el texto.');
    expect(await t.db.post.count({ where: { threadId: id } })).toBe(1);
  });

  it('is not a community name', async () => {
    const { owner } = await kit.community();
    const slug = `invisible-${Date.now()}`;
    const response = await submitForm(
      t.app,
      '/communities',
      { name: '\u2800\u200B', slug, audience: 'INTERNAL', visibility: 'PUBLIC', welcomedTags: 'PERSONAL' },
      { cookie: owner.cookie, formUrl: '/communities/new' },
    );
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'name')).toBe('Escriba el nombre de la comunidad.');
    expect(response.body).toContain(`value="${slug}"`);
    expect(await t.db.community.count({ where: { slug } })).toBe(0);
  });

  it('is not a display name', async () => {
    const { user, cookie } = await kit.person({ displayName: 'Nombre Anterior' });
    const form = await openForm(t.app, '/account/profile', { cookie });
    const response = await t.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: { cookie: [cookie, form.cookie].filter(Boolean).join('; ') },
      payload: { _csrf: form.csrf, displayName: '\uFEFF\u200B\u3164', jobTitle: 'Técnica de archivo' },
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'displayName')).toBe('Escriba su nombre.');
    expect(response.body).toContain('value="Técnica de archivo"');
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).displayName).toBe('Nombre Anterior');
  });
});

describe('control characters pasted into a post', () => {
  it('refuse the post but send back its words without them, ready to send again', async () => {
    const { c, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, member.cookie);
    const response = await kit.replyTo(url, member.cookie, { body: 'línea uno\u000Blínea dos\u0007 y fin' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('caracteres de control invisibles');
    expect(response.body).toContain(`action="${url}/replies"`);
    expect(response.body).toContain('>\nlínea unolínea dos y fin</textarea>');
    expect(await t.db.post.count({ where: { threadId: id } })).toBe(1);
  });
});

describe('bidirectional controls', () => {
  it('cannot reverse a title, and blanks at its ends are gone', async () => {
    const { c, member } = await kit.community();
    const { id } = await kit.openThread(c.slug, member.cookie, { title: '\u200BFactura \u202Eexe.pdf\u202C' });
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).title).toBe('Factura exe.pdf');
  });

  it('cannot reverse a community name or a display name', async () => {
    const { owner } = await kit.community();
    const slug = `bidi-${Date.now()}`;
    const created = await submitForm(
      t.app,
      '/communities',
      { name: 'Obras \u202Ememorias', slug, audience: 'INTERNAL', visibility: 'PUBLIC', welcomedTags: 'PERSONAL' },
      { cookie: owner.cookie, formUrl: '/communities/new' },
    );
    expect(created.statusCode).toBe(303);
    expect((await t.db.community.findUniqueOrThrow({ where: { slug } })).name).toBe('Obras memorias');

    const { user, cookie } = await kit.person();
    const form = await openForm(t.app, '/account/profile', { cookie });
    const saved = await t.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: { cookie: [cookie, form.cookie].filter(Boolean).join('; ') },
      payload: { _csrf: form.csrf, displayName: 'Ana \u2067García\u2069' },
    });
    expect(saved.statusCode).toBe(303);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).displayName).toBe('Ana García');
  });

  it('keeps what shows: an emoji with its variation selector, Hebrew, a joined emoji', async () => {
    const { c, member } = await kit.community();
    const title = 'Gracias ❤️ שלום 👨‍👩‍👧';
    const { id, url } = await kit.openThread(c.slug, member.cookie, { title });
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).title).toBe(title);
    // And the page lets each text take its own direction.
    const page = await kit.get(url, member.cookie);
    expect(page.body).toContain(`<h1><bdi>${title}</bdi></h1>`);
    expect(page.body).toMatch(/<div class="prose" dir="auto">/);
    expect(page.body).toMatch(/<a href="\/u\/[^"]+"><bdi>[^<]+<\/bdi><\/a>/);
  });
});
