import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, openForm } from '../support/forms.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('home page', () => {
  it('renders in the layout, in Spanish by default, with the organizations of this database', async () => {
    const organization = await createOrganization(t.db, {
      name: 'Ayuntamiento de Olmedilla <Norte>',
      kind: 'MUNICIPALITY',
    });
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = response.body;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('href="#main"');
    expect(html).toContain('Saltar al contenido');
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    // Escaped, not raw: the name's angle brackets cannot open a tag.
    expect(html).toContain('Ayuntamiento de Olmedilla &lt;Norte&gt;');
    expect(html).not.toContain(organization.name);
    expect(html).toContain('Ayuntamiento</span>');
  });

  it('says so when no organization exists yet', async () => {
    await t.db.organization.deleteMany();
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.body).toContain('Todavía no se ha dado de alta ninguna administración.');
  });

  it('links assets with a content hash and serves them cacheable for a year', async () => {
    const html = (await t.app.inject({ method: 'GET', url: '/' })).body;
    const href = /href="(\/static\/css\/main\.css\?v=[0-9a-f]{12})"/.exec(html)?.[1];
    expect(href).toBeDefined();
    const css = await t.app.inject({ method: 'GET', url: href ?? '' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe('languages', () => {
  it('follows the browser’s Accept-Language when nothing was chosen', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'accept-language': 'ca-ES,ca;q=0.9,es;q=0.5' },
    });
    expect(response.body).toContain('<html lang="ca">');
    expect(response.body).toContain('Salta al contingut');
  });

  it('switches language with the form and remembers the choice', async () => {
    const form = await openForm(t.app, '/');
    const response = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: form.cookie },
      payload: { _csrf: form.csrf, locale: 'en', returnTo: '/' },
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    const lang = response.cookies.find((cookie) => cookie.name === 'lang');
    expect(lang?.value).toBe('en');
    expect(lang?.httpOnly).toBe(true);
    expect(lang?.sameSite).toBe('Lax');

    const after = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { cookie: `${form.cookie}; ${cookieHeader(response)}` },
    });
    expect(after.body).toContain('<html lang="en">');
    expect(after.body).toContain('Skip to content');
    expect(after.body).toMatch(/<button[^>]+value="en"[^>]+aria-pressed="true"/);
  });

  it('refuses a switch without the CSRF token, with a page and no cookie', async () => {
    const form = await openForm(t.app, '/');
    const response = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: form.cookie },
      payload: { locale: 'en', returnTo: '/' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('El formulario ha caducado');
    expect(response.cookies.find((cookie) => cookie.name === 'lang')).toBeUndefined();
  });

  it('refuses a token that belongs to another browser', async () => {
    const mine = await openForm(t.app, '/');
    const theirs = await openForm(t.app, '/');
    const response = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: mine.cookie },
      payload: { _csrf: theirs.csrf, locale: 'en' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('answers 400 to an unknown language, names it, offers the five and changes nothing', async () => {
    const form = await openForm(t.app, '/');
    const response = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: form.cookie },
      payload: { _csrf: form.csrf, locale: 'xx' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('«xx» no es uno de los idiomas de Ágora');
    expect(response.cookies.find((cookie) => cookie.name === 'lang')).toBeUndefined();
  });

  it('never redirects off the site', async () => {
    const form = await openForm(t.app, '/');
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/language',
        headers: { cookie: form.cookie },
        payload: { _csrf: form.csrf, locale: 'ca', returnTo },
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/');
    }
  });
});
