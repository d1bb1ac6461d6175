import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { fieldError, signInAs, submitForm } from '../support/forms.js';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let adminCookie: string;

const unique = () => randomBytes(4).toString('hex');

const submit = (url: string, fields: Record<string, string>, options: { cookie?: string; formUrl?: string } = {}) =>
  submitForm(t.app, url, fields, options);

const signIn = (email: string) => signInAs(t.app, email);

const get = (url: string, cookie = adminCookie) =>
  t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

/** An admin form post, its CSRF token taken from the page the form is on. */
const adminPost = (url: string, fields: Record<string, string>, formUrl = url) =>
  submit(url, fields, { cookie: adminCookie, formUrl });

function expectRedirect(response: LightMyRequestResponse, location: string) {
  expect(response.statusCode, response.body.slice(0, 500)).toBe(303);
  expect(response.headers.location).toBe(location);
}

/** The newest audit entry of an action about a target, or null. */
function latestAudit(action: string, targetId: string) {
  return t.db.auditEntry.findFirst({ where: { action, targetId }, orderBy: { id: 'desc' } });
}

/** Rows of the page's data table (each row's header cell). */
const rowCount = (html: string) => (html.match(/<th scope="row">/g) ?? []).length;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.db, { role: 'ADMIN', displayName: 'Admin Principal' });
  adminCookie = await signIn(admin.email);
});
afterAll(async () => {
  await t.close();
});

describe('who can reach /admin', () => {
  it('anonymous people and non-admins get 404 on every admin URL, GET and POST, and nothing changes', async () => {
    const organization = await createOrganization(t.db);
    const target = await createUser(t.db, { organizationId: organization.id });
    const someone = await createUser(t.db);
    const someoneCookie = await signIn(someone.email);
    const notFound = await get(`/no-such-page-${unique()}`, '');
    expect(notFound.statusCode).toBe(404);

    const pages = [
      '/admin',
      '/admin/organizations',
      '/admin/organizations/new',
      `/admin/organizations/${organization.id}/edit`,
      '/admin/users',
      `/admin/users?q=${encodeURIComponent(target.handle)}`,
      `/admin/users/${target.id}`,
      '/admin/invitations',
      '/admin/settings',
      '/admin/audit',
    ];
    const posts: Array<[string, Record<string, string>]> = [
      ['/admin/organizations', { name: 'Intrusa', slug: `intrusa-${unique()}`, kind: 'PARTNER', emailDomains: '' }],
      [
        `/admin/organizations/${organization.id}`,
        { name: 'Renombrada', slug: organization.slug, kind: 'PARTNER', emailDomains: '' },
      ],
      [`/admin/users/${target.id}/status`, { status: 'SUSPENDED' }],
      [`/admin/users/${someone.id}/role`, { role: 'ADMIN' }],
      [`/admin/users/${target.id}/voices`, { organizationId: organization.id }],
      [`/admin/users/${target.id}/voices/revoke`, { organizationId: organization.id }],
      ['/admin/invitations', { email: `alguien-${unique()}@socia.example`, organizationId: organization.id }],
      ['/admin/settings', { siteName: 'Tomado', citizenSignupEnabled: 'on' }],
    ];

    for (const url of pages) {
      // The admin reaches every page: the 404s below are about who asks, not about the URL.
      expect((await get(url)).statusCode, url).toBe(200);
      for (const cookie of ['', someoneCookie]) {
        const response = await get(url, cookie);
        expect(response.statusCode, `${url} ${cookie ? 'user' : 'anonymous'}`).toBe(404);
        expect(response.body).toContain('Página no encontrada');
        expect(response.body).not.toContain('href="/admin');
      }
    }
    for (const [url, fields] of posts) {
      // With a valid CSRF token, as a signed-in user would have…
      const asUser = await submit(url, fields, { cookie: someoneCookie, formUrl: '/account' });
      expect(asUser.statusCode, `${url} user`).toBe(404);
      const asAnonymous = await submit(url, fields, { formUrl: '/sign-in' });
      expect(asAnonymous.statusCode, `${url} anonymous`).toBe(404);
      // …and without one: the 404 comes before the CSRF check, which would say 403.
      const bare = await t.app.inject({ method: 'POST', url, payload: fields });
      expect(bare.statusCode, `${url} bare`).toBe(404);
    }

    expect(await t.db.organization.findUniqueOrThrow({ where: { id: organization.id } })).toMatchObject({
      name: organization.name,
      kind: organization.kind,
    });
    expect(await t.db.organization.count({ where: { name: 'Intrusa' } })).toBe(0);
    expect(await t.db.user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ status: 'ACTIVE' });
    expect(await t.db.user.findUniqueOrThrow({ where: { id: someone.id } })).toMatchObject({ role: 'USER' });
    expect(await t.db.officialVoice.count({ where: { userId: target.id } })).toBe(0);
    expect(
      await t.db.oneTimeToken.count({ where: { purpose: 'PARTNER_INVITATION', organizationId: organization.id } }),
    ).toBe(0);
    expect((await t.db.siteSettings.findUnique({ where: { id: 1 } }))?.siteName).not.toBe('Tomado');
    // A signed-in person probing the area leaves a trace.
    const denied = await t.db.auditEntry.findFirst({
      where: { action: 'admin.access', actorId: someone.id, outcome: 'DENIED' },
    });
    expect(denied?.details).toMatchObject({ method: expect.any(String), path: expect.stringMatching(/^\/admin/) });
  });

  it('shows the admin link in the header to admins only', async () => {
    const someone = await createUser(t.db);
    const asUser = await get('/', await signIn(someone.email));
    expect(asUser.body).not.toContain('href="/admin"');
    const asAdmin = await get('/');
    expect(asAdmin.body).toMatch(/<a href="\/admin">Administración<\/a>/);
  });

  it('the overview counts and links the sections', async () => {
    const before = await t.db.user.count({ where: { status: 'SUSPENDED' } });
    await createUser(t.db, { status: 'SUSPENDED' });
    const page = await get('/admin');
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1>/g)).toHaveLength(1);
    expect(page.body).toContain('<caption id=');
    expect(page.body).toMatch(new RegExp(`Cuentas suspendidas</th><td>${before + 1}</td>`));
    for (const href of [
      '/admin/organizations',
      '/admin/users',
      '/admin/invitations',
      '/admin/settings',
      '/admin/audit',
    ]) {
      expect(page.body).toContain(`href="${href}"`);
    }
  });
});

