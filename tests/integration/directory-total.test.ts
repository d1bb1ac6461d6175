import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';

// The directory's total (ADR 025: kept groups plus the viewer's memberships) against the rows its pages list,
// read over HTTP as each kind of person, for every ?audience= with and without words, before and after owners and admins change
// communities through the settings page (made secret or public, archived) and after moves and deletions.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});
const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

async function walk(cookie: string | undefined, audience = '', q = '') {
  const search = q ? `&q=${encodeURIComponent(q)}` : '';
  const first = await get(`/communities?audience=${audience}${search}`, cookie);
  expect(first.statusCode).toBe(200);
  const total = Number(/<p role="status">[^<\d]*(\d+)/.exec(first.body)?.[1] ?? 'NaN');
  const slugs: string[] = [];
  for (let page = 1; page < 100; page++) {
    const r = await get(`/communities?audience=${audience}${search}&page=${page}`, cookie);
    expect(r.statusCode).toBe(200);
    const found = [...r.body.matchAll(/<h2><a href="\/c\/([^"]+)"/g)].map((m) => m[1] as string);
    if (slugs.includes(found[0] ?? '')) break;
    slugs.push(...found);
    if (found.length < 24) break;
  }
  return { total, slugs };
}

it('the total equals the rows walked, for everyone, after changes through the flows', async () => {
  const a = await createOrganization(t.db, { kind: 'MUNICIPALITY' });
  const b = await createOrganization(t.db, { kind: 'PROVINCE' });
  const p = await createOrganization(t.db, { kind: 'PARTNER' });
  const owner = await createUser(t.db, { organizationId: a.id });
  const people = {
    owner,
    colleague: await createUser(t.db, { organizationId: a.id }),
    other: await createUser(t.db, { organizationId: b.id }),
    partner: await createUser(t.db, { kind: 'PARTNER', organizationId: p.id }),
    unverifiedPartner: await createUser(t.db, { kind: 'PARTNER', organizationId: p.id, verified: false }),
    citizen: await createUser(t.db, { kind: 'CITIZEN' }),
    suspended: await createUser(t.db, { organizationId: a.id }),
    admin: await createUser(t.db, { role: 'ADMIN', organizationId: b.id }),
  };
  const made = [];
  let i = 0;
  for (const audience of ['INTERNAL', 'INTERADMINISTRATIVE', 'OPEN'] as const)
    for (const visibility of ['PUBLIC', 'PRIVATE', 'SECRET'] as const)
      for (let k = 0; k < 4; k++)
        made.push(
          await createCommunity(t.db, {
            organizationId: k % 2 ? a.id : b.id,
            ownerId: owner.id,
            audience,
            visibility,
            archived: k === 3,
            name: `Sonda ${String(i++).padStart(2, '0')}`,
          }),
        );
  const states = ['ACTIVE', 'PENDING', 'INVITED', 'BANNED'] as const;
  for (const [n, who] of [
    people.colleague,
    people.other,
    people.partner,
    people.unverifiedPartner,
    people.citizen,
    people.suspended,
  ].entries())
    for (const [j, c] of made.entries())
      if ((j + n) % 3 === 0) await addMembership(t.db, c.id, who.id, states[(j + n) % 4]);
  const cookies: Record<string, string | undefined> = { signedOut: undefined };
  for (const [name, user] of Object.entries(people)) cookies[name] = await signInAs(t.app, user.email);
  await t.db.user.update({ where: { id: people.suspended.id }, data: { status: 'SUSPENDED' } });

  const check = async (label: string) => {
    // With words the total counts the matches row by row, the viewer's memberships as a correction.
    for (const [name, cookie] of Object.entries(cookies))
      for (const audience of ['', 'OPEN', 'INTERNAL', 'INTERADMINISTRATIVE', 'garbage'])
        for (const q of ['', 'sonda 2']) {
          const { total, slugs } = await walk(cookie, audience, q);
          expect(new Set(slugs).size, `${label} dupes ${name} ${audience} ${q}`).toBe(slugs.length);
          expect(total, `${label} total ${name} ${audience} ${q}`).toBe(slugs.length);
          if (q) expect(slugs.length < 36 || name === 'admin', `${label} ${name} ${q} narrows`).toBe(true);
        }
  };
  await check('initial');
  // The owner makes public ones secret, secret ones public, archives through the settings page.
  for (const c of made.slice(0, 24)) {
    const fresh = await t.db.community.findUniqueOrThrow({ where: { id: c.id } });
    const r = await submitForm(
      t.app,
      `/c/${fresh.slug}/settings`,
      {
        name: fresh.name,
        description: fresh.description,
        rules: '',
        visibility: fresh.visibility === 'SECRET' ? 'PUBLIC' : 'SECRET',
        welcomedTags: 'PROFESSIONAL',
        ...(fresh.archivedAt ? {} : { archived: 'on' }),
      },
      {
        cookie: (c.ownerOrganizationId === a.id ? cookies.owner : cookies.admin) as string,
        formUrl: `/c/${fresh.slug}/settings`,
      },
    );
    // INTERNAL communities of the other administration are the admin's to change; the owner's are the owner's.
    expect(r.statusCode, `${fresh.audience} ${fresh.visibility}`).toBe(303);
  }
  expect(await t.db.community.count({ where: { id: { in: made.map((c) => c.id) }, visibility: 'SECRET' } })).toBe(20);
  await check('after settings');
  // No page moves a community to another organization: moved and deleted in the database.
  await t.db.community.updateMany({
    where: { id: { in: made.slice(12, 20).map((c) => c.id) } },
    data: { ownerOrganizationId: a.id },
  });
  await t.db.community.deleteMany({ where: { id: { in: made.slice(30, 33).map((c) => c.id) } } });
  await check('after moves');
  const huge = await get(`/communities?page=${'9'.repeat(40)}`, cookies.colleague);
  expect(huge.statusCode).toBe(200);
});
