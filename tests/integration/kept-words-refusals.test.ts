import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, draftFields, openForm, signInAs } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// A form refused for something its words are not to blame for gives them back (plugins/errors.ts
// KEPT_ON_REFUSAL), as a 503 does: an expired or foreign CSRF token, and a session that ended while the
// person wrote (idle expiry, "sign out everywhere" on another device). Both used to drop the words: a bare
// "form expired" page, and a redirect to the sign-in page.

let t: TestApp;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Vilafría' });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const BASE_WORDS =
  'Nosotros lo resolvimos con «una ordenanza» & <un modelo> de declaración responsable.\nSegunda línea.';

const joinCookies = (...cookies: (string | undefined)[]) => cookies.filter(Boolean).join('; ');

describe('words given back on a refusal', () => {
  it('an expired form token: a 403 with the words and a fresh token, and sent again it is published once', async () => {
    const { c, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const WORDS = `${BASE_WORDS} (1)`;
    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: joinCookies(member.cookie, form.cookie) },
      payload: { _csrf: 'caducado', body: WORDS, tag: 'PROFESSIONAL' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('El formulario había caducado');
    const kept = draftFields(refused.body);
    expect(kept.body).toBe(WORDS);
    expect(kept._csrf).toBeDefined();
    expect(await t.db.post.count({ where: { source: WORDS } })).toBe(0);
    const sent = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: joinCookies(member.cookie, form.cookie, cookieHeader(refused)) },
      payload: kept,
    });
    expect(sent.statusCode, sent.body.slice(0, 300)).toBe(303);
    expect(await t.db.post.count({ where: { source: WORDS } })).toBe(1);
  });

  it('a session that ended while writing: the words, a way to sign in, and sent again after signing in', async () => {
    const { c, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const WORDS = `${BASE_WORDS} (2)`;
    // The session ends elsewhere (sign out everywhere, or idle expiry) while the reply is being written.
    await t.db.session.deleteMany({ where: { userId: member.user.id } });
    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: joinCookies(member.cookie, form.cookie) },
      payload: { _csrf: form.csrf, body: WORDS, tag: 'PROFESSIONAL' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Su sesión ha terminado');
    expect(refused.body).toContain('href="/sign-in" target="_blank"');
    const kept = draftFields(refused.body);
    expect(kept.body).toBe(WORDS);
    expect(await t.db.post.count({ where: { source: WORDS } })).toBe(0);
    // Signed in again (in another tab): the kept form's token belongs to the old session, so the page
    // gives the words back once more with a fresh one, and then they are published once.
    const again = await signInAs(t.app, member.user.email);
    const stale = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: joinCookies(again, form.cookie, cookieHeader(refused)) },
      payload: kept,
    });
    const retried =
      stale.statusCode === 403
        ? await t.app.inject({
            method: 'POST',
            url: `${url}/replies`,
            headers: { cookie: joinCookies(again, form.cookie, cookieHeader(refused), cookieHeader(stale)) },
            payload: draftFields(stale.body),
          })
        : stale;
    expect(retried.statusCode, retried.body.slice(0, 300)).toBe(303);
    expect(await t.db.post.count({ where: { source: WORDS } })).toBe(1);
  });

  it('a visitor never signed in, or an ended session with nothing typed, is sent to sign in on every signed-in form', async () => {
    const { c, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, member.cookie);
    // No cookie at all (the form's token cannot check out): the route's own answer, to sign in.
    for (const [action, fields] of [
      ['/account/profile', { displayName: 'Alguien', bio: BASE_WORDS }],
      ['/communities', { name: 'Nueva', description: BASE_WORDS }],
      [`${url}/title`, { title: 'Otro título' }],
      [`${url}/replies`, { body: BASE_WORDS }],
    ] as const) {
      const response = await t.app.inject({ method: 'POST', url: action, payload: fields });
      expect(response.statusCode, action).toBe(303);
      expect(response.headers.location, action).toBe('/sign-in');
    }
    // A session that ended, and a form that sent nothing to keep: to sign in, not an empty "words kept" page.
    const form = await openForm(t.app, '/account/password', { cookie: member.cookie });
    await t.db.session.deleteMany({ where: { userId: member.user.id } });
    for (const action of ['/account/password', `/c/${c.slug}/threads`, `${url}/title`]) {
      const response = await t.app.inject({
        method: 'POST',
        url: action,
        headers: { cookie: joinCookies(member.cookie, form.cookie) },
        payload: { _csrf: form.csrf },
      });
      expect(response.statusCode, action).toBe(303);
      expect(response.headers.location, action).toBe('/sign-in');
    }
  });

  it("never carries a link's token into a page made from a refused form token (it may come from a forged request)", async () => {
    const visitor = await openForm(t.app, '/sign-in');
    const forged = await t.app.inject({
      method: 'POST',
      url: '/password-reset/new',
      headers: { cookie: visitor.cookie },
      payload: { _csrf: 'falso', token: 'token-de-quien-lo-falsifica', password: 'una frase cualquiera larga' },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).not.toContain('token-de-quien-lo-falsifica');
    expect(forged.body).not.toContain('una frase cualquiera larga');
  });

  it('answers an address no route has 404 whatever its token, the admin area as any other', async () => {
    const { member } = await kit.community();
    for (const action of ['/admin/no-existe', '/admin/settings', '/no-existe']) {
      const response = await t.app.inject({
        method: 'POST',
        url: action,
        headers: { cookie: member.cookie },
        payload: { a: 'b' },
      });
      expect(response.statusCode, action).toBe(404);
    }
  });

  it('a form without words, or a visitor who never signed in, is still sent to sign in', async () => {
    const { c, member } = await kit.community();
    const form = await openForm(t.app, `/c/${c.slug}`, { cookie: member.cookie });
    await t.db.session.deleteMany({ where: { userId: member.user.id } });
    const join = await t.app.inject({
      method: 'POST',
      url: `/c/${c.slug}/leave`,
      headers: { cookie: joinCookies(member.cookie, form.cookie) },
      payload: { _csrf: form.csrf },
    });
    expect(join.statusCode).toBe(303);
    expect(join.headers.location).toBe('/sign-in');
    const visitor = await openForm(t.app, '/sign-in');
    const anonymous = await t.app.inject({
      method: 'POST',
      url: `/c/${c.slug}/threads`,
      headers: { cookie: visitor.cookie },
      payload: { _csrf: visitor.csrf, title: 'x', body: BASE_WORDS, kind: 'DISCUSSION', tag: 'PROFESSIONAL' },
    });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in');
  });
});