describe('organizations', () => {
  it('creates an organization with its domains normalised, lists it, edits it, and audits both', async () => {
    const slug = `ayto-${unique()}`;
    const domain = `${unique()}.example`;
    const created = await adminPost(
      '/admin/organizations',
      {
        name: '  Ayuntamiento de Villanueva  ',
        slug,
        kind: 'MUNICIPALITY',
        emailDomains: `${domain.toUpperCase()}\r\n\r\n  sede.${domain}\n${domain}`,
      },
      '/admin/organizations/new',
    );
    expectRedirect(created, '/admin/organizations?notice=admin-organization-created');
    const organization = await t.db.organization.findUniqueOrThrow({ where: { slug } });
    expect(organization).toMatchObject({
      name: 'Ayuntamiento de Villanueva',
      kind: 'MUNICIPALITY',
      emailDomains: [domain, `sede.${domain}`],
    });
    const createdEntry = await latestAudit('admin.organization_create', organization.id);
    expect(createdEntry).toMatchObject({ actorId: admin.id, outcome: 'SUCCESS', targetType: 'organization' });
    expect(createdEntry?.requestId).toBeTruthy();

    const list = await get('/admin/organizations?notice=admin-organization-created');
    expect(list.body).toContain('Organización creada.');
    expect(list.body).toContain(
      `href="/admin/organizations/${organization.id}/edit"><bdi>Ayuntamiento de Villanueva</bdi></a>`,
    );

    const editUrl = `/admin/organizations/${organization.id}/edit`;
    const form = await get(editUrl);
    expect(form.body).toContain(`value="${slug}"`);
    expect(form.body).toContain(`>\n${domain}\nsede.${domain}</textarea>`);
    expect(form.body).toMatch(/<option value="MUNICIPALITY" selected>/);

    const edited = await adminPost(
      `/admin/organizations/${organization.id}`,
      { name: 'Concello de Villanueva', slug, kind: 'MUNICIPALITY', emailDomains: `sede.${domain}` },
      editUrl,
    );
    expectRedirect(edited, '/admin/organizations?notice=admin-organization-updated');
    expect(await t.db.organization.findUniqueOrThrow({ where: { id: organization.id } })).toMatchObject({
      name: 'Concello de Villanueva',
      emailDomains: [`sede.${domain}`],
    });
    const editEntry = await latestAudit('admin.organization_update', organization.id);
    expect(editEntry?.details).toEqual({
      changes: {
        name: { from: 'Ayuntamiento de Villanueva', to: 'Concello de Villanueva' },
        emailDomains: { from: [domain, `sede.${domain}`], to: [`sede.${domain}`] },
      },
    });
  });

  it('explains bad input beside the field, keeps what was typed, and creates nothing', async () => {
    const taken = await createOrganization(t.db, { name: 'Diputación Ocupada' });
    const takenDomain = taken.emailDomains[0] ?? '';
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ name: '   ' }, 'name', /Escriba el nombre de la organización/],
      [{ name: 'x'.repeat(121) }, 'name', /más de 120/],
      [{ slug: taken.slug.toUpperCase() }, 'slug', /ya lo usa otra organización/],
      [{ slug: 'Con Espacios' }, 'slug', /Use hasta 60 letras/],
      [{ slug: 'doble--guion' }, 'slug', /Use hasta 60 letras/],
      [{ slug: '-guion' }, 'slug', /Use hasta 60 letras/],
      [{ kind: 'EMPIRE' }, 'kind', /Elija el tipo/],
      [{ emailDomains: 'bien.example\nno valido' }, 'emailDomains', /«no valido» no es un dominio válido/],
      [{ emailDomains: 'sin-punto' }, 'emailDomains', /«sin-punto» no es un dominio válido/],
      [{ emailDomains: 'ayto_x.example' }, 'emailDomains', /no es un dominio válido/],
      [{ emailDomains: '-mal.example' }, 'emailDomains', /no es un dominio válido/],
      [{ emailDomains: 'alguien@ayto.example' }, 'emailDomains', /lleva @/],
      [
        { emailDomains: `otro-${unique()}.example\n${takenDomain.toUpperCase()}` },
        'emailDomains',
        new RegExp(`${takenDomain.replaceAll('.', '\\.')} ya pertenece a Diputación Ocupada`),
      ],
    ];
    for (const [override, field, message] of cases) {
      const slug = `nueva-${unique()}`;
      const fields = {
        name: 'Mancomunidad Nueva',
        slug,
        kind: 'REGION',
        emailDomains: `nueva-${unique()}.example`,
        ...override,
      };
      const response = await adminPost('/admin/organizations', fields, '/admin/organizations/new');
      const label = JSON.stringify(override);
      expect(response.statusCode, label).toBe(422);
      expect(fieldError(response.body, field), label).toMatch(message);
      expect(response.body, label).toMatch(new RegExp(`aria-describedby="[^"]*field-${field}-error"`));
      expect(response.body, label).toContain(`href="#field-${field}"`);
      // What was typed comes back.
      if (field !== 'name') expect(response.body, label).toContain('value="Mancomunidad Nueva"');
      expect(response.body, label).toContain(`>\n${fields.emailDomains}</textarea>`);
      expect(await t.db.organization.count({ where: { slug: fields.slug.toLowerCase(), id: { not: taken.id } } })).toBe(
        0,
      );
    }
    expect(await t.db.organization.count({ where: { name: 'Mancomunidad Nueva' } })).toBe(0);
  });

  it('refuses, on edit, a domain or slug another organization has, and changes nothing', async () => {
    const mine = await createOrganization(t.db);
    const other = await createOrganization(t.db, { name: 'Organismo Vecino' });
    const editUrl = `/admin/organizations/${mine.id}/edit`;
    const domainTaken = await adminPost(
      `/admin/organizations/${mine.id}`,
      { name: 'Nombre Cambiado', slug: mine.slug, kind: mine.kind, emailDomains: other.emailDomains.join('\n') },
      editUrl,
    );
    expect(domainTaken.statusCode).toBe(422);
    expect(fieldError(domainTaken.body, 'emailDomains')).toContain('ya pertenece a Organismo Vecino');
    expect(domainTaken.body).toContain('value="Nombre Cambiado"');
    const slugTaken = await adminPost(
      `/admin/organizations/${mine.id}`,
      { name: 'Nombre Cambiado', slug: other.slug, kind: mine.kind, emailDomains: mine.emailDomains.join('\n') },
      editUrl,
    );
    expect(slugTaken.statusCode).toBe(422);
    expect(fieldError(slugTaken.body, 'slug')).toContain('ya lo usa otra organización');
    expect(await t.db.organization.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({
      name: mine.name,
      slug: mine.slug,
      emailDomains: mine.emailDomains,
    });
    expect(await latestAudit('admin.organization_update', mine.id)).toBeNull();
    // Keeping its own domains and slug is fine.
    const same = await adminPost(
      `/admin/organizations/${mine.id}`,
      { name: 'Nombre Cambiado', slug: mine.slug, kind: mine.kind, emailDomains: mine.emailDomains.join('\n') },
      editUrl,
    );
    expectRedirect(same, '/admin/organizations?notice=admin-organization-updated');
  });

  it('answers 404 for an unknown or malformed organization id', async () => {
    expect((await get('/admin/organizations/00000000-0000-4000-8000-000000000000/edit')).statusCode).toBe(404);
    expect((await get('/admin/organizations/not-a-uuid/edit')).statusCode).toBe(404);
  });
});

