import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createCommunity, createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { openForm, signInAs, submitForm, submitMultipart } from '../support/forms.js';

// What the browser keeps and what cookies say: whatever needs a session is `no-store` (nothing of it
// is readable from the browser's cache after sign-out), every answer carries a Permissions-Policy,
// and cookies expire when the server ends what they stand for.

let t: TestApp;
let org: { id: string };
beforeAll(async () => {
  t = await createTestApp();
  org = await createOrganization(t.db);
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

/** A SECRET community with a thread whose opening post carries a picture; its member, signed in. */
async function secretThreadWithFile() {
  const member = await createUser(t.db, { organizationId: org.id });
  const community = await createCommunity(t.db, { organizationId: org.id, ownerId: member.id, visibility: 'SECRET' });
  const cookie = await signInAs(t.app, member.email);
  const picture = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  const created = await submitMultipart(
    t.app,
    `/c/${community.slug}/threads`,
    {
      title: 'Plano de la nueva sede',
      kind: 'DISCUSSION',
      tag: 'PROFESSIONAL',
      body: 'Adjunto el plano de la nueva sede, que aún no es público.',
    },
    [{ field: 'files', name: 'plano.png', bytes: picture, type: 'image/png' }],
    { cookie, formUrl: `/c/${community.slug}/threads/new` },
  );
  expect(created.statusCode, created.body.slice(0, 500)).toBe(303);
  const file = await t.db.attachment.findFirstOrThrow({ where: { uploaderId: member.id } });
  return { member, community, cookie, threadUrl: String(created.headers.location).split('?')[0] ?? '', file };
}

describe('Cache-Control', () => {
  it('is no-store on every page, file, JSON answer and redirect a signed-in person gets', async () => {
    const { member, community, cookie, threadUrl, file } = await secretThreadWithFile();
    const form = await openForm(t.app, threadUrl, { cookie });
    const both = `${cookie}; ${form.cookie}`;
    const answers: [string, LightMyRequestResponse][] = [
      ['home', await get('/', cookie)],
      ['community', await get(`/c/${community.slug}`, cookie)],
      ['thread', await get(threadUrl, cookie)],
      ['attachment', await get(`/attachments/${file.id}/plano.png`, cookie)],
      ['profile', await get(`/u/${member.handle}`, cookie)],
      ['account', await get('/account', cookie)],
      ['not found', await get('/no/such/page', cookie)],
      [
        'suggestion (JSON)',
        await t.app.inject({
          method: 'POST',
          url: '/policy/suggest',
          headers: { cookie: both, 'x-csrf-token': form.csrf, 'content-type': 'application/json' },
          payload: { title: 'Plano', body: 'Adjunto el plano de la nueva sede para revisarlo.' },
        }),
      ],
      ['redirect', await submitForm(t.app, '/language', { locale: 'ca', returnTo: threadUrl }, { cookie })],
    ];
    for (const [what, response] of answers) {
      expect(response.statusCode, what).toBeLessThan(500);
      expect(response.headers['cache-control'], what).toBe('no-store');
    }
    expect(answers.find(([what]) => what === 'attachment')?.[1].statusCode).toBe(200);
  });

  it('lets the browser alone keep what anyone may read, revalidated; versioned assets for a year', async () => {
    for (const url of ['/', '/sign-in', '/healthz', '/no/such/page']) {
      expect((await get(url)).headers['cache-control'], url).toBe('private, no-cache');
    }
    const page = await get('/');
    const asset = /href="(\/static\/css\/[^"]+\?v=[^"]+)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();
    expect(String((await get(String(asset))).headers['cache-control'])).toContain('immutable');
  });

  it('the attachment a person could read is not in their browser cache after sign-out', async () => {
    const { cookie, file } = await secretThreadWithFile();
    const before = await get(`/attachments/${file.id}/plano.png`, cookie);
    expect(before.statusCode).toBe(200);
    expect(before.headers['cache-control']).toBe('no-store');
    const form = await openForm(t.app, '/account', { cookie });
    const out = await t.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: `${cookie}; ${form.cookie}` },
      payload: { _csrf: form.csrf },
    });
    expect(out.statusCode).toBe(303);
    expect((await get(`/attachments/${file.id}/plano.png`, cookie)).statusCode).toBe(404);
  });
});

describe('Permissions-Policy', () => {
  it('is sent on pages, errors, JSON, assets and files, denying what Ágora never uses', async () => {
    const page = await get('/');
    const asset = /href="(\/static\/css\/[^"]+)"/.exec(page.body)?.[1] ?? '';
    for (const response of [page, await get('/nope'), await get('/healthz'), await get(asset)]) {
      const policy = String(response.headers['permissions-policy']);
      for (const feature of ['camera=()', 'microphone=()', 'geolocation=()', 'payment=()', 'usb=()']) {
        expect(policy).toContain(feature);
      }
    }
  });
});

