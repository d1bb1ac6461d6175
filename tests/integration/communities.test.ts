import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { fieldError, signInAs, submitForm } from '../support/forms.js';

let t: TestApp;
let townHall: { id: string };
let province: { id: string };
let partnerBody: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Comunidades', kind: 'MUNICIPALITY' });
  province = await createOrganization(t.db, { name: 'Diputación de Comunidades', kind: 'PROVINCE' });
  partnerBody = await createOrganization(t.db, { name: 'Universidad de Comunidades', kind: 'PARTNER' });
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
const post = (url: string, fields: Record<string, string | string[]>, cookie: string, formUrl = '/communities') =>
  submitForm(t.app, url, fields as Record<string, string>, { cookie, formUrl });

/** People of every kind, each signed in. */
async function people() {
  const make = async (options: Parameters<typeof createUser>[1]) => {
    const user = await createUser(t.db, options);
    return { user, cookie: await signInAs(t.app, user.email) };
  };
  return {
    owner: await make({ organizationId: townHall.id }),
    colleague: await make({ organizationId: townHall.id }),
    otherAdministration: await make({ organizationId: province.id }),
    partner: await make({ kind: 'PARTNER', organizationId: partnerBody.id }),
    citizen: await make({ kind: 'CITIZEN' }),
    admin: await make({ role: 'ADMIN', organizationId: province.id }),
  };
}

describe('creating a community', () => {
  it('an employee creates one of their organization and becomes its owner; it is audited', async () => {
    const { owner } = await people();
    const slug = `red-urbanismo-${Date.now()}`;
    const response = await post(
      '/communities',
      {
        name: 'Red de urbanismo',
        slug,
        description: 'Técnicos de urbanismo de la provincia.',
        rules: 'Sea **amable**.',
        audience: 'INTERADMINISTRATIVE',
        visibility: 'PRIVATE',
        welcomedTags: ['PROFESSIONAL', 'ORGANIZATIONAL'],
      },
      owner.cookie,
      '/communities/new',
    );
    expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
    expect(response.headers.location).toBe(`/c/${slug}?notice=community-created`);
    const community = await t.db.community.findUniqueOrThrow({ where: { slug }, include: { memberships: true } });
    expect(community).toMatchObject({
      ownerOrganizationId: townHall.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PRIVATE',
      welcomedTags: ['PROFESSIONAL', 'ORGANIZATIONAL'],
      rulesHtml: '<p>Sea <strong>amable</strong>.</p>\n',
    });
    expect(community.memberships).toEqual([
      expect.objectContaining({ userId: owner.user.id, role: 'OWNER', state: 'ACTIVE' }),
    ]);
    expect(await t.db.auditEntry.count({ where: { action: 'community.create', targetId: community.id } })).toBe(1);
  });

  it('explains bad input beside each field, keeps it, and creates nothing', async () => {
    const { owner } = await people();
    const taken = await createCommunity(t.db, { organizationId: townHall.id, ownerId: owner.user.id });
    const valid = {
      name: 'Válida',
      slug: `valida-${Date.now()}`,
      audience: 'INTERNAL',
      visibility: 'PUBLIC',
      welcomedTags: 'PERSONAL',
    };
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ slug: taken.slug }, 'slug', /Ya hay una comunidad/],
      [{ name: 'x'.repeat(81) }, 'name', /80 caracteres/],
      [{ name: '' }, 'name', /Escriba el nombre/],
      [{ slug: 'Con Espacios' }, 'slug', /minúsculas/],
      [{ audience: 'GALACTIC' }, 'audience', /Elija quién/],
      [{ audience: 'OPEN' }, 'audience', /No puede crear comunidades con ese alcance/],
      [{ welcomedTags: 'NONSENSE' }, 'welcomedTags', /Elija entre/],
    ];
    for (const [override, field, message] of cases) {
      const fields = { ...valid, slug: `${valid.slug}-${field}`, ...override };
      const before = await t.db.community.count();
      const response = await post('/communities', fields, owner.cookie, '/communities/new');
      expect(response.statusCode, JSON.stringify(override)).toBe(422);
      expect(fieldError(response.body, field), field).toMatch(message);
      if (field !== 'name') expect(response.body).toContain('value="Válida"');
      expect(await t.db.community.count()).toBe(before);
    }
  });

  it('site settings decide which audiences employees may create', async () => {
    const { owner } = await people();
    const create = (audience: string) =>
      post(
        '/communities',
        {
          name: 'Ajustes',
          slug: `ajustes-${audience.toLowerCase()}-${Date.now()}`,
          audience,
          visibility: 'PUBLIC',
          welcomedTags: 'PERSONAL',
        },
        owner.cookie,
        '/communities/new',
      );
    const settings = (values: { employeesCreateInteradministrative: boolean; employeesCreateOpen: boolean }) =>
      t.db.siteSettings.upsert({ where: { id: 1 }, create: { id: 1, ...values }, update: values });
    await settings({ employeesCreateInteradministrative: false, employeesCreateOpen: true });
    expect((await get('/communities/new', owner.cookie)).body).toContain('value="OPEN"');
    expect((await create('INTERADMINISTRATIVE')).statusCode).toBe(422);
    expect((await create('OPEN')).statusCode).toBe(303);
    await settings({ employeesCreateInteradministrative: true, employeesCreateOpen: false });
    expect((await get('/communities/new', owner.cookie)).body).not.toContain('value="OPEN"');
    expect((await create('OPEN')).statusCode).toBe(422);
    expect((await create('INTERADMINISTRATIVE')).statusCode).toBe(303);
  });

  it('citizens and partners cannot create communities', async () => {
    const { citizen, partner } = await people();
    for (const who of [citizen, partner]) {
      expect((await get('/communities/new', who.cookie)).statusCode).toBe(403);
      const response = await post(
        '/communities',
        { name: 'No', slug: `no-${Date.now()}`, audience: 'OPEN', visibility: 'PUBLIC', welcomedTags: 'PERSONAL' },
        who.cookie,
        '/communities',
      );
      expect(response.statusCode).toBe(403);
    }
  });
});

