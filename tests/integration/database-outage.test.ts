import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createDatabaseProxy, type DatabaseProxy } from '../support/database-proxy.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, draftFields, openForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// The app's database connections go through a relay (tests/support/database-proxy.ts): stopping it is
// PostgreSQL going away mid-test (connections reset, new ones refused), starting it is the restart done.

let t: TestApp;
let proxy: DatabaseProxy;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      clientUrl: async (url) => {
        proxy = await createDatabaseProxy(url);
        return proxy.url;
      },
    },
  );
  townHall = await createOrganization(t.db);
});
afterEach(async () => {
  await proxy.start();
});
afterAll(async () => {
  await t.close();
  await proxy.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

const WORDS = 'Mientras la base de datos se reinicia escribo esto con cuidado: «comillas», <etiquetas> & acentos ñ·ç.';

describe('while PostgreSQL is away', () => {
  it('answers pages 503 with Retry-After and says the service will be back, in the reader’s language', async () => {
    const { c, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, member.cookie);
    await proxy.stop();

    const signedIn = await kit.get(url, member.cookie);
    expect(signedIn.statusCode).toBe(503);
    expect(signedIn.headers['retry-after']).toBe('10');
    expect(signedIn.body).toContain('El servicio volverá en unos instantes');
    expect(signedIn.body).not.toContain('Algo ha fallado');

    const english = await t.app.inject({ method: 'GET', url: '/communities', headers: { 'accept-language': 'en' } });
    expect(english.statusCode).toBe(503);
    expect(english.body).toContain('The service will be back shortly');

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await proxy.start();
    expect((await kit.get(url, member.cookie)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('gives a reply back in its form with every word, and sending it again publishes it once', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const key = /name="submissionKey" value="([^"]+)"/.exec(form.page.body)?.[1];
    expect(key).toBeDefined();
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');
    await proxy.stop();

    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie },
      payload: { _csrf: form.csrf, body: WORDS, tag: 'PROFESSIONAL', submissionKey: key },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    const kept = draftFields(refused.body);
    expect(kept).toMatchObject({ body: WORDS, tag: 'PROFESSIONAL', submissionKey: key });
    expect(refused.body).toContain(`action="${url}/replies"`);

    await proxy.start();
    const again = () =>
      t.app.inject({
        method: 'POST',
        url: `${url}/replies`,
        headers: { cookie: [cookie, cookieHeader(refused)].filter(Boolean).join('; ') },
        payload: kept,
      });
    expect((await again()).statusCode).toBe(303);
    // A second copy of the same form (the person clicked twice) finds the first.
    expect((await again()).statusCode).toBe(303);
    const replies = await t.db.post.findMany({ where: { threadId, isOpening: false }, select: { source: true } });
    expect(replies).toEqual([{ source: WORDS }]);
  });

  it('gives a new thread back with its title, text, kind and tag while the database is away', async () => {
    const { c, member } = await kit.community();
    const form = await openForm(t.app, `/c/${c.slug}/threads/new`, { cookie: member.cookie });
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');
    const title = 'Ordenanza de terrazas: ¿quién la ha adaptado ya?';
    await proxy.stop();
    const refused = await t.app.inject({
      method: 'POST',
      url: `/c/${c.slug}/threads`,
      headers: { cookie },
      payload: { _csrf: form.csrf, title, body: WORDS, kind: 'QUESTION', tag: 'PROFESSIONAL' },
    });
    expect(refused.statusCode).toBe(503);
    expect(draftFields(refused.body)).toMatchObject({ title, body: WORDS, kind: 'QUESTION', tag: 'PROFESSIONAL' });
    expect(refused.body).toContain('no se ha perdido');

    await proxy.start();
    const sent = await t.app.inject({
      method: 'POST',
      url: `/c/${c.slug}/threads`,
      headers: { cookie: [cookie, cookieHeader(refused)].filter(Boolean).join('; ') },
      payload: draftFields(refused.body),
    });
    expect(sent.statusCode).toBe(303);
    const thread = await t.db.thread.findFirstOrThrow({ where: { communityId: c.id, title } });
    expect(thread.kind).toBe('QUESTION');
  });
});
