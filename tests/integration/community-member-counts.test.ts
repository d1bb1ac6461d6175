import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCountingMembers, countingMemberWhere } from '../../src/communities/community-access-where.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';

// The member counts the directory and the community page show are kept by triggers
// (migration community_member_counts). After every kind of change that decides whether a membership
// counts, the kept count must equal the definition: the active members countingMemberWhere finds.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

/** Every community's kept count beside the count by definition. */
async function keptAndCounted(): Promise<{ id: string; kept: number; counted: number }[]> {
  const communities = await t.db.community.findMany({
    select: { id: true, audience: true, ownerOrganizationId: true },
  });
  const kept = await countCountingMembers(
    t.db,
    communities.map((c) => c.id),
  );
  return Promise.all(
    communities.map(async (c) => ({
      id: c.id,
      kept: kept.get(c.id) ?? 0,
      counted: await t.db.membership.count({
        where: { communityId: c.id, state: 'ACTIVE', user: countingMemberWhere(c) },
      }),
    })),
  );
}

async function expectKeptEqualsCounted(step: string) {
  for (const row of await keptAndCounted()) expect(row.kept, `${step}: ${row.id}`).toBe(row.counted);
}

async function kept(communityId: string): Promise<number> {
  return (await countCountingMembers(t.db, [communityId])).get(communityId) ?? 0;
}

describe('community member counts kept on write', () => {
  it('follows memberships, people, organizations and communities as they change', async () => {
    const townHall = await createOrganization(t.db, { kind: 'MUNICIPALITY' });
    const province = await createOrganization(t.db, { kind: 'PROVINCE' });
    const partnerFirm = await createOrganization(t.db, { kind: 'PARTNER' });
    const owner = await createUser(t.db, { organizationId: townHall.id });
    const colleague = await createUser(t.db, { organizationId: townHall.id });
    const neighbour = await createUser(t.db, { organizationId: province.id });
    const partner = await createUser(t.db, { kind: 'PARTNER', organizationId: partnerFirm.id });
    const citizen = await createUser(t.db, { kind: 'CITIZEN', organizationId: null, verified: false });
    const internal = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERNAL',
    });
    const shared = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PRIVATE',
    });
    const open = await createCommunity(t.db, { organizationId: province.id, ownerId: neighbour.id, audience: 'OPEN' });
    await expectKeptEqualsCounted('created');
    expect(await kept(internal.id)).toBe(1);

    // Joining, asking, being invited and banned: only active memberships count.
    for (const person of [colleague, neighbour, partner, citizen]) {
      await addMembership(t.db, internal.id, person.id);
      await addMembership(t.db, shared.id, person.id, person === citizen ? 'PENDING' : 'ACTIVE');
    }
    await addMembership(t.db, open.id, citizen.id);
    await addMembership(t.db, open.id, partner.id, 'INVITED');
    await expectKeptEqualsCounted('joined');
    // The internal community counts its own employees only; the shared one, employees and partners.
    expect(await kept(internal.id)).toBe(2);
    expect(await kept(shared.id)).toBe(4);
    expect(await kept(open.id)).toBe(2);

    // Several rows in one statement.
    await t.db.membership.updateMany({
      where: { communityId: shared.id, state: 'ACTIVE', role: 'MEMBER' },
      data: { state: 'BANNED' },
    });
    await expectKeptEqualsCounted('banned in bulk');
    expect(await kept(shared.id)).toBe(1);
    await t.db.membership.updateMany({ where: { communityId: shared.id, state: 'BANNED' }, data: { state: 'ACTIVE' } });
    // A role changes nothing that counts.
    await t.db.membership.update({
      where: { communityId_userId: { communityId: shared.id, userId: colleague.id } },
      data: { role: 'MODERATOR' },
    });
    await expectKeptEqualsCounted('unbanned, promoted');

    // The person changes: suspended, moved to another administration, address no longer verified.
    await t.db.user.update({ where: { id: colleague.id }, data: { status: 'SUSPENDED' } });
    await expectKeptEqualsCounted('suspended');
    expect(await kept(internal.id)).toBe(1);
    await t.db.user.update({ where: { id: colleague.id }, data: { status: 'ACTIVE', organizationId: province.id } });
    await expectKeptEqualsCounted('moved');
    // Active again, but now in another administration: the town hall's internal community has its owner.
    expect(await kept(internal.id)).toBe(1);
    await t.db.user.update({ where: { id: neighbour.id }, data: { emailVerifiedAt: null } });
    await expectKeptEqualsCounted('unverified');
    await t.db.user.update({ where: { id: partner.id }, data: { kind: 'CITIZEN' } });
    await expectKeptEqualsCounted('partner became a citizen');

    // Their organization turns out to be a partner firm, not an administration.
    await t.db.organization.update({ where: { id: province.id }, data: { kind: 'PARTNER' } });
    await expectKeptEqualsCounted('organization kind');

    // The community opens to everyone, or changes hands.
    await t.db.community.update({ where: { id: internal.id }, data: { audience: 'OPEN' } });
    await expectKeptEqualsCounted('audience');
    await t.db.community.update({
      where: { id: shared.id },
      data: { ownerOrganizationId: province.id, audience: 'INTERNAL' },
    });
    await expectKeptEqualsCounted('owner organization');

    // Leaving, people deleted, communities deleted.
    await t.db.membership.delete({ where: { communityId_userId: { communityId: open.id, userId: citizen.id } } });
    await expectKeptEqualsCounted('left');
    await t.db.user.delete({ where: { id: citizen.id } });
    await expectKeptEqualsCounted('person deleted');
    await t.db.community.delete({ where: { id: open.id } });
    await expectKeptEqualsCounted('community deleted');
    expect(await t.db.communityMemberCount.count({ where: { communityId: open.id } })).toBe(0);
  });

  it('counts both of two people who join at the same moment', async () => {
    const townHall = await createOrganization(t.db);
    const owner = await createUser(t.db, { organizationId: townHall.id });
    const community = await createCommunity(t.db, { organizationId: townHall.id, ownerId: owner.id, audience: 'OPEN' });
    const people = await Promise.all(
      Array.from({ length: 6 }, () => createUser(t.db, { organizationId: townHall.id })),
    );
    // Each joins in a transaction of its own that waits a moment after its insert, so the recounts overlap.
    await Promise.all(
      people.map((person) =>
        t.db.$transaction(async (tx) => {
          await tx.membership.create({ data: { communityId: community.id, userId: person.id, state: 'ACTIVE' } });
          await tx.$executeRaw`SELECT pg_sleep(0.05)`;
        }),
      ),
    );
    expect(await kept(community.id)).toBe(7);
    await expectKeptEqualsCounted('concurrent joins');
  });

  it('is what the directory and the community page show after someone joins through the page', async () => {
    const townHall = await createOrganization(t.db);
    const owner = await createUser(t.db, { organizationId: townHall.id });
    const joiner = await createUser(t.db, { organizationId: townHall.id });
    const community = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERNAL',
      name: 'Padrón y estadística contada',
    });
    const cookie = await signInAs(t.app, joiner.email);
    const join = await submitForm(t.app, `/c/${community.slug}/join`, {}, { cookie, formUrl: `/c/${community.slug}` });
    expect(join.statusCode).toBe(303);
    const directory = await t.app.inject({ url: '/communities?q=padron+contada', headers: { cookie } });
    expect(directory.body).toContain('2 miembros');
    const after = await t.app.inject({ url: `/c/${community.slug}`, headers: { cookie } });
    expect(after.body).toContain('Miembros (2)');
  });
});
