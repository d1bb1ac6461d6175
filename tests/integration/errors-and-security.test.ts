import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { openForm } from '../support/forms.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // A route that fails the way a bug would, to see what a person is shown.
  t.app.get('/__test/boom', async () => {
    throw new Error('secret detail: password=hunter2 at db.internal');
  });
});
afterAll(async () => {
  await t.close();
});

describe('error pages', () => {
  it('an unknown URL answers 404 with a page in the layout', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/no/such/page' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<h1>Página no encontrada</h1>');
    expect(response.body).toContain('href="#main"');
  });

  it('a server error shows a reference, never the error or its stack', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/__test/boom',
      headers: { 'x-request-id': 'req-abc.123' },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('<h1>Algo ha fallado</h1>');
    expect(response.body).toContain('<code>req-abc.123</code>');
    expect(response.body).not.toContain('secret detail');
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  it('a malformed body answers 400 with a page, not a stack trace', async () => {
    const form = await openForm(t.app, '/');
    const response = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: form.cookie, 'content-type': 'application/json', 'x-csrf-token': form.csrf },
      payload: '{"locale": "en",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('<h1>Petición no válida</h1>');
    expect(response.body).not.toContain('Unexpected');
    expect(response.body).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  it('a malformed URL answers 400 with a page in the layout and every header of any other answer', async () => {
    for (const url of [
      '/%E0%A4%A',
      '/c/%FF',
      '/c/%',
      '/u/%zz',
      '/t/%ED%A0%80',
      '/static/%ED%A0%80',
      '/%C0%AF?x=1',
      // The query string too, on every route: the parser kept such a value as it came (`?q=%FF` searched "FF").
      '/search?q=hola%ED%A0%80',
      '/search?q=%FF',
      '/people?q=%FF',
      '/communities?q=a&audience=%E0%A4%A',
      '/?tag=x%',
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(response.body, url).toContain('<h1>Petición no válida</h1>');
      expect(response.body, url).toContain('href="#main"');
      for (const header of [
        'content-security-policy',
        'permissions-policy',
        'x-content-type-options',
        'cache-control',
      ]) {
        expect(response.headers[header], `${url} ${header}`).toBeDefined();
      }
      expect(response.headers['x-request-id'], url).toBeDefined();
    }
  });
});

it('a form body whose percent-encoding does not decode answers 400 with a page, and the encodings people send work', async () => {
  for (const body of ['email=%FF', 'email=a%40b.es&password=%ED%A0%80', 'email=x%']) {
    const form = await openForm(t.app, '/sign-in');
    const response = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      payload: `_csrf=${encodeURIComponent(form.csrf)}&${body}`,
    });
    expect(response.statusCode, body).toBe(400);
    expect(response.body, body).toContain('<h1>Petición no válida</h1>');
  }
  for (const url of ['/search?q=contrataci%C3%B3n+p%C3%BAblica', '/communities?q=%25', '/search?q=50%25+m%C3%A1s']) {
    expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  }
});

describe('a path too long to route', () => {
  it('answers 414 with a page in the layout and every header (the router would answer it bare)', async () => {
    for (const url of [
      `/c/${'a'.repeat(3_000)}`,
      `/c/x/threads/${'1'.repeat(2_049)}?page=2`,
      `/${'%41'.repeat(800)}`,
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url.slice(0, 20)).toBe(414);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<h1>Dirección demasiado larga</h1>');
      expect(response.body).toContain('href="#main"');
      expect(response.headers['content-security-policy']).toBeDefined();
      expect(response.headers['x-request-id']).toBeDefined();
    }
    // Just under the limit, the route answers as for any unknown community.
    const under = await t.app.inject({ method: 'GET', url: `/c/${'a'.repeat(2_048)}` });
    expect(under.statusCode).toBe(404);
  });
});

describe('security headers', () => {
  it('sends a strict Content-Security-Policy with no inline script', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    // Served over plain HTTP here: no HSTS, no upgrade of every asset to HTTPS.
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('sends HSTS and Secure, __Host- cookies when served over HTTPS', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://agora.example.org' });
    try {
      const response = await secure.app.inject({ method: 'GET', url: '/' });
      expect(response.headers['strict-transport-security']).toContain('max-age=31536000');
      const csrf = response.cookies.find((cookie) => cookie.name === '__Host-csrf');
      expect(csrf?.secure).toBe(true);
      expect(csrf?.path).toBe('/');
    } finally {
      await secure.close();
    }
  });

  it('keeps pages out of shared caches', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.headers['cache-control']).toBe('private, no-cache');
  });

  it('gives every response a request id, keeping a proxy’s', async () => {
    const own = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'proxy-42' } });
    expect(given.headers['x-request-id']).toBe('proxy-42');
    const junk = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': '<script>' } });
    expect(junk.headers['x-request-id']).not.toBe('<script>');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After and a page past the limit', async () => {
    const limited = await createTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await limited.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
      }
      const response = await limited.app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(429);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(response.body).toContain('<h1>Demasiadas peticiones</h1>');
    } finally {
      await limited.close();
    }
  });
});
