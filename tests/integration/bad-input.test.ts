import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../src/plugins/views.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createCommunity, createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { openForm, signInAs, submitForm } from '../support/forms.js';
import { routesOf } from '../support/routes.js';

// Input that can be neither stored nor echoed (U+0000, lone surrogates, control characters where a
// line is expected) is refused at the edge, for every route, with a page that says why; it never
// reaches a handler, so nothing is changed and nothing answers 500.

const REFUSED = 'caracteres que no se pueden guardar ni mostrar';

let t: TestApp;
let cookie: string;
let csrf: string;
let slug: string;
beforeAll(async () => {
  // Every route is tried several times from one address: the per-address limits would trip.
  t = await createTestApp({ RATE_LIMIT_MAX: '100000' });
  const org = await createOrganization(t.db);
  const admin = await createUser(t.db, { role: 'ADMIN', organizationId: org.id });
  slug = (await createCommunity(t.db, { organizationId: org.id, ownerId: admin.id })).slug;
  cookie = await signInAs(t.app, admin.email);
  const form = await openForm(t.app, '/account/profile', { cookie });
  csrf = form.csrf;
  cookie = [cookie, form.cookie].filter(Boolean).join('; ');
});
afterAll(async () => {
  await t.close();
});

/** The route's path with every parameter (and the wildcard) replaced. */
function fill(path: string, value: string): string {
  return path.replace(/:[A-Za-z]+/g, value).replace(/\*$/, value);
}

/** A POST as the signed-in admin of this file, with a body of the given type sent as is. */
function postBody(url: string, type: string, payload: string | Buffer, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': type, ...headers }, payload });
}

function expectRefused(response: { statusCode: number; body: string }, what: string) {
  expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBe(400);
  expect(response.body, what).toContain(REFUSED);
}