describe('users', () => {
  it('searches name, e-mail and handle case-insensitively, with typed wildcards taken literally', async () => {
    const tag = unique();
    const ana = await createUser(t.db, {
      displayName: `Ana Búsqueda ${tag}`,
      handle: `ana_${tag}`,
      email: `ana.${tag}@busca.example`,
    });
    const otro = await createUser(t.db, {
      displayName: `Otro ${tag}`,
      handle: `anax${tag}`,
      email: `otro.${tag}@busca.example`,
    });
    const byName = await get(`/admin/users?q=${encodeURIComponent(`ANA BÚSQUEDA ${tag}`)}`);
    expect(byName.statusCode).toBe(200);
    expect(byName.body).toContain(`href="/admin/users/${ana.id}"`);
    expect(byName.body).not.toContain(`href="/admin/users/${otro.id}"`);
    // Accents and case as Spanish is typed (src/text/fold.ts).
    const folded = await get(`/admin/users?q=${encodeURIComponent(`ana busqueda ${tag}`)}`);
    expect(folded.body).toContain(`href="/admin/users/${ana.id}"`);
    const byEmail = await get(`/admin/users?q=${encodeURIComponent(`OTRO.${tag}@`)}`);
    expect(byEmail.body).toContain(`href="/admin/users/${otro.id}"`);
    expect(byEmail.body).not.toContain(`href="/admin/users/${ana.id}"`);
    const byHandle = await get(`/admin/users?q=${encodeURIComponent(`@ana_${tag}`)}`);
    expect(rowCount(byHandle.body)).toBe(1);
    expect(byHandle.body).toContain(`href="/admin/users/${ana.id}"`);
    // "_" would match any one character in SQL LIKE, "%" anything.
    const underscore = await get(`/admin/users?q=${encodeURIComponent(`a_${tag}`)}`);
    expect(underscore.body).not.toContain(`href="/admin/users/${otro.id}"`);
    expect((await get(`/admin/users?q=${encodeURIComponent(`%${tag}`)}`)).body).toContain('Ninguna cuenta coincide');
  });

  it('pages results 50 at a time', async () => {
    const tag = `pagina${unique()}`;
    for (let i = 0; i < 51; i++)
      await createUser(t.db, { displayName: `Persona ${tag} ${String(i).padStart(2, '0')}` });
    const first = await get(`/admin/users?q=${tag}`);
    expect(rowCount(first.body)).toBe(50);
    expect(first.body).toContain(`coinciden con «${tag}» (51)`);
    expect(first.body).toContain(`href="/admin/users?q=${tag}&amp;page=2"`);
    expect(first.body).not.toContain('rel="prev"');
    const second = await get(`/admin/users?q=${tag}&page=2`);
    expect(rowCount(second.body)).toBe(1);
    expect(second.body).toContain(`Persona ${tag} 50`);
    expect(second.body).not.toContain('rel="next"');
    // A page past the end is the last page, not "no accounts yet".
    const past = await get(`/admin/users?q=${tag}&page=100000`);
    expect(rowCount(past.body)).toBe(1);
    expect(past.body).toContain(`Persona ${tag} 50`);
    expect(past.body).not.toContain('Todavía no hay ninguna cuenta');
    // A query longer than the box is cut to its 200 characters and still searched: it never lists everyone.
    const long = await get(`/admin/users?q=${encodeURIComponent(`${tag} ${'x'.repeat(300)}`)}`);
    expect(long.statusCode).toBe(200);
    expect(rowCount(long.body)).toBe(0);
    expect(long.body).toContain('Ninguna cuenta coincide');
    const twice = await get(`/admin/users?q=${tag}&q=otra`);
    expect(rowCount(twice.body)).toBe(50);
    // The audit log past its end: its first page, with the same filters.
    const audit = await get('/admin/audit?page=100000&outcome=SUCCESS');
    expect(audit.statusCode).toBe(303);
    expect(audit.headers.location).toBe('/admin/audit?outcome=SUCCESS');
  });

  it('suspending ends every session of the user at once; reactivating lets them back in; both audited', async () => {
    const user = await createUser(t.db);
    const laptop = await signIn(user.email);
    const phone = await signIn(user.email);
    expect((await get('/account', laptop)).statusCode).toBe(200);
    const page = `/admin/users/${user.id}`;

    const suspended = await adminPost(`${page}/status`, { status: 'SUSPENDED' }, page);
    expectRedirect(suspended, `${page}?notice=admin-user-suspended`);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).status).toBe('SUSPENDED');
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(0);
    for (const cookie of [laptop, phone]) {
      const response = await get('/account', cookie);
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toMatch(/^\/sign-in/);
    }
    expect(await latestAudit('admin.user_suspend', user.id)).toMatchObject({ actorId: admin.id, outcome: 'SUCCESS' });
    expect((await get(`${page}?notice=admin-user-suspended`)).body).toContain('Cuenta suspendida');

    const reactivated = await adminPost(`${page}/status`, { status: 'ACTIVE' }, page);
    expectRedirect(reactivated, `${page}?notice=admin-user-reactivated`);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).status).toBe('ACTIVE');
    expect((await get('/account', await signIn(user.email))).statusCode).toBe(200);
    expect(await latestAudit('admin.user_reactivate', user.id)).toMatchObject({
      actorId: admin.id,
      outcome: 'SUCCESS',
    });
  });

  it('an admin cannot suspend themself nor remove their own role: 422, explained beside the button, nothing changed', async () => {
    const page = `/admin/users/${admin.id}`;
    const suspend = await adminPost(`${page}/status`, { status: 'SUSPENDED' }, page);
    expect(suspend.statusCode).toBe(422);
    expect(fieldError(suspend.body, 'status')).toContain('No puede suspender su propia cuenta');
    expect(suspend.body).toMatch(/id="field-status"[^>]*aria-describedby="[^"]*field-status-error"/);
    const demote = await adminPost(`${page}/role`, { role: 'USER' }, page);
    expect(demote.statusCode).toBe(422);
    expect(fieldError(demote.body, 'role')).toContain('No puede retirar la administración de su propia cuenta');
    expect(await t.db.user.findUniqueOrThrow({ where: { id: admin.id } })).toMatchObject({
      status: 'ACTIVE',
      role: 'ADMIN',
    });
    expect(await t.db.session.count({ where: { userId: admin.id } })).toBeGreaterThan(0);
    expect((await get('/admin')).statusCode).toBe(200);
    expect(await latestAudit('admin.user_suspend', admin.id)).toMatchObject({
      outcome: 'DENIED',
      details: { reason: 'self' },
    });
    expect(await latestAudit('admin.role_revoke', admin.id)).toMatchObject({
      outcome: 'DENIED',
      details: { reason: 'self' },
    });
  });

  it('makes and unmakes an admin, which opens and closes /admin to them, audited', async () => {
    const user = await createUser(t.db);
    const cookie = await signIn(user.email);
    const page = `/admin/users/${user.id}`;
    expect((await get('/admin', cookie)).statusCode).toBe(404);
    expectRedirect(await adminPost(`${page}/role`, { role: 'ADMIN' }, page), `${page}?notice=admin-role-granted`);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('ADMIN');
    expect((await get('/admin', cookie)).statusCode).toBe(200);
    expect(await latestAudit('admin.role_grant', user.id)).toMatchObject({ actorId: admin.id, outcome: 'SUCCESS' });

    expectRedirect(await adminPost(`${page}/role`, { role: 'USER' }, page), `${page}?notice=admin-role-revoked`);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('USER');
    expect((await get('/admin', cookie)).statusCode).toBe(404);
    expect(await latestAudit('admin.role_revoke', user.id)).toMatchObject({ actorId: admin.id, outcome: 'SUCCESS' });
  });

  it('grants and revokes an official voice to an employee of the organization, audited', async () => {
    const organization = await createOrganization(t.db, { name: 'Ayuntamiento con Voz' });
    const employee = await createUser(t.db, { organizationId: organization.id });
    const page = `/admin/users/${employee.id}`;
    expectRedirect(
      await adminPost(`${page}/voices`, { organizationId: organization.id }, page),
      `${page}?notice=admin-voice-granted`,
    );
    expect(
      await t.db.officialVoice.findUnique({
        where: { userId_organizationId: { userId: employee.id, organizationId: organization.id } },
      }),
    ).toMatchObject({
      grantedById: admin.id,
    });
    expect(await latestAudit('admin.voice_grant', employee.id)).toMatchObject({
      outcome: 'SUCCESS',
      details: { organizationId: organization.id },
    });
    const shown = await get(page);
    expect(shown.body).toContain('Retirar la voz de Ayuntamiento con Voz');

    expectRedirect(
      await adminPost(`${page}/voices/revoke`, { organizationId: organization.id }, page),
      `${page}?notice=admin-voice-revoked`,
    );
    expect(await t.db.officialVoice.count({ where: { userId: employee.id } })).toBe(0);
    expect(await latestAudit('admin.voice_revoke', employee.id)).toMatchObject({
      outcome: 'SUCCESS',
      actorId: admin.id,
    });
  });

  it('refuses an official voice to anyone but an employee of that organization, beside the field, choice kept', async () => {
    const organization = await createOrganization(t.db, { name: 'Diputación Exigente' });
    const elsewhere = await createOrganization(t.db);
    const people = [
      await createUser(t.db, { kind: 'CITIZEN' }),
      await createUser(t.db, { kind: 'PARTNER', organizationId: organization.id }),
      await createUser(t.db, { kind: 'EMPLOYEE', organizationId: elsewhere.id }),
    ];
    for (const person of people) {
      const page = `/admin/users/${person.id}`;
      const response = await adminPost(`${page}/voices`, { organizationId: organization.id }, page);
      expect(response.statusCode, person.kind).toBe(422);
      expect(fieldError(response.body, 'organizationId')).toContain(
        'Solo el personal de Diputación Exigente puede hablar en su nombre',
      );
      expect(response.body).toContain(`<option value="${organization.id}" selected>`);
      expect(response.body).toMatch(
        /<select id="field-organizationId"[^>]*aria-describedby="[^"]*field-organizationId-error"/,
      );
      expect(await t.db.officialVoice.count({ where: { userId: person.id } })).toBe(0);
      expect(await latestAudit('admin.voice_grant', person.id)).toMatchObject({ outcome: 'DENIED' });
    }
    const suspended = await createUser(t.db, { organizationId: organization.id, status: 'SUSPENDED' });
    const response = await adminPost(
      `/admin/users/${suspended.id}/voices`,
      { organizationId: organization.id },
      `/admin/users/${suspended.id}`,
    );
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'organizationId')).toContain('suspendida');
  });

  it('answers 404 for an unknown user', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    expect((await get(`/admin/users/${ghost}`)).statusCode).toBe(404);
    expect((await adminPost(`/admin/users/${ghost}/status`, { status: 'SUSPENDED' }, '/admin')).statusCode).toBe(404);
  });
});

