import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/accounts/one-time-tokens.js';
import { NOTIFICATION_KINDS } from '../../src/notifications/notification-rules.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createDatabaseProxy, type DatabaseProxy } from '../support/database-proxy.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { cookieHeader, draftFields, openForm, signInAs, submitMultipart } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// The app's database connections go through a relay (tests/support/database-proxy.ts): stopping it is
// PostgreSQL going away mid-test (connections reset, new ones refused), starting it is the restart done.

let t: TestApp;
let proxy: DatabaseProxy;
let townHall: { id: string; emailDomains: string[] };

beforeAll(async () => {
  t = await createTestApp(
    // A hung server is given up on after 3 s here (30 by default): see 'while PostgreSQL hangs'.
    { DATABASE_QUERY_TIMEOUT_SECONDS: '3' },
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

/** The values of a case's passwords, by field name. */
function secretValues(secrets: Record<string, { value: string }> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([name, { value }]) => [name, value]));
}

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

  it('gives back the words of a reply sent with files, says the files were lost, and sends it again as multipart', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const pdf = {
      field: 'files',
      name: 'informe.pdf',
      bytes: Buffer.from('%PDF-1.4\n%%EOF\n'),
      type: 'application/pdf',
    };
    const refused = await submitMultipart(t.app, `${url}/replies`, { body: WORDS, tag: 'PROFESSIONAL' }, [pdf], {
      cookie: member.cookie,
      formUrl: url,
      beforeSend: () => proxy.stop(),
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain('enctype="multipart/form-data"');
    expect(refused.body).toContain('Los archivos que había elegido no se han podido guardar');
    expect(draftFields(refused.body)).toMatchObject({ body: WORDS, tag: 'PROFESSIONAL' });
    expect(refused.body).not.toContain('%PDF');
    await proxy.start();
    // Sent again from the page's form, whose own CSRF token submitMultipart supplies.
    const { _csrf: _token, ...kept } = draftFields(refused.body);
    const again = await submitMultipart(t.app, `${url}/replies`, kept, [], {
      cookie: member.cookie,
      formUrl: url,
    });
    expect(again.statusCode).toBe(303);
    expect(await t.db.post.count({ where: { threadId, isOpening: false, source: WORDS } })).toBe(1);
  });

  // Every form with words of its own keeps them (src/plugins/views.ts keepsWords), not only post forms: a
  // report's note, a community's description and rules, a profile, a citizen's accessibility complaint.
  it('gives back the words of every form that has them, each shown beside its label, and they are sent again', async () => {
    const { c, owner, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { thread: { communityId: c.id }, isOpening: true } });
    const admin = await createUser(t.db, { role: 'ADMIN', organizationId: townHall.id });
    const adminCookie = await signInAs(t.app, admin.email);
    const invited = await createUser(t.db, { organizationId: townHall.id });
    // A partner's invitation, as the admin's e-mail links it (the token rides in the form, hidden).
    const partner = await createOrganization(t.db, { name: 'Fundación del Valle', kind: 'PARTNER', emailDomains: [] });
    const invitationToken = await issueToken(t.db, {
      purpose: 'PARTNER_INVITATION',
      email: 'socia@fundacion-valle.example.org',
      organizationId: partner.id,
      createdById: admin.id,
    });
    const notificationFields = {
      ...Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [`delivery.${kind}`, 'IN_APP'])),
      digestFrequency: 'DAILY',
      digestHour: '8',
      timeZone: 'Atlantic/Canary',
    };
    const cases: {
      name: string;
      formUrl: string;
      action: string;
      cookie?: string;
      fields: Record<string, string>;
      shown: Record<string, string>;
      /** Passwords: sent, never written back, typed again into the empty field the page shows (by label). */
      secrets?: Record<string, { label: string; value: string }>;
      stored: () => Promise<boolean>;
    }[] = [
      {
        name: 'a report',
        formUrl: `${url}/posts/${opening.id}/report`,
        action: `${url}/posts/${opening.id}/report`,
        cookie: member.cookie,
        fields: { reason: 'OTHER', note: WORDS },
        shown: { note: 'Nota \\(opcional\\)' },
        stored: async () => (await t.db.report.count({ where: { postId: opening.id, note: WORDS } })) === 1,
      },
      {
        name: 'community settings',
        formUrl: `/c/${c.slug}/settings`,
        action: `/c/${c.slug}/settings`,
        cookie: owner.cookie,
        fields: {
          name: 'Comunidad «renombrada» & <cuidada>',
          description: WORDS,
          rules: `${WORDS}\nSegunda línea.`,
          visibility: 'PRIVATE',
          welcomedTags: 'PROFESSIONAL',
        },
        shown: { name: 'Nombre', description: 'Descripción', rules: 'Normas' },
        stored: async () => (await t.db.community.findUniqueOrThrow({ where: { id: c.id } })).description === WORDS,
      },
      {
        name: 'a new community',
        formUrl: '/communities/new',
        action: '/communities',
        cookie: owner.cookie,
        fields: {
          slug: 'veladores-comarcales',
          audience: 'INTERNAL',
          name: 'Veladores «comarcales» & <terrazas>',
          description: WORDS,
          rules: `${WORDS}\nSegunda línea.`,
          visibility: 'PUBLIC',
          welcomedTags: 'PROFESSIONAL',
        },
        // The address is the person's words too: shown to edit, not kept hidden.
        shown: { slug: 'Dirección', name: 'Nombre', description: 'Descripción', rules: 'Normas' },
        stored: async () =>
          (await t.db.community.findUnique({ where: { slug: 'veladores-comarcales' } }))?.description === WORDS,
      },
      {
        name: 'a new organization, by an administrator',
        formUrl: '/admin/organizations/new',
        action: '/admin/organizations',
        cookie: adminCookie,
        fields: {
          name: 'Mancomunidad «del Río» & <Valle>',
          slug: 'mancomunidad-rio',
          kind: 'MUNICIPALITY',
          emailDomains: 'rio.example.org\nsede.rio.example.org',
        },
        shown: { name: 'Nombre', slug: 'Identificador', emailDomains: 'Dominios de correo' },
        stored: async () => (await t.db.organization.count({ where: { slug: 'mancomunidad-rio' } })) === 1,
      },
      {
        name: 'a watched word, by a community moderator',
        formUrl: `/c/${c.slug}/watched-words`,
        action: `/c/${c.slug}/watched-words`,
        cookie: owner.cookie,
        fields: { phrase: 'plazo vencido', action: 'FLAG' },
        shown: { phrase: 'Palabra o frase' },
        stored: async () => (await t.db.watchedWord.count({ where: { communityId: c.id } })) === 1,
      },
      {
        name: 'an invitation to a community',
        formUrl: `/c/${c.slug}/members`,
        action: `/c/${c.slug}/invitations`,
        cookie: owner.cookie,
        fields: { who: invited.handle },
        shown: { who: 'Nombre de usuario o correo' },
        stored: async () => (await t.db.membership.count({ where: { communityId: c.id, userId: invited.id } })) === 1,
      },
      {
        name: "the site's settings, by an administrator",
        formUrl: '/admin/settings',
        action: '/admin/settings',
        cookie: adminCookie,
        fields: {
          siteName: 'Ágora «del Valle»',
          accessibilityBody: 'Ayuntamiento & <Mancomunidad>',
          accessibilityEmail: 'accesibilidad@valle.example.org',
          employeesCreateInteradministrative: 'on',
        },
        shown: {
          siteName: 'Nombre del sitio',
          accessibilityBody: 'Organismo responsable del sitio',
          accessibilityEmail: 'Correo de contacto de accesibilidad',
        },
        stored: async () => (await t.db.siteSettings.findFirstOrThrow()).siteName === 'Ágora «del Valle»',
      },
      {
        name: 'a sign-up, signed out',
        formUrl: '/sign-up',
        action: '/sign-up',
        fields: {
          email: `nueva-persona@${townHall.emailDomains[0]}`,
          displayName: 'Nuria «Nueva» Peña',
          handle: 'nuria-pena',
        },
        shown: { email: 'Correo electrónico', displayName: 'Nombre y apellidos', handle: 'Nombre de usuario' },
        secrets: { password: { label: 'Contraseña', value: 'cuatro palabras al azar juntas' } },
        stored: async () => (await t.db.user.count({ where: { handle: 'nuria-pena' } })) === 1,
      },
      {
        name: "a thread's new title",
        formUrl: url,
        action: `${url}/title`,
        cookie: owner.cookie,
        fields: { title: 'Licencias «de obra» & <menor>, revisado' },
        shown: { title: 'Título' },
        stored: async () =>
          (await t.db.thread.findFirstOrThrow({ where: { communityId: c.id } })).title ===
          'Licencias «de obra» & <menor>, revisado',
      },
      {
        name: "a partner's invitation, signed out",
        formUrl: `/invitation?token=${encodeURIComponent(invitationToken)}`,
        action: '/invitation',
        fields: { token: invitationToken, displayName: 'Sara «Socia» Núñez', handle: 'sara-socia' },
        shown: { displayName: 'Nombre y apellidos', handle: 'Nombre de usuario' },
        secrets: { password: { label: 'Contraseña', value: 'la fundación colabora con el valle' } },
        stored: async () => (await t.db.user.count({ where: { handle: 'sara-socia' } })) === 1,
      },
      {
        name: 'notification settings',
        formUrl: '/account/notifications',
        action: '/account/notifications',
        cookie: member.cookie,
        fields: notificationFields,
        shown: { timeZone: 'Zona horaria' },
        stored: async () =>
          (await t.db.user.findUniqueOrThrow({ where: { id: member.user.id } })).timeZone === 'Atlantic/Canary',
      },
      {
        name: 'a profile',
        formUrl: '/account/profile',
        action: '/account/profile',
        cookie: member.cookie,
        fields: { displayName: 'Lucía «la de urbanismo»', jobTitle: 'Técnica & <jefa>', bio: WORDS, expertise: '' },
        shown: { displayName: 'Nombre y apellidos', bio: 'Presentación' },
        stored: async () => (await t.db.user.findUniqueOrThrow({ where: { id: member.user.id } })).bio === WORDS,
      },
      {
        name: 'an accessibility complaint, signed out',
        formUrl: '/accesibilidad',
        action: '/accesibilidad',
        fields: { kind: 'COMPLAINT', pageUrl: '/communities', email: 'vecina@example.org', description: WORDS },
        shown: { description: 'Qué ha ocurrido o qué necesita' },
        stored: async () => (await t.db.accessibilityReport.count({ where: { description: WORDS } })) === 1,
      },
      {
        // Last: a new password ends the person's other sessions, the cookie the cases above use.
        name: 'a change of password',
        formUrl: '/account/password',
        action: '/account/password',
        cookie: member.cookie,
        fields: {},
        shown: {},
        secrets: {
          currentPassword: { label: 'Contraseña actual', value: TEST_PASSWORD },
          newPassword: { label: 'Nueva contraseña', value: 'otra frase distinta y larga' },
        },
        stored: async () => Boolean(await signInAs(t.app, member.user.email, 'otra frase distinta y larga')),
      },
    ];
    for (const one of cases) {
      const form = await openForm(t.app, one.formUrl, one.cookie ? { cookie: one.cookie } : {});
      const cookie = [one.cookie, form.cookie].filter(Boolean).join('; ');
      await proxy.stop();
      const refused = await t.app.inject({
        method: 'POST',
        url: one.action,
        headers: { cookie },
        payload: { _csrf: form.csrf, ...one.fields, ...secretValues(one.secrets) },
      });
      expect(refused.statusCode, one.name).toBe(503);
      for (const [field, { label, value }] of Object.entries(one.secrets ?? {})) {
        expect(refused.body, `${one.name}: ${field} asked again`).toMatch(
          new RegExp(
            `<label for="field-${field}">${label}</label>\\s*<input id="field-${field}" name="${field}" type="password" autocomplete="[a-z-]+">`,
          ),
        );
        expect(refused.body, `${one.name}: ${field} never written`).not.toContain(value);
        expect(refused.body).toContain('esta página no guarda contraseñas');
      }
      const kept = draftFields(refused.body);
      expect(kept, one.name).toMatchObject(one.fields);
      for (const [field, label] of Object.entries(one.shown)) {
        expect(refused.body, `${one.name}: ${field} shown`).toMatch(
          new RegExp(`<label for="field-${field}">${label}[^<]*</label>\\s*<(textarea|input) id="field-${field}"`),
        );
      }
      expect(refused.body, one.name).not.toContain('enctype="multipart/form-data"');
      await proxy.start();
      const sent = await t.app.inject({
        method: 'POST',
        url: one.action,
        headers: { cookie: [cookie, cookieHeader(refused)].filter(Boolean).join('; ') },
        payload: { ...kept, ...secretValues(one.secrets) },
      });
      expect(
        sent.statusCode,
        `${one.name}: ${/field__error[^>]*>([^<]*)/.exec(sent.body)?.[1] ?? sent.body.slice(0, 200)}`,
      ).toBeLessThan(400);
      expect(await one.stored(), one.name).toBe(true);
    }
  });
  it('answers the admin area as any other address while sessions cannot be read: no more disclosed than elsewhere', async () => {
    const { member } = await kit.community();
    await proxy.stop();
    const statusOf = async (url: string, cookie?: string) =>
      (await t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} })).statusCode;
    // With a session that cannot be read, an admin URL and an address that does not exist answer alike.
    expect(await statusOf('/admin/settings', member.cookie)).toBe(503);
    expect(await statusOf('/admin/no-such-page', member.cookie)).toBe(503);
    expect(await statusOf('/no-such-page', member.cookie)).toBe(503);
    // A form without its token (a probe, not a person) too: the token is not checked before the 503.
    const post = async (url: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url,
          headers: { cookie: member.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'name=x',
        })
      ).statusCode;
    expect(await post('/admin/organizations')).toBe(503);
    expect(await post('/admin/no-such-page')).toBe(503);
    // Signed out there is no session to read: the admin area does not exist, as always.
    expect(await statusOf('/admin/settings')).toBe(404);
    await proxy.start();
    expect(await statusOf('/admin/settings', member.cookie)).toBe(404);
  });
});