describe('cookies say what the server enforces', () => {
  const idleSeconds = 30 * 60;

  it('the session cookie lives as long as the session may: the idle timeout, never 400 days', async () => {
    const person = await createUser(t.db, { organizationId: org.id });
    const response = await submitForm(t.app, '/sign-in', { email: person.email, password: TEST_PASSWORD });
    const session = response.cookies.find((cookie) => cookie.name === 'session');
    // The answer that carries it is not kept either.
    expect(response.headers['cache-control']).toBe('no-store');
    expect(session?.maxAge).toBeGreaterThan(idleSeconds - 60);
    expect(session?.maxAge).toBeLessThanOrEqual(idleSeconds);
    expect(Math.abs((session?.expires?.getTime() ?? 0) - (Date.now() + idleSeconds * 1000))).toBeLessThan(60_000);
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
  });

  it('a slid session cookie never outlives the absolute limit', async () => {
    const person = await createUser(t.db, { organizationId: org.id });
    const cookie = await signInAs(t.app, person.email);
    const token = cookie.split('=')[1] ?? '';
    const id = createHash('sha256').update(token).digest('hex');
    // Eleven hours and 55 minutes in, and due to slide: five minutes of the 12 hours are left.
    await t.db.session.update({
      where: { id },
      data: {
        createdAt: new Date(Date.now() - (11 * 60 + 55) * 60_000),
        expiresAt: new Date(Date.now() + 10 * 60_000),
      },
    });
    const response = await get('/', cookie);
    const slid = response.cookies.find((c) => c.name === 'session');
    expect(slid?.value).toBe(token);
    expect(slid?.maxAge).toBeGreaterThan(4 * 60);
    expect(slid?.maxAge).toBeLessThanOrEqual(5 * 60);
  });

  it('over HTTPS every cookie set or cleared is Secure, so a browser applies the clearing of a __Host- cookie', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://agora.example.org' });
    try {
      const person = await createUser(secure.db, { organizationId: (await createOrganization(secure.db)).id });
      const page = await secure.app.inject({ method: 'GET', url: '/sign-in' });
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const csrfCookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const signIn = await secure.app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie: csrfCookie },
        payload: { _csrf: token, email: person.email, password: TEST_PASSWORD },
      });
      expect(signIn.statusCode).toBe(303);
      const dead = await secure.app.inject({
        method: 'GET',
        url: '/',
        headers: { cookie: '__Host-session=nobody.knows' },
      });
      const language = await secure.app.inject({
        method: 'POST',
        url: '/language',
        headers: { cookie: csrfCookie },
        payload: { _csrf: token, locale: 'en' },
      });
      const set = [...page.cookies, ...signIn.cookies, ...dead.cookies, ...language.cookies];
      // The sign-in clears the old CSRF secret and starts a session; a dead session cookie is cleared.
      expect(signIn.cookies.some((c) => c.name === '__Host-csrf' && c.value === '')).toBe(true);
      expect(dead.cookies.some((c) => c.name === '__Host-session' && c.value === '')).toBe(true);
      for (const cookie of set) {
        expect(cookie.secure, `${cookie.name}`).toBe(true);
        expect(cookie.path, `${cookie.name}`).toBe('/');
        expect(cookie.httpOnly, `${cookie.name}`).toBe(true);
      }
    } finally {
      await secure.close();
    }
  });
});

describe('work proportional to the input is capped and limited per account', () => {
  async function suggester() {
    const person = await createUser(t.db, { organizationId: org.id });
    const cookie = await signInAs(t.app, person.email);
    const form = await openForm(t.app, '/account', { cookie });
    return (payload: unknown, type = 'application/json') =>
      t.app.inject({
        method: 'POST',
        url: '/policy/suggest',
        headers: { cookie: `${cookie}; ${form.cookie}`, 'x-csrf-token': form.csrf, 'content-type': type },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
  }

  it('a tag suggestion takes a post at its longest and refuses a megabyte before reading it', async () => {
    const suggest = await suggester();
    const longest = 'Revisión del convenio de limpieza viaria con la mancomunidad. '.repeat(320).slice(0, 20_000);
    const ok = await suggest({ title: 'Convenio', body: longest });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).tag).toMatch(/^(PERSONAL|PROFESSIONAL|ORGANIZATIONAL)$/);
    const formEncoded = await suggest(
      `title=Convenio&body=${encodeURIComponent('Ñandú y acentos áéíóú '.repeat(900).slice(0, 20_000))}`,
      'application/x-www-form-urlencoded',
    );
    expect(formEncoded.statusCode).toBe(200);
    const huge = await suggest({ title: 'x', body: 'palabra '.repeat(115_000) });
    expect(huge.statusCode).toBe(413);
  });

  it('one account asking too often is slowed down without slowing a colleague at the same address', async () => {
    const busy = await suggester();
    const colleague = await suggester();
    const body = { title: 'Horario', body: 'Cambio del horario de atención al público en verano.' };
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await busy(body)).statusCode);
    expect(statuses.slice(0, 120).every((status) => status === 200)).toBe(true);
    expect(statuses[120]).toBe(429);
    expect((await colleague(body)).statusCode).toBe(200);
  });
});