describe('site settings', () => {
  it('saves the site name and the citizen sign-up switch, audited', async () => {
    const name = `Red ${unique()}`;
    expectRedirect(
      await adminPost('/admin/settings', { siteName: name, citizenSignupEnabled: 'on' }),
      '/admin/settings?notice=admin-settings-saved',
    );
    expect(await t.db.siteSettings.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({
      siteName: name,
      citizenSignupEnabled: true,
    });
    // The site's name heads the home page of everyone not signed in (signed in, it is their feed).
    expect((await t.app.inject({ method: 'GET', url: '/' })).body).toContain(`<h1>${name}</h1>`);
    const form = await get('/admin/settings');
    expect(form.body).toMatch(/name="citizenSignupEnabled" type="checkbox" value="on" checked/);

    // An unticked box is not sent at all.
    expectRedirect(
      await adminPost('/admin/settings', { siteName: name }),
      '/admin/settings?notice=admin-settings-saved',
    );
    expect((await t.db.siteSettings.findUniqueOrThrow({ where: { id: 1 } })).citizenSignupEnabled).toBe(false);
    const entry = await latestAudit('admin.settings_update', '1');
    expect(entry).toMatchObject({
      actorId: admin.id,
      outcome: 'SUCCESS',
      details: { changes: { citizenSignupEnabled: { from: true, to: false } } },
    });
  });

  it('refuses an empty or too long name beside the field, keeping what was typed', async () => {
    const before = await t.db.siteSettings.findUnique({ where: { id: 1 } });
    const empty = await adminPost('/admin/settings', { siteName: '  ', citizenSignupEnabled: 'on' });
    expect(empty.statusCode).toBe(422);
    expect(fieldError(empty.body, 'siteName')).toContain('Escriba el nombre del sitio');
    expect(empty.body).toMatch(/type="checkbox" value="on" checked/);
    const long = 'N'.repeat(81);
    const tooLong = await adminPost('/admin/settings', { siteName: long });
    expect(tooLong.statusCode).toBe(422);
    expect(fieldError(tooLong.body, 'siteName')).toContain('más de 80');
    expect(tooLong.body).toContain(`value="${long}"`);
    expect(await t.db.siteSettings.findUnique({ where: { id: 1 } })).toEqual(before);
  });
});

describe('audit log', () => {
  const prefix = `test.${unique()}`;
  let alice: Awaited<ReturnType<typeof createUser>>;
  let bob: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    alice = await createUser(t.db, { handle: `alicia-${unique()}`, displayName: 'Alicia Auditada' });
    bob = await createUser(t.db, { handle: `roberto-${unique()}`, displayName: 'Roberto Auditado' });
    await t.db.auditEntry.createMany({
      data: [
        {
          action: `${prefix}.one`,
          outcome: 'SUCCESS',
          actorId: alice.id,
          at: new Date('2020-03-10T12:00:00Z'),
          requestId: 'req-one',
        },
        // 23:30 UTC on 11 March is 00:30 on 12 March in Madrid (CET, UTC+1).
        {
          action: `${prefix}.two`,
          outcome: 'DENIED',
          actorId: bob.id,
          at: new Date('2020-03-11T23:30:00Z'),
          requestId: 'req-two',
        },
        {
          action: `${prefix}.three`,
          outcome: 'FAILURE',
          actorId: null,
          at: new Date('2020-03-13T09:00:00Z'),
          requestId: 'req-three',
          targetType: 'user',
          targetId: alice.id,
          details: { note: '<script>alert(1)</script>', n: 3 },
        },
      ],
    });
  });

  const shown = (html: string) => ['one', 'two', 'three'].filter((name) => html.includes(`${prefix}.${name}<`));

  it('lists entries newest first with who, what, target, when, outcome, request id and escaped details', async () => {
    const page = await get(`/admin/audit?action=${prefix}`);
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1>/g)).toHaveLength(1);
    expect(page.body).toContain('<caption id=');
    expect(page.body).toContain('<th scope="col">');
    expect(shown(page.body)).toEqual(['one', 'two', 'three']);
    const positions = ['three', 'two', 'one'].map((name) => page.body.indexOf(`${prefix}.${name}<`));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(page.body).toContain(`href="/admin/users/${alice.id}"><bdi>Alicia Auditada</bdi></a> (@${alice.handle})`);
    expect(page.body).toContain(`<a href="/admin/users/${alice.id}"><bdi>Alicia Auditada (@${alice.handle})</bdi></a>`); // the target
    expect(page.body).toContain('req-two');
    expect(page.body).toContain('Denegado');
    expect(page.body).toContain('13 de marzo de 2020');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>alert(1)');
  });

  it('filters by actor (handle or e-mail), outcome and action prefix', async () => {
    expect(
      shown(
        (await get(`/admin/audit?action=${prefix}&actor=${encodeURIComponent(`@${alice.handle.toUpperCase()}`)}`)).body,
      ),
    ).toEqual(['one']);
    expect(shown((await get(`/admin/audit?action=${prefix}&actor=${encodeURIComponent(bob.email)}`)).body)).toEqual([
      'two',
    ]);
    expect(shown((await get(`/admin/audit?action=${prefix}&actor=nadie-${unique()}`)).body)).toEqual([]);
    expect(shown((await get(`/admin/audit?action=${prefix}&outcome=FAILURE`)).body)).toEqual(['three']);
    expect(shown((await get(`/admin/audit?action=${prefix}.t`)).body)).toEqual(['two', 'three']);
    // The admin's own actions are there too.
    await adminPost('/admin/settings', { siteName: `Registro ${unique()}` });
    const mine = await get(`/admin/audit?actor=${encodeURIComponent(admin.handle)}&action=admin.`);
    expect(mine.body).toContain('admin.settings_update<');
    expect(mine.body).not.toContain('account.sign_in<');
  });

  it('filters by whole days in the site’s time zone, both ends included', async () => {
    expect(shown((await get(`/admin/audit?action=${prefix}&from=2020-03-10&to=2020-03-11`)).body)).toEqual(['one']);
    expect(shown((await get(`/admin/audit?action=${prefix}&from=2020-03-12&to=2020-03-12`)).body)).toEqual(['two']);
    expect(shown((await get(`/admin/audit?action=${prefix}&from=2020-03-12`)).body)).toEqual(['two', 'three']);
    expect(shown((await get(`/admin/audit?action=${prefix}&to=2020-03-10`)).body)).toEqual(['one']);
  });

  it('explains bad filters beside their fields with 422, keeping them', async () => {
    const response = await get(`/admin/audit?action=${prefix}&outcome=MAYBE&from=2020-02-30`);
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'outcome')).toContain('Elija un resultado');
    expect(fieldError(response.body, 'from')).toContain('fecha válida');
    expect(response.body).toContain(`value="${prefix}"`);
    const reversed = await get(`/admin/audit?from=2020-03-12&to=2020-03-10`);
    expect(reversed.statusCode).toBe(422);
    expect(fieldError(reversed.body, 'to')).toContain('anterior a la de inicio');
  });

  it('pages 100 entries at a time, keeping the filters', async () => {
    const many = `${prefix}.many`;
    const start = Date.parse('2019-01-01T00:00:00Z');
    await t.db.auditEntry.createMany({
      data: Array.from({ length: 101 }, (_, i) => ({
        action: many,
        outcome: 'SUCCESS' as const,
        at: new Date(start + i * 60_000),
      })),
    });
    const first = await get(`/admin/audit?action=${many}`);
    expect(rowCount(first.body)).toBe(100);
    expect(first.body).toContain(`href="/admin/audit?action=${encodeURIComponent(many)}&amp;page=2"`);
    const second = await get(`/admin/audit?action=${many}&page=2`);
    expect(rowCount(second.body)).toBe(1);
    expect(second.body).not.toContain('rel="next"');
    // The oldest is last.
    expect(second.body).toContain('datetime="2019-01-01T00:00:00.000Z"');
  });
});
