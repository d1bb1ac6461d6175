import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVATAR_MAX_BYTES, AVATAR_SIZE } from '../../src/profiles/avatar.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { fieldError, openForm, signInAs } from '../support/forms.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

// ── Helpers ────────────────────────────────────────────────────────────────

const signIn = (email: string) => signInAs(t.app, email);

/** A signed-in browser that has loaded the profile editor: its cookies and the form's token. */
async function editor(email: string) {
  const session = await signIn(email);
  const form = await openForm(t.app, '/account/profile', { cookie: session });
  return { cookie: [session, form.cookie].filter(Boolean).join('; '), csrf: form.csrf, page: form.page };
}

async function postProfile(email: string, fields: Record<string, string | string[]>) {
  const { cookie, csrf } = await editor(email);
  return t.app.inject({
    method: 'POST',
    url: '/account/profile',
    headers: { cookie },
    payload: { _csrf: csrf, ...fields },
  });
}

interface FilePart {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** A multipart/form-data body exactly as a browser's FormData makes it. */
async function multipartBody(fields: Record<string, string>, file?: FilePart) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('avatar', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const request = new Request('http://agora.test/', { method: 'POST', body: form });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

async function uploadAvatar(email: string, file: FilePart | undefined, options: { csrf?: boolean } = {}) {
  const { cookie, csrf } = await editor(email);
  const body = await multipartBody(options.csrf === false ? {} : { _csrf: csrf }, file);
  return t.app.inject({
    method: 'POST',
    url: '/account/avatar',
    headers: { cookie, 'content-type': body.contentType },
    payload: body.payload,
  });
}

const picture = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 400, height = 300) =>
  sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .toFormat(format)
    .toBuffer();

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
);

async function stateOf(userId: string) {
  return t.db.user.findUniqueOrThrow({
    where: { id: userId },
    select: {
      displayName: true,
      jobTitle: true,
      departmentId: true,
      bio: true,
      bioHtml: true,
      expertise: true,
      publicFields: true,
    },
  });
}

let counter = 0;
const uniqueHandle = () => `perfil-${Date.now().toString(36)}${(counter++).toString(36)}`;

// ── The profile page ───────────────────────────────────────────────────────