describe('who sees what, through HTTP', () => {
  it('a representative slice of the matrix: the community page per actor, audience and visibility', async () => {
    const p = await people();
    // Expected status of GET /c/:slug for each actor: 200 when they may see it, 404 when it does not exist for them.
    const table: Array<[string, string, Record<string, number>]> = [
      [
        'INTERNAL',
        'PUBLIC',
        { anonymous: 404, colleague: 200, otherAdministration: 404, partner: 404, citizen: 404, admin: 200 },
      ],
      [
        'INTERNAL',
        'SECRET',
        { anonymous: 404, colleague: 404, otherAdministration: 404, partner: 404, citizen: 404, admin: 200 },
      ],
      [
        'INTERADMINISTRATIVE',
        'PRIVATE',
        { anonymous: 404, colleague: 200, otherAdministration: 200, partner: 404, citizen: 404, admin: 200 },
      ],
      [
        'INTERADMINISTRATIVE',
        'SECRET',
        { anonymous: 404, colleague: 404, otherAdministration: 404, partner: 404, citizen: 404, admin: 200 },
      ],
      [
        'OPEN',
        'PUBLIC',
        { anonymous: 200, colleague: 200, otherAdministration: 200, partner: 200, citizen: 200, admin: 200 },
      ],
      [
        'OPEN',
        'PRIVATE',
        { anonymous: 404, colleague: 200, otherAdministration: 200, partner: 200, citizen: 200, admin: 200 },
      ],
      [
        'OPEN',
        'SECRET',
        { anonymous: 404, colleague: 404, otherAdministration: 404, partner: 404, citizen: 404, admin: 200 },
      ],
    ];
    for (const [audience, visibility, expected] of table) {
      const community = await createCommunity(t.db, {
        organizationId: townHall.id,
        ownerId: p.owner.user.id,
        audience: audience as 'OPEN',
        visibility: visibility as 'PUBLIC',
      });
      for (const [actor, status] of Object.entries(expected)) {
        const cookie = actor === 'anonymous' ? undefined : p[actor as keyof typeof p].cookie;
        const response = await get(`/c/${community.slug}`, cookie);
        expect(response.statusCode, `${actor} on ${audience}/${visibility}`).toBe(status);
        const listed = (await get(`/communities?q=${encodeURIComponent(community.name)}`, cookie)).body.includes(
          community.slug,
        );
        expect(listed, `${actor} lists ${audience}/${visibility}`).toBe(status === 200);
      }
      // The owner always sees their own community.
      expect((await get(`/c/${community.slug}`, p.owner.cookie)).statusCode).toBe(200);
    }
  });

  it('the directory finds a name typed without its accents or case, and never reads _ as a wildcard', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      name: `Contratación Pública ${Date.now()}`,
    });
    for (const q of ['contratacion publica', 'CONTRATACIÓN', 'pública contratación']) {
      const body = (await get(`/communities?q=${encodeURIComponent(q)}`, p.colleague.cookie)).body;
      expect(body.includes(community.slug), q).toBe(true);
    }
    for (const q of ['contratacion privada', 'contrat_cion']) {
      const body = (await get(`/communities?q=${encodeURIComponent(q)}`, p.colleague.cookie)).body;
      expect(body.includes(community.slug), q).toBe(false);
    }
  });

  it('the directory opens its last page for any page past the end, and searches an over-long query as typed', async () => {
    const p = await people();
    const word = `Paginado${Date.now()}`;
    const made = [];
    for (let i = 0; i < 26; i++) {
      made.push(
        await createCommunity(t.db, {
          organizationId: townHall.id,
          ownerId: p.owner.user.id,
          name: `${word} ${String(i).padStart(2, '0')}`,
        }),
      );
    }
    const last = made.at(-1)?.slug ?? '';
    for (const page of ['2', '3', '999', '1001', '99999999999999999999999']) {
      const body = (await get(`/communities?q=${word}&page=${page}`, p.colleague.cookie)).body;
      expect(body, page).toContain('Página 2 de 2');
      expect(body.includes(last), page).toBe(true);
    }
    for (const page of ['0', '-1', 'abc', '1.5']) {
      const body = (await get(`/communities?q=${word}&page=${page}`, p.colleague.cookie)).body;
      expect(body, page).toContain('Página 1 de 2');
    }
    // Longer than the form allows (100): searched as its first 100 characters, not dropped (which listed all).
    const body = (await get(`/communities?q=${'sinresultado'.repeat(12)}`, p.colleague.cookie)).body;
    expect(body.includes(made[0]?.slug ?? '-'), 'long q').toBe(false);
  });

  it('a private community shows name and description to outsiders in the audience, but not its members or rules', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PRIVATE',
      description: 'Coordinación de emergencias',
    });
    const page = await get(`/c/${community.slug}`, p.otherAdministration.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Coordinación de emergencias');
    expect(page.body).toContain('Pedir unirse');
    expect(page.body).not.toContain(p.owner.user.displayName);
    expect((await get(`/c/${community.slug}/members`, p.otherAdministration.cookie)).statusCode).toBe(303);
  });

  it('a secret community is invisible to an outsider on every page and list, and to search', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      audience: 'INTERNAL',
      visibility: 'SECRET',
      name: 'Grupo reservado de contratación',
    });
    for (const url of [`/c/${community.slug}`, `/c/${community.slug}/members`, `/c/${community.slug}/settings`]) {
      expect((await get(url, p.colleague.cookie)).statusCode, url).toBe(404);
    }
    const join = await post(`/c/${community.slug}/join`, {}, p.colleague.cookie);
    expect(join.statusCode).toBe(404);
    for (const url of ['/communities', '/communities?q=reservado', '/communities/mine']) {
      expect((await get(url, p.colleague.cookie)).body).not.toContain('Grupo reservado');
    }
    // The site admin sees it, and that look is recorded.
    expect((await get(`/c/${community.slug}`, p.admin.cookie)).statusCode).toBe(200);
    expect(
      await t.db.auditEntry.count({
        where: { action: 'community.admin_view', targetId: community.id, actorId: p.admin.user.id },
      }),
    ).toBe(1);
  });
});

