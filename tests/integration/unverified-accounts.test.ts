import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { fieldError, signInAs, submitForm } from '../support/forms.js';

// Issue 9, "Accounts and profiles": an account's kind and organization are claims until its address is
// verified. Sign-up makes anyone who types a town hall's domain that town hall's employee; no rule may
// trust that before the e-mailed link was followed (src/access/affiliation.ts).

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const unique = () => randomBytes(4).toString('hex');
const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

/** A town hall, a verified employee with a full profile that hides everything, and an unverified sign-up. */
async function townHall() {
  const organization = await createOrganization(t.db, { name: `Ayuntamiento de Villaprueba ${unique()}` });
  const department = await t.db.department.create({
    data: { organizationId: organization.id, name: `Servicio Reservado ${unique()}` },
  });
  const colleague = await createUser(t.db, { organizationId: organization.id, displayName: 'Marta Vidal' });
  await t.db.user.update({
    where: { id: colleague.id },
    data: {
      jobTitle: 'Jefa de cartografía interna',
      departmentId: department.id,
      bio: 'Texto reservado',
      bioHtml: '<p>Texto reservado</p>\n',
      expertise: ['Catastro-reservado'],
      publicFields: [],
    },
  });
  const unverified = await createUser(t.db, {
    organizationId: organization.id,
    verified: false,
    displayName: 'Recién Llegado',
  });
  return { organization, department, colleague, unverified };
}

describe('an unverified sign-up with an administration’s domain is nobody’s employee', () => {
  it('reads no hidden profile field of employees (the fields a citizen would not see)', async () => {
    const { organization, department, colleague, unverified } = await townHall();
    const citizen = await createUser(t.db, { kind: 'CITIZEN' });
    const verified = await createUser(t.db, { organizationId: organization.id });
    const partnerOrg = await createOrganization(t.db, { kind: 'PARTNER' });
    const unverifiedPartner = await createUser(t.db, {
      kind: 'PARTNER',
      organizationId: partnerOrg.id,
      verified: false,
    });

    const seenBy = async (email: string) => (await get(`/u/${colleague.handle}`, await signInAs(t.app, email))).body;
    // The control: a verified colleague sees everything.
    expect(await seenBy(verified.email)).toContain('Jefa de cartografía interna');
    for (const who of [unverified, unverifiedPartner, citizen]) {
      const html = await seenBy(who.email);
      expect(html).toContain('Marta Vidal');
      for (const hidden of ['Jefa de cartografía interna', organization.name, department.name, 'Texto reservado']) {
        expect(html).not.toContain(hidden);
      }
      expect(html).not.toContain('Catastro-reservado');
      expect(html).not.toContain('avatar.webp');
    }
  });

  it('its profile shows no organization or department, to anyone, even when the field is public', async () => {
    const { organization, department, unverified, colleague } = await townHall();
    await t.db.user.update({
      where: { id: unverified.id },
      data: { departmentId: department.id, publicFields: ['organization', 'department', 'jobTitle'] },
    });
    const viewers = [undefined, await signInAs(t.app, colleague.email), await signInAs(t.app, unverified.email)];
    for (const cookie of viewers) {
      const html = (await get(`/u/${unverified.handle}`, cookie)).body;
      expect(html).toContain('Recién Llegado');
      expect(html).not.toContain(organization.name);
      expect(html).not.toContain(department.name);
    }
    // Once the address is verified, the same profile shows it.
    await t.db.user.update({ where: { id: unverified.id }, data: { emailVerifiedAt: new Date() } });
    expect((await get(`/u/${unverified.handle}`)).body).toContain(organization.name);
  });

  it('cannot pick a department of the town hall in its profile editor', async () => {
    const { organization, department, unverified } = await townHall();
    const cookie = await signInAs(t.app, unverified.email);
    const form = await get('/account/profile', cookie);
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain(department.name);
    expect(form.body).not.toContain(organization.name);
    const response = await submitForm(
      t.app,
      '/account/profile',
      { displayName: 'Recién Llegado', departmentId: department.id },
      { cookie },
    );
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'departmentId')).toBeTruthy();
    expect((await t.db.user.findUniqueOrThrow({ where: { id: unverified.id } })).departmentId).toBeNull();
  });

  it('cannot create communities of the town hall', async () => {
    const { unverified } = await townHall();
    const cookie = await signInAs(t.app, unverified.email);
    expect((await get('/communities/new', cookie)).statusCode).toBe(403);
    const response = await submitForm(
      t.app,
      '/communities',
      {
        name: 'Falsa',
        slug: `falsa-${unique()}`,
        audience: 'INTERNAL',
        visibility: 'PUBLIC',
        welcomedTags: 'PERSONAL',
      },
      { cookie, formUrl: '/communities' },
    );
    expect(response.statusCode).toBe(403);
    expect(await t.db.community.count({ where: { createdById: unverified.id } })).toBe(0);
  });

  it('is listed without an organization among a community’s members (rows from before it was unverified)', async () => {
    const { organization, colleague, unverified } = await townHall();
    const community = await createCommunity(t.db, {
      organizationId: organization.id,
      ownerId: colleague.id,
      audience: 'OPEN',
    });
    const verified = await createUser(t.db, { organizationId: organization.id, displayName: 'Verificada Pérez' });
    await addMembership(t.db, community.id, unverified.id, 'ACTIVE');
    await addMembership(t.db, community.id, verified.id, 'ACTIVE');
    const html = (await get(`/c/${community.slug}/members`, await signInAs(t.app, colleague.email))).body;
    expect(html).toContain('Recién Llegado</bdi></a>');
    expect(html).toContain('Recién Llegado</bdi></a> · Miembro');
    expect(html).not.toContain(`Recién Llegado</bdi></a> · Miembro · <bdi>${organization.name}</bdi>`);
    expect(html).toContain(`Verificada Pérez</bdi></a> · Miembro · <bdi>${organization.name}</bdi>`);
  });

  it('cannot be granted the official voice of the town hall', async () => {
    const { organization, unverified } = await townHall();
    const admin = await createUser(t.db, { role: 'ADMIN' });
    const cookie = await signInAs(t.app, admin.email);
    const page = `/admin/users/${unverified.id}`;
    const response = await submitForm(
      t.app,
      `${page}/voices`,
      { organizationId: organization.id },
      { cookie, formUrl: page },
    );
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('aún no ha confirmado su dirección de correo');
    expect(await t.db.officialVoice.count({ where: { userId: unverified.id } })).toBe(0);
  });

  it('an official voice granted earlier speaks only while its holder is a verified employee of that organization', async () => {
    const { organization, colleague } = await townHall();
    const community = await createCommunity(t.db, {
      organizationId: organization.id,
      ownerId: colleague.id,
      audience: 'OPEN',
    });
    const holder = await createUser(t.db, { organizationId: organization.id });
    await addMembership(t.db, community.id, holder.id);
    await t.db.officialVoice.create({ data: { userId: holder.id, organizationId: organization.id } });
    const form = async () => (await get(`/c/${community.slug}/threads/new`, await signInAs(t.app, holder.email))).body;
    // The control: a verified employee holding the grant may speak for the town hall.
    expect(await form()).toContain(`<option value="${organization.id}"`);
    // Moved to another administration (a new, verified address): the grant stays but does not speak.
    const other = await createOrganization(t.db);
    await t.db.user.update({ where: { id: holder.id }, data: { organizationId: other.id } });
    expect(await form()).not.toContain(`<option value="${organization.id}"`);
  });
});