describe('the profile page', () => {
  /** An employee with a full profile of which only the job title and the bio are public. */
  async function fullProfile(publicFields: string[] = ['jobTitle', 'bio']) {
    const organization = await createOrganization(t.db, { name: `Diputación Oculta ${uniqueHandle()}` });
    const department = await t.db.department.create({
      data: { organizationId: organization.id, name: `Servicio de Catastro Reservado ${uniqueHandle()}` },
    });
    const owner = await createUser(t.db, {
      handle: uniqueHandle(),
      displayName: 'Marta Vidal Soler',
      organizationId: organization.id,
    });
    await t.db.user.update({
      where: { id: owner.id },
      data: {
        jobTitle: 'Jefa de sección de cartografía',
        departmentId: department.id,
        bio: 'Trabajo con **catastro**.',
        bioHtml: '<p>Trabajo con <strong>catastro</strong>.</p>\n',
        expertise: ['Cartografía-interna', 'SIG-reservado'],
        publicFields,
      },
    });
    const webp = await sharp(await picture('png'))
      .resize(AVATAR_SIZE, AVATAR_SIZE)
      .webp()
      .toBuffer();
    await t.db.avatar.create({ data: { userId: owner.id, webp: new Uint8Array(webp), version: 'v1abc' } });
    return { owner, organization, department };
  }

  const pageFor = (handle: string, cookie?: string) =>
    t.app.inject({ method: 'GET', url: `/u/${handle}`, headers: cookie ? { cookie } : {} });

  it('employees and partners see every field', async () => {
    const { owner, organization, department } = await fullProfile();
    const partnerOrganization = await createOrganization(t.db, { kind: 'PARTNER' });
    const viewers = [
      await createUser(t.db, { organizationId: organization.id }),
      await createUser(t.db, { kind: 'PARTNER', organizationId: partnerOrganization.id }),
    ];
    for (const viewer of viewers) {
      const response = await pageFor(owner.handle, await signIn(viewer.email));
      expect(response.statusCode).toBe(200);
      const html = response.body;
      expect(html).toMatch(/<h1><bdi>Marta Vidal Soler<\/bdi><\/h1>/);
      expect(html).toContain(`@${owner.handle}`);
      expect(html).toContain('Jefa de sección de cartografía');
      expect(html).toContain(organization.name);
      expect(html).toContain(department.name);
      expect(html).toContain('<p>Trabajo con <strong>catastro</strong>.</p>');
      expect(html).toContain('Cartografía-interna');
      expect(html).toContain('SIG-reservado');
      expect(html).toContain(
        `<img class="avatar avatar--large" src="/u/${owner.handle}/avatar.webp?v=v1abc" alt="Marta Vidal Soler"`,
      );
      // Not the owner: no edit link.
      expect(html).not.toContain('href="/account/profile"');
    }
  });

  it('citizens and signed-out visitors see only the public fields; the hidden values are not in the page', async () => {
    const { owner, organization, department } = await fullProfile(['jobTitle', 'bio']);
    const citizen = await createUser(t.db, { kind: 'CITIZEN' });
    for (const cookie of [await signIn(citizen.email), undefined]) {
      const response = await pageFor(owner.handle, cookie);
      expect(response.statusCode).toBe(200);
      const html = response.body;
      expect(html).toContain('Marta Vidal Soler');
      expect(html).toContain(`@${owner.handle}`);
      expect(html).toContain('Jefa de sección de cartografía');
      expect(html).toContain('<strong>catastro</strong>');
      expect(html).not.toContain(organization.name);
      expect(html).not.toContain(department.name);
      expect(html).not.toContain('Cartografía-interna');
      expect(html).not.toContain('SIG-reservado');
      expect(html).not.toContain('avatar.webp');
      // The initials stand in for the hidden picture.
      expect(html).toContain('aria-hidden="true">MS</span>');
    }
  });

  it('with nothing public, citizens see the name and handle only', async () => {
    const { owner } = await fullProfile([]);
    const html = (await pageFor(owner.handle)).body;
    expect(html).toContain('Marta Vidal Soler');
    expect(html).not.toContain('Jefa de sección');
    expect(html).not.toContain('catastro');
    expect(html).toContain('todavía no ha completado su perfil');
  });

  it('the owner sees everything, an edit link and what citizens see', async () => {
    const { owner, department } = await fullProfile(['avatar']);
    const html = (await pageFor(owner.handle, await signIn(owner.email))).body;
    expect(html).toContain(department.name);
    expect(html).toContain('href="/account/profile"');
    expect(html).toContain('ven su nombre, su nombre de usuario y: Foto.');
  });

  it('finds the handle in any case', async () => {
    const { owner } = await fullProfile();
    const response = await pageFor(owner.handle.toUpperCase());
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Marta Vidal Soler');
  });

  it('answers 404 for an unknown handle, a malformed one and a suspended person', async () => {
    const suspended = await createUser(t.db, { status: 'SUSPENDED', displayName: 'Persona Suspendida' });
    for (const handle of ['nadie-con-este-nombre', 'a', encodeURIComponent('<script>'), suspended.handle]) {
      const response = await pageFor(handle);
      expect(response.statusCode, handle).toBe(404);
      expect(response.body).toContain('Página no encontrada');
      expect(response.body).not.toContain('Persona Suspendida');
    }
  });
});

// ── Editing ────────────────────────────────────────────────────────────────