describe('input that can be neither stored nor echoed', () => {
  const routes = () => routesOf(t.app);

  it('finds the routes it checks', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(40);
    expect(all).toContainEqual({ path: '/c/:slug/threads/:threadId/replies', methods: ['POST'] });
    expect(all).toContainEqual({ path: '/sign-up', methods: ['GET', 'POST'] });
  });

  it('is refused in a path parameter of every route, whatever the method', async () => {
    for (const route of routes().filter((r) => r.path.includes(':') || r.path.endsWith('*'))) {
      for (const method of route.methods) {
        for (const bad of ['a%00b', 'a%0Ab', 'a%1Bb', 'a%7Fb']) {
          const url = fill(route.path, bad);
          const response = await t.app.inject({
            method: method as 'GET',
            url,
            headers: { cookie, 'x-csrf-token': csrf },
            ...(method === 'POST' ? { payload: { _csrf: csrf } } : {}),
          });
          expectRefused(response, `${method} ${url}`);
        }
      }
    }
  });

  it('is refused in the query of every route, in its names and values', async () => {
    for (const route of routes()) {
      const url = fill(route.path, 'x');
      for (const method of route.methods) {
        // (%ED%A0%80, a lone surrogate in invalid UTF-8, only where it cannot sign us out.)
        const queries = [
          'q=a%00b',
          'returnTo=%2F%0D%0ALocation%3A%20x',
          'a%00=1',
          ...(method === 'GET' ? ['q=%ED%A0%80'] : []),
        ];
        for (const query of queries) {
          const response = await t.app.inject({
            method: method as 'GET',
            url: `${url}?${query}`,
            headers: { cookie, 'x-csrf-token': csrf },
            ...(method === 'POST' ? { payload: { _csrf: csrf } } : {}),
          });
          // %ED%A0%80 is a lone surrogate in UTF-8 (invalid): Fastify's parser keeps it as typed, or we refuse it.
          if (query.startsWith('q=%ED')) expect(response.statusCode, `${method} ${url}?${query}`).toBeLessThan(500);
          else expectRefused(response, `${method} ${url}?${query}`);
        }
      }
    }
  });

  it('is refused in the form fields of every POST route, form-encoded, JSON or multipart', async () => {
    for (const route of routes().filter((r) => r.methods.includes('POST'))) {
      const url = fill(route.path, slug);
      const bodies: { name: string; payload: string | Buffer; type: string }[] = [
        { name: 'form NUL', payload: `_csrf=${csrf}&displayName=a%00b`, type: 'application/x-www-form-urlencoded' },
        { name: 'form bell', payload: `_csrf=${csrf}&body=a%07b`, type: 'application/x-www-form-urlencoded' },
        { name: 'form name', payload: `_csrf=${csrf}&a%0Db=1`, type: 'application/x-www-form-urlencoded' },
        { name: 'JSON NUL', payload: JSON.stringify({ _csrf: csrf, title: 'a\u0000b' }), type: 'application/json' },
        { name: 'JSON surrogate', payload: `{"_csrf":"${csrf}","body":"a\\ud800b"}`, type: 'application/json' },
      ];
      const data = new FormData();
      data.append('_csrf', csrf);
      data.append('body', 'texto\u0000oculto');
      const multipart = new Response(data);
      bodies.push({
        name: 'multipart NUL',
        payload: Buffer.from(await multipart.arrayBuffer()),
        type: multipart.headers.get('content-type') ?? '',
      });
      for (const body of bodies) {
        const response = await postBody(url, body.type, body.payload);
        // A route that takes no multipart body answers 415 before anything reads it; that is not a 500 either.
        if (body.name.startsWith('multipart') && response.statusCode === 415) continue;
        expectRefused(response, `POST ${url} (${body.name})`);
      }
    }
  });

  it('a malformed body on any POST route answers 4xx with a page, never 500', async () => {
    const bodies: { name: string; payload: string; type: string }[] = [
      {
        name: 'truncated multipart',
        payload: '--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nx',
        type: 'multipart/form-data; boundary=zz',
      },
      { name: 'garbage multipart', payload: 'garbage', type: 'multipart/form-data; boundary=zz' },
      { name: 'multipart without a boundary', payload: 'x', type: 'multipart/form-data' },
      { name: 'truncated JSON', payload: '{"_csrf": "', type: 'application/json' },
      {
        name: 'JSON of the wrong shape',
        payload: `{"_csrf": "${csrf}", "title": ["a"], "body": {"x": 1}, "email": {"$ne": 1}}`,
        type: 'application/json',
      },
      {
        name: 'repeated fields',
        payload: `_csrf=${csrf}&title=a&title=b&body=x&body=y&email=a&email=b`,
        type: 'application/x-www-form-urlencoded',
      },
      { name: 'unknown type', payload: 'x', type: 'text/plain' },
      {
        name: 'undecodable percent-encoding',
        payload: `_csrf=${csrf}&title=%FF&body=x%25%&email=%ED%A0%80&q=%zz`,
        type: 'application/x-www-form-urlencoded',
      },
    ];
    // (Not the routes that end our own session: a well-formed body there is a valid request.)
    const ending = ['/sign-out', '/account/sign-out-everywhere'];
    for (const route of routes().filter((r) => r.methods.includes('POST') && !ending.includes(r.path))) {
      const url = fill(route.path, slug);
      for (const body of bodies) {
        const response = await postBody(url, body.type, body.payload);
        const what = `POST ${url} (${body.name})`;
        // Well-formed bodies of the wrong shape may still be valid for a route that reads none of them.
        const wellFormed = body.name === 'JSON of the wrong shape' || body.name === 'repeated fields';
        if (!wellFormed) expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${what}: ${response.body.slice(0, 200)}`).toBeLessThan(500);
      }
    }
  });

  it('a body that is not a form’s shape answers 400 on every POST route: nesting, objects, numbers', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const deepObject = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const bodies = [
      deep,
      deepObject,
      JSON.stringify({ _csrf: csrf, token: { toString: 'x' }, password: 'abcdefghijklmn' }),
      JSON.stringify({ _csrf: csrf, email: { $ne: 1 } }),
      JSON.stringify({ _csrf: csrf, displayName: 42 }),
      JSON.stringify({ _csrf: csrf, title: [['a']] }),
      JSON.stringify([csrf]),
      '"texto"',
    ];
    for (const route of routes().filter((r) => r.methods.includes('POST'))) {
      const url = fill(route.path, slug);
      for (const payload of bodies) {
        const response = await postBody(url, 'application/json', payload, { 'x-csrf-token': csrf });
        const what = `POST ${url} ${payload.slice(0, 40)}`;
        expect(response.statusCode, `${what}: ${response.body.slice(0, 200)}`).toBe(400);
        expect(response.body, what).toContain('Petición no válida');
      }
    }
  });

  it('is refused in the name of an uploaded file', async () => {
    // Written by hand: a browser's FormData would percent-encode what we want to send raw.
    const boundary = '----agora-test';
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const payload = Buffer.from(
      `${field('_csrf', csrf)}${field('title', 'Con un adjunto')}${field('kind', 'DISCUSSION')}${field('tag', 'PROFESSIONAL')}` +
        `${field('body', 'Un texto con un adjunto de nombre raro.')}` +
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="datos\u0000.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\na,b\n1,2\n\r\n--${boundary}--\r\n`,
    );
    const response = await postBody(`/c/${slug}/threads`, `multipart/form-data; boundary=${boundary}`, payload);
    expectRefused(response, 'file name with a NUL');
    expect(await t.db.thread.count({ where: { title: 'Con un adjunto' } })).toBe(0);
  });

  it('changes nothing: a sign-up whose name holds a NUL creates no account', async () => {
    const email = 'nulo@prueba.example';
    const response = await submitForm(t.app, '/sign-up', {
      displayName: 'Ana\u0000López',
      email,
      password: TEST_PASSWORD,
      acceptTerms: 'on',
    });
    expectRefused(response, 'sign-up');
    expect(await t.db.user.count({ where: { email } })).toBe(0);
  });

  it('keeps tabs and line breaks in text, which people type', async () => {
    const response = await submitForm(
      t.app,
      `/c/${slug}/threads`,
      {
        title: 'Tabla pegada desde una hoja de cálculo',
        kind: 'DISCUSSION',
        tag: 'PROFESSIONAL',
        body: 'Partida\tImporte\r\nLimpieza\t1200\r\nAlumbrado\t800',
      },
      { cookie, formUrl: `/c/${slug}/threads/new` },
    );
    expect(response.statusCode, response.body.slice(0, 500)).toBe(303);
  });

  it('answers a broken cookie as a missing one, never 500', async () => {
    for (const bad of ['session=a%00b', 'session=%ED%A0%80', 'agora-locale=%00', 'csrf=%00; session=%0D%0A']) {
      const page = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: bad } });
      expect(page.statusCode, bad).toBe(200);
      const post = await t.app.inject({
        method: 'POST',
        url: '/language',
        headers: { cookie: bad },
        payload: { _csrf: 'x', locale: 'en' },
      });
      expect(post.statusCode, bad).toBe(403);
    }
  });
});