describe('belonging', () => {
  it('request, approve, read; approving twice changes nothing and says so', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PRIVATE',
    });
    const requested = await post(
      `/c/${community.slug}/request`,
      {},
      p.otherAdministration.cookie,
      `/c/${community.slug}`,
    );
    expect(requested.headers.location).toBe(`/c/${community.slug}?notice=community-requested`);
    const key = { communityId_userId: { communityId: community.id, userId: p.otherAdministration.user.id } };
    expect((await t.db.membership.findUniqueOrThrow({ where: key })).state).toBe('PENDING');

    const membersUrl = `/c/${community.slug}/members`;
    const approve = `/c/${community.slug}/members/${p.otherAdministration.user.id}/approve`;
    expect((await post(approve, {}, p.owner.cookie, membersUrl)).statusCode).toBe(303);
    expect((await t.db.membership.findUniqueOrThrow({ where: key })).state).toBe('ACTIVE');
    const again = await post(approve, {}, p.owner.cookie, membersUrl);
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('no corresponde al estado actual');

    const members = await get(membersUrl, p.otherAdministration.cookie);
    expect(members.statusCode).toBe(200);
    expect(members.body).toContain(p.owner.user.displayName);
    expect(await t.db.auditEntry.count({ where: { targetId: community.id, action: 'community.member_approve' } })).toBe(
      1,
    );
  });

  it('a member cannot moderate; a moderator cannot touch the owner', async () => {
    const p = await people();
    const community = await createCommunity(t.db, { organizationId: townHall.id, ownerId: p.owner.user.id });
    await addMembership(t.db, community.id, p.colleague.user.id);
    await addMembership(t.db, community.id, p.otherAdministration.user.id, 'PENDING');
    const membersUrl = `/c/${community.slug}/members`;
    const byMember = await post(
      `/c/${community.slug}/members/${p.otherAdministration.user.id}/approve`,
      {},
      p.colleague.cookie,
      membersUrl,
    );
    expect(byMember.statusCode).toBe(403);
    await t.db.membership.update({
      where: { communityId_userId: { communityId: community.id, userId: p.colleague.user.id } },
      data: { role: 'MODERATOR' },
    });
    const onOwner = await post(
      `/c/${community.slug}/members/${p.owner.user.id}/ban`,
      {},
      p.colleague.cookie,
      membersUrl,
    );
    expect(onOwner.statusCode).toBe(403);
  });

  it('invitations: only inside the audience, accepted only by the invitee; partners by invitation', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'SECRET',
    });
    const membersUrl = `/c/${community.slug}/members`;
    const outside = await post(
      `/c/${community.slug}/invitations`,
      { who: p.citizen.user.handle },
      p.owner.cookie,
      membersUrl,
    );
    expect(outside.statusCode).toBe(422);
    expect(fieldError(outside.body, 'who')).toContain('no puede pertenecer');
    expect(outside.body).toContain(`value="${p.citizen.user.handle}"`);
    const unknown = await post(
      `/c/${community.slug}/invitations`,
      { who: 'nadie-con-este-nombre' },
      p.owner.cookie,
      membersUrl,
    );
    expect(fieldError(unknown.body, 'who')).toContain('No hay ninguna cuenta');

    const invited = await post(
      `/c/${community.slug}/invitations`,
      { who: p.partner.user.email },
      p.owner.cookie,
      membersUrl,
    );
    expect(invited.statusCode).toBe(303);
    // By e-mail address the invitation is made after the answer (no account enumeration).
    await t.app.backgroundTasks.drain();
    // Someone else cannot accept it: for them the secret community does not exist.
    expect((await post(`/c/${community.slug}/accept`, {}, p.colleague.cookie)).statusCode).toBe(404);
    // The invitee sees it and accepts.
    const page = await get(`/c/${community.slug}`, p.partner.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Aceptar la invitación');
    expect((await post(`/c/${community.slug}/accept`, {}, p.partner.cookie, `/c/${community.slug}`)).statusCode).toBe(
      303,
    );
    const membership = await t.db.membership.findUniqueOrThrow({
      where: { communityId_userId: { communityId: community.id, userId: p.partner.user.id } },
    });
    expect(membership.state).toBe('ACTIVE');
  });

  it('a banned user cannot rejoin; unbanned, they can', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      visibility: 'PUBLIC',
    });
    await addMembership(t.db, community.id, p.colleague.user.id, 'BANNED');
    expect((await post(`/c/${community.slug}/join`, {}, p.colleague.cookie, `/c/${community.slug}`)).statusCode).toBe(
      403,
    );
    const membersUrl = `/c/${community.slug}/members`;
    await post(`/c/${community.slug}/members/${p.colleague.user.id}/unban`, {}, p.owner.cookie, membersUrl);
    expect((await post(`/c/${community.slug}/join`, {}, p.colleague.cookie, `/c/${community.slug}`)).statusCode).toBe(
      303,
    );
  });

  it('the last owner cannot leave; after transferring ownership they can', async () => {
    const p = await people();
    const community = await createCommunity(t.db, { organizationId: townHall.id, ownerId: p.owner.user.id });
    const stay = await post(`/c/${community.slug}/leave`, {}, p.owner.cookie, `/c/${community.slug}`);
    expect(stay.headers.location).toBe(`/c/${community.slug}?notice=community-last-owner`);
    await addMembership(t.db, community.id, p.colleague.user.id);
    const membersUrl = `/c/${community.slug}/members`;
    expect(
      (await post(`/c/${community.slug}/members/${p.colleague.user.id}/transfer`, {}, p.owner.cookie, membersUrl))
        .statusCode,
    ).toBe(303);
    const roles = await t.db.membership.findMany({
      where: { communityId: community.id },
      select: { userId: true, role: true },
    });
    expect(roles).toEqual(
      expect.arrayContaining([
        { userId: p.colleague.user.id, role: 'OWNER' },
        { userId: p.owner.user.id, role: 'MODERATOR' },
      ]),
    );
    expect(
      (await post(`/c/${community.slug}/leave`, {}, p.owner.cookie, `/c/${community.slug}`)).headers.location,
    ).toBe('/communities/mine?notice=community-left');
  });

  it('an archived community is read-only', async () => {
    const p = await people();
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: p.owner.user.id,
      archived: true,
    });
    expect((await get(`/c/${community.slug}`, p.colleague.cookie)).statusCode).toBe(200);
    expect((await post(`/c/${community.slug}/join`, {}, p.colleague.cookie, `/c/${community.slug}`)).statusCode).toBe(
      403,
    );
  });

  it('owners change the settings; others may not', async () => {
    const p = await people();
    const community = await createCommunity(t.db, { organizationId: townHall.id, ownerId: p.owner.user.id });
    await addMembership(t.db, community.id, p.colleague.user.id);
    const settingsUrl = `/c/${community.slug}/settings`;
    expect((await get(settingsUrl, p.colleague.cookie)).statusCode).toBe(403);
    const bad = await post(
      settingsUrl,
      { name: '', visibility: 'PUBLIC', welcomedTags: 'PERSONAL' },
      p.owner.cookie,
      settingsUrl,
    );
    expect(bad.statusCode).toBe(422);
    const saved = await post(
      settingsUrl,
      {
        name: 'Nombre nuevo',
        description: 'Otra',
        rules: '',
        visibility: 'PRIVATE',
        welcomedTags: 'PERSONAL',
        archived: 'on',
      },
      p.owner.cookie,
      settingsUrl,
    );
    expect(saved.statusCode).toBe(303);
    const after = await t.db.community.findUniqueOrThrow({ where: { id: community.id } });
    expect(after).toMatchObject({ name: 'Nombre nuevo', visibility: 'PRIVATE', welcomedTags: ['PERSONAL'] });
    expect(after.archivedAt).not.toBeNull();
    expect(await t.db.auditEntry.count({ where: { targetId: community.id, action: 'community.settings' } })).toBe(1);
  });
});