describe('editing one’s profile', () => {
  it('is for signed-in people only', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/account/profile' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/sign-in?returnTo=${encodeURIComponent('/account/profile')}`);
  });

  it('shows the saved profile in the form, with the organization’s departments', async () => {
    const organization = await createOrganization(t.db);
    const department = await t.db.department.create({
      data: { organizationId: organization.id, name: 'Intervención' },
    });
    await t.db.department.create({ data: { organizationId: (await createOrganization(t.db)).id, name: 'Ajena' } });
    const user = await createUser(t.db, { organizationId: organization.id });
    await t.db.user.update({
      where: { id: user.id },
      data: {
        jobTitle: 'Interventor',
        departmentId: department.id,
        expertise: ['Fiscalización', 'Presupuestos'],
        publicFields: ['bio'],
      },
    });
    const { page } = await editor(user.email);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('value="Interventor"');
    expect(page.body).toContain(`<option value="${department.id}" selected>Intervención</option>`);
    expect(page.body).not.toContain('Ajena');
    expect(page.body).toContain('value="Fiscalización, Presupuestos"');
    expect(page.body).toMatch(/name="publicFields" value="bio" checked/);
    expect(page.body).toMatch(/name="publicFields" value="jobTitle">/);
    expect(page.body).toContain(`Organización: ${organization.name}.`);
  });

  it('saves every field, renders the bio as sanitized Markdown and audits the change', async () => {
    const organization = await createOrganization(t.db);
    const department = await t.db.department.create({ data: { organizationId: organization.id, name: 'Urbanismo' } });
    const user = await createUser(t.db, { organizationId: organization.id });
    const response = await postProfile(user.email, {
      displayName: '  Lucía Pérez  ',
      jobTitle: 'Arquitecta municipal',
      departmentId: department.id,
      bio: 'Hola, soy **arquitecta**.\r\n\r\n<script>alert("x")</script>\r\n\r\n[web](javascript:alert(1))',
      expertise: 'Urbanismo, urbanismo ,  licencias   de obra ,, URBANISMO, Patrimonio',
      publicFields: ['jobTitle', 'bio'],
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account/profile?notice=profile-saved');

    const saved = await stateOf(user.id);
    expect(saved).toMatchObject({
      displayName: 'Lucía Pérez',
      jobTitle: 'Arquitecta municipal',
      departmentId: department.id,
      expertise: ['Urbanismo', 'licencias de obra', 'Patrimonio'],
      publicFields: ['jobTitle', 'bio'],
    });
    expect(saved.bio).toBe('Hola, soy **arquitecta**.\n\n<script>alert("x")</script>\n\n[web](javascript:alert(1))');
    expect(saved.bioHtml).toContain('<strong>arquitecta</strong>');
    expect(saved.bioHtml).not.toContain('<script');
    expect(saved.bioHtml).not.toContain('href="javascript:');

    const profile = await t.app.inject({ method: 'GET', url: `/u/${user.handle}` });
    expect(profile.body).toContain('<strong>arquitecta</strong>');
    expect(profile.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(profile.body).not.toContain('<script>alert');
    // The refused link stays as text, never as a link.
    expect(profile.body).not.toContain('href="javascript:');

    const notice = await t.app.inject({
      method: 'GET',
      url: '/account/profile?notice=profile-saved',
      headers: { cookie: await signIn(user.email) },
    });
    expect(notice.body).toContain('Perfil guardado.');

    const audit = await t.db.auditEntry.findFirst({ where: { action: 'profile.update', actorId: user.id } });
    expect(audit).toMatchObject({ outcome: 'SUCCESS', targetType: 'user', targetId: user.id });
    expect(audit?.details).toMatchObject({ changed: expect.arrayContaining(['displayName', 'bio', 'expertise']) });
    // Which fields changed, not what they now say.
    expect(JSON.stringify(audit?.details)).not.toContain('arquitecta');
  });

  it('counts a line break as one character, and empties the profile when the fields are cleared', async () => {
    const user = await createUser(t.db, { kind: 'CITIZEN' });
    const long = await postProfile(user.email, { displayName: 'Vecina', bio: 'ab\r\n'.repeat(1666) });
    expect(long.statusCode).toBe(303);
    expect((await stateOf(user.id)).bio.length).toBe(4997);

    const cleared = await postProfile(user.email, { displayName: 'Vecina', jobTitle: '', bio: '', expertise: '' });
    expect(cleared.statusCode).toBe(303);
    expect(await stateOf(user.id)).toMatchObject({
      jobTitle: '',
      bio: '',
      bioHtml: '',
      expertise: [],
      publicFields: [],
    });
  });

  it('explains each bad field beside it, keeps everything typed and saves nothing', async () => {
    const organization = await createOrganization(t.db);
    const other = await t.db.department.create({
      data: { organizationId: (await createOrganization(t.db)).id, name: 'Otra' },
    });
    const user = await createUser(t.db, { organizationId: organization.id, displayName: 'Nombre Original' });
    const before = await stateOf(user.id);
    const valid = {
      displayName: 'Nombre Nuevo Tecleado',
      jobTitle: 'Cargo tecleado',
      departmentId: '',
      bio: 'Presentación *tecleada*',
      expertise: 'tema tecleado, otro tema',
      publicFields: ['expertise', 'avatar'],
    };
    const tags = (count: number) => Array.from({ length: count }, (_, i) => `tema ${i}`).join(', ');
    const cases: Array<[Record<string, string | string[]>, string, RegExp]> = [
      [{ displayName: '' }, 'displayName', /Escriba su nombre/],
      [{ displayName: '   ' }, 'displayName', /Escriba su nombre/],
      [{ displayName: 'x'.repeat(81) }, 'displayName', /80 caracteres/],
      [{ jobTitle: 'x'.repeat(121) }, 'jobTitle', /120 caracteres/],
      [{ bio: 'x'.repeat(5001) }, 'bio', /5000 caracteres/],
      [{ expertise: tags(16) }, 'expertise', /como máximo 15 temas/],
      [{ expertise: `bien, ${'x'.repeat(41)}` }, 'expertise', /40 caracteres/],
      [{ departmentId: 'no-es-un-id' }, 'departmentId', /Elija una unidad de la lista/],
      [{ departmentId: other.id }, 'departmentId', /Elija una unidad de la lista/],
      [{ departmentId: '00000000-0000-4000-8000-000000000000' }, 'departmentId', /Elija una unidad de la lista/],
      [{ publicFields: ['bio', 'email'] }, 'publicFields', /opciones de la lista/],
    ];
    for (const [override, field, message] of cases) {
      const fields = { ...valid, ...override };
      const response = await postProfile(user.email, fields);
      expect(response.statusCode, JSON.stringify(override)).toBe(422);
      expect(fieldError(response.body, field), field).toMatch(message);
      expect(response.body).toContain(`aria-describedby="field-${field}-`);
      expect(response.body).toContain(`href="#field-${field}"`);
      // What was typed is all there, the bad value included.
      const html = response.body;
      if (typeof fields.displayName === 'string' && fields.displayName.trim()) {
        expect(html).toContain(`value="${fields.displayName}"`);
      }
      expect(html).toContain(`value="${fields.jobTitle}"`);
      expect(html).toContain(`>\n${fields.bio}</textarea>`);
      expect(html).toContain(`value="${fields.expertise}"`);
      for (const field of ['jobTitle', 'organization', 'department', 'bio', 'expertise', 'avatar']) {
        const ticked = (fields.publicFields as string[]).includes(field);
        expect(html).toContain(`name="publicFields" value="${field}"${ticked ? ' checked' : ''}>`);
      }
      expect(await stateOf(user.id), JSON.stringify(override)).toEqual(before);
    }
    expect(await t.db.auditEntry.count({ where: { action: 'profile.update', actorId: user.id } })).toBe(0);
  });

  it('someone outside any organization cannot pick a department', async () => {
    const department = await t.db.department.create({
      data: { organizationId: (await createOrganization(t.db)).id, name: 'Ajena' },
    });
    const citizen = await createUser(t.db, { kind: 'CITIZEN' });
    const { page } = await editor(citizen.email);
    expect(page.body).not.toContain('name="departmentId"');
    expect(page.body).not.toContain('value="organization"');
    const response = await postProfile(citizen.email, { displayName: 'Vecino', departmentId: department.id });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'departmentId')).toMatch(/Elija una unidad/);
    expect((await stateOf(citizen.id)).departmentId).toBeNull();
  });

  it('refuses a post without the form’s CSRF token', async () => {
    const user = await createUser(t.db);
    const response = await t.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: { cookie: await signIn(user.email) },
      payload: { displayName: 'Sin token' },
    });
    expect(response.statusCode).toBe(403);
    expect((await stateOf(user.id)).displayName).toBe(user.displayName);
  });
});