describe('redirects after a form go only to a path of this site, as a browser reads it', () => {
  const ORIGIN = 'http://agora.test';
  const evil = [
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/%0D%0ASet-Cookie:%20x=y',
    '/\\evil.example',
    '/\\\\evil.example',
    '//evil.example',
    '/.//evil.example',
    '/..//evil.example',
    '///evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /evil',
  ];

  it.each([...evil, '/\u0000/evil.example'])('safeReturnPath(%j) stays on the site', (value) => {
    const path = safeReturnPath(value);
    if (path === null) return;
    expect(path.startsWith('/')).toBe(true);
    expect(path.startsWith('//')).toBe(false);
    expect(new URL(path, ORIGIN).origin).toBe(ORIGIN);
  });

  it('keeps a real path with its query and fragment', () => {
    expect(safeReturnPath('/c/obras/threads/1?after=2#post-3')).toBe('/c/obras/threads/1?after=2#post-3');
    expect(safeReturnPath('/t/ñandú')).toBe('/t/%C3%B1and%C3%BA');
  });

  it('signs in and lands on a page of this site, with the session cookie, whatever returnTo was', async () => {
    const org = await createOrganization(t.db);
    const person = await createUser(t.db, { organizationId: org.id });
    for (const returnTo of evil) {
      const response = await submitForm(t.app, '/sign-in', { email: person.email, password: TEST_PASSWORD, returnTo });
      expect(response.statusCode, JSON.stringify(returnTo)).toBe(303);
      const location = String(response.headers.location);
      expect(location.startsWith('/') && !location.startsWith('//'), location).toBe(true);
      expect(new URL(location, ORIGIN).origin).toBe(ORIGIN);
      expect(response.cookies.some((c) => c.name === 'session' && c.value)).toBe(true);
    }
  });

  it('the language switch returns only to a path of this site', async () => {
    for (const returnTo of evil) {
      const response = await submitForm(t.app, '/language', { locale: 'ca', returnTo }, { formUrl: '/' });
      expect(response.statusCode, JSON.stringify(returnTo)).toBe(303);
      expect(new URL(String(response.headers.location), ORIGIN).origin).toBe(ORIGIN);
    }
  });
});