describe('while PostgreSQL hangs (accepts, then never answers)', () => {
  // A server stopped by SIGSTOP, or a network that drops packets, answers nothing and resets nothing: without a
  // bound of our own every request waited for as long as the hang lasted, and a proxy or the browser gave up
  // first, losing the words (query_timeout, src/db/client.ts).
  it('answers 503 with the words kept within the query timeout, and publishes once when sent again', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const key = /name="submissionKey" value="([^"]+)"/.exec(form.page.body)?.[1] ?? '';
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');
    proxy.pause();
    const started = performance.now();
    let refused: Awaited<ReturnType<typeof t.app.inject>>;
    try {
      refused = await t.app.inject({
        method: 'POST',
        url: `${url}/replies`,
        headers: { cookie },
        payload: { _csrf: form.csrf, body: WORDS, tag: 'PROFESSIONAL', submissionKey: key },
      });
    } finally {
      proxy.resume();
    }
    // 3 s for a statement on an open connection, 5 for a new one that never completes its start.
    expect(performance.now() - started).toBeLessThan(12_000);
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain('Servicio no disponible por un momento');
    const kept = draftFields(refused.body);
    expect(kept).toMatchObject({ body: WORDS, tag: 'PROFESSIONAL', submissionKey: key });

    const again = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: [cookie, cookieHeader(refused)].filter(Boolean).join('; ') },
      payload: kept,
    });
    expect(again.statusCode).toBe(303);
    expect(await t.db.post.count({ where: { threadId, isOpening: false } })).toBe(1);
  }, 60_000);
  it('gives up once, not twice, when the server hangs inside a transaction, and leaves no transaction open', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');
    // Another writer holds the thread's row (directly, not through the relay), so the reply's transaction
    // is under way and waiting when the server stops answering.
    const writer = new pg.Client({ connectionString: t.database.url });
    await writer.connect();
    await writer.query('BEGIN');
    await writer.query('SELECT 1 FROM threads WHERE id = $1 FOR UPDATE', [threadId]);
    const pausing = setTimeout(() => proxy.pause(), 1_000);
    const started = performance.now();
    let refused: Awaited<ReturnType<typeof t.app.inject>>;
    try {
      refused = await t.app.inject({
        method: 'POST',
        url: `${url}/replies`,
        headers: { cookie },
        payload: { _csrf: form.csrf, body: WORDS, tag: 'PROFESSIONAL' },
      });
    } finally {
      clearTimeout(pausing);
      proxy.resume();
      await writer.query('COMMIT');
      await writer.end();
    }
    // The statement's 3 s, not a second 3 s for a ROLLBACK queued behind it on the same connection.
    expect(performance.now() - started).toBeLessThan(5_500);
    expect(refused.statusCode).toBe(503);
    expect(draftFields(refused.body)).toMatchObject({ body: WORDS });
    // The connection closed itself: once the server has read everything, no transaction of ours is left.
    const reader = new pg.Client({ connectionString: t.database.url });
    await reader.connect();
    try {
      await expect
        .poll(
          async () =>
            (
              await reader.query(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
              )
            ).rows[0]?.n,
          { timeout: 10_000 },
        )
        .toBe(0);
    } finally {
      await reader.end();
    }
    expect(await t.db.post.count({ where: { threadId, isOpening: false } })).toBe(0);
  }, 60_000);
});