// ── The avatar ─────────────────────────────────────────────────────────────

describe('the avatar', () => {
  async function storedAvatar(userId: string) {
    return t.db.avatar.findUnique({ where: { userId } });
  }

  it('a PNG, a JPEG or a WebP becomes a 256×256 WebP under a new version', async () => {
    const user = await createUser(t.db);
    const versions = new Set<string>();
    for (const [format, name, type] of [
      ['png', 'foto.png', 'image/png'],
      ['jpeg', 'foto.jpg', 'image/jpeg'],
      ['webp', 'foto.webp', 'image/webp'],
    ] as const) {
      const response = await uploadAvatar(user.email, { name, type, bytes: await picture(format, 640, 480) });
      expect(response.statusCode, format).toBe(303);
      expect(response.headers.location).toBe('/account/profile?notice=avatar-saved');
      const avatar = await storedAvatar(user.id);
      expect(avatar).not.toBeNull();
      const metadata = await sharp(avatar?.webp).metadata();
      expect(metadata).toMatchObject({ format: 'webp', width: AVATAR_SIZE, height: AVATAR_SIZE });
      versions.add(avatar?.version ?? '');
    }
    expect(versions.size).toBe(3);
    expect(
      await t.db.auditEntry.count({ where: { action: 'profile.avatar_update', actorId: user.id, outcome: 'SUCCESS' } }),
    ).toBe(3);

    const page = await t.app.inject({
      method: 'GET',
      url: '/account/profile?notice=avatar-saved',
      headers: { cookie: await signIn(user.email) },
    });
    expect(page.body).toContain('Foto de perfil actualizada.');
    expect(page.body).toContain(`alt="${user.displayName}"`);
  });

  it('the content decides: a GIF, an SVG or text named .png is refused beside the field, and nothing changes', async () => {
    const user = await createUser(t.db);
    await uploadAvatar(user.email, { name: 'buena.png', type: 'image/png', bytes: await picture('png') });
    const before = await storedAvatar(user.id);
    const disguised: FilePart[] = [
      { name: 'animada.png', type: 'image/png', bytes: await picture('gif') },
      { name: 'dibujo.png', type: 'image/png', bytes: SVG },
      { name: 'dibujo.svg', type: 'image/svg+xml', bytes: SVG },
      { name: 'notas.png', type: 'image/png', bytes: Buffer.from('esto no es una imagen, es texto\n') },
      { name: 'truncada.png', type: 'image/png', bytes: (await picture('png')).subarray(0, 60) },
    ];
    for (const file of disguised) {
      const response = await uploadAvatar(user.email, file);
      expect(response.statusCode, file.name).toBe(422);
      const message = fieldError(response.body, 'avatar');
      expect(message, file.name).toMatch(
        file.name === 'truncada.png' ? /No hemos podido leer la imagen/ : /no es una imagen PNG, JPEG ni WebP/,
      );
      expect(response.body).toContain('aria-describedby="field-avatar-hint field-avatar-error"');
      expect(await storedAvatar(user.id)).toEqual(before);
    }
    expect(
      await t.db.auditEntry.count({ where: { action: 'profile.avatar_update', actorId: user.id, outcome: 'FAILURE' } }),
    ).toBe(disguised.length);
  });

  it('a file over 5 MB is refused with a message, not an error page', async () => {
    const user = await createUser(t.db);
    const big = Buffer.alloc(AVATAR_MAX_BYTES + 1024, 0x41);
    big.set(await picture('png'));
    const response = await uploadAvatar(user.email, { name: 'enorme.png', type: 'image/png', bytes: big });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'avatar')).toMatch(/supera los 5 MB/);
    expect(await storedAvatar(user.id)).toBeNull();
  });

  it('asks for a file when none was chosen', async () => {
    const user = await createUser(t.db);
    const response = await uploadAvatar(user.email, {
      name: '',
      type: 'application/octet-stream',
      bytes: new Uint8Array(),
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'avatar')).toMatch(/Elija un archivo de imagen/);
    const withoutPart = await uploadAvatar(user.email, undefined);
    expect(withoutPart.statusCode).toBe(422);
    expect(await storedAvatar(user.id)).toBeNull();
  });

  it('refuses uploads without the CSRF token or without a session', async () => {
    const user = await createUser(t.db);
    const bytes = await picture('png');
    const noToken = await uploadAvatar(user.email, { name: 'a.png', type: 'image/png', bytes }, { csrf: false });
    expect(noToken.statusCode).toBe(403);

    const body = await multipartBody({}, { name: 'a.png', type: 'image/png', bytes });
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/account/avatar',
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in');
    expect(await storedAvatar(user.id)).toBeNull();
  });

  it('is served as WebP, cached for a year at its current version when public, hidden like the profile field', async () => {
    const owner = await createUser(t.db, { handle: uniqueHandle() });
    await uploadAvatar(owner.email, { name: 'a.jpg', type: 'image/jpeg', bytes: await picture('jpeg') });
    const { version } = (await storedAvatar(owner.id)) ?? { version: '' };
    const url = `/u/${owner.handle}/avatar.webp?v=${version}`;
    const employee = await signIn((await createUser(t.db)).email);
    const citizen = await signIn((await createUser(t.db, { kind: 'CITIZEN' })).email);

    // Not public: employees see it (it needs a session, so nothing is kept: no-store); citizens and visitors get 404.
    const seen = await t.app.inject({ method: 'GET', url, headers: { cookie: employee } });
    expect(seen.statusCode).toBe(200);
    expect(seen.headers['content-type']).toBe('image/webp');
    expect(seen.headers['cache-control']).toBe('no-store');
    expect((await sharp(seen.rawPayload).metadata()).format).toBe('webp');
    for (const cookie of [citizen, undefined]) {
      const hidden = await t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
      expect(hidden.statusCode).toBe(404);
    }

    // Public: anyone, and shared caches may keep it.
    await t.db.user.update({ where: { id: owner.id }, data: { publicFields: ['avatar'] } });
    const open = await t.app.inject({ method: 'GET', url });
    expect(open.statusCode).toBe(200);
    expect(open.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(open.headers['x-content-type-options']).toBe('nosniff');
    const profile = await t.app.inject({ method: 'GET', url: `/u/${owner.handle}` });
    expect(profile.body).toContain(`src="/u/${owner.handle}/avatar.webp?v=${version}"`);

    // Another version (an old link, or none): revalidated every time.
    for (const other of [`/u/${owner.handle}/avatar.webp?v=old`, `/u/${owner.handle}/avatar.webp`]) {
      const stale = await t.app.inject({ method: 'GET', url: other });
      expect(stale.statusCode).toBe(200);
      expect(stale.headers['cache-control']).toBe('public, no-cache');
    }
    const revalidated = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': `"${version}"` } });
    expect(revalidated.statusCode).toBe(304);
  });

  it('answers 404 when there is no avatar, no such person or a suspended one', async () => {
    const without = await createUser(t.db, { kind: 'CITIZEN' });
    await t.db.user.update({ where: { id: without.id }, data: { publicFields: ['avatar'] } });
    const suspended = await createUser(t.db, { status: 'SUSPENDED' });
    await t.db.user.update({ where: { id: suspended.id }, data: { publicFields: ['avatar'] } });
    await t.db.avatar.create({
      data: { userId: suspended.id, webp: new Uint8Array(await picture('webp')), version: 'x' },
    });
    for (const handle of [without.handle, 'nadie-con-este-nombre', suspended.handle]) {
      const response = await t.app.inject({ method: 'GET', url: `/u/${handle}/avatar.webp?v=x` });
      expect(response.statusCode, handle).toBe(404);
    }
  });

  it('can be removed, and is then no longer served', async () => {
    const user = await createUser(t.db);
    await uploadAvatar(user.email, { name: 'a.png', type: 'image/png', bytes: await picture('png') });
    const { version } = (await storedAvatar(user.id)) ?? { version: '' };
    const { cookie, csrf, page } = await editor(user.email);
    expect(page.body).toContain('Quitar la foto');
    const response = await t.app.inject({
      method: 'POST',
      url: '/account/avatar/delete',
      headers: { cookie },
      payload: { _csrf: csrf },
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account/profile?notice=avatar-removed');
    expect(await storedAvatar(user.id)).toBeNull();
    const served = await t.app.inject({
      method: 'GET',
      url: `/u/${user.handle}/avatar.webp?v=${version}`,
      headers: { cookie },
    });
    expect(served.statusCode).toBe(404);
    expect(await t.db.auditEntry.count({ where: { action: 'profile.avatar_delete', actorId: user.id } })).toBe(1);
  });
});
