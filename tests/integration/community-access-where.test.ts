import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Audience,
  type CommunityActor,
  can,
  decide,
  type MembershipState,
  type Visibility,
} from '../../src/access/communities.js';
import type { Viewer } from '../../src/accounts/auth.js';
import { createCommunitiesService } from '../../src/communities/communities.service.js';
import {
  communityAccessSql,
  communityAccessWhere,
  communityReadersSql,
  communityReadersWhere,
  countCountingMembers,
  countingMemberWhere,
} from '../../src/communities/community-access-where.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';

// The SQL condition every list uses must answer exactly as can() does: every audience × visibility ×
// membership state × kind of person, signed out included. A difference here is a list that leaks or hides.

let t: TestApp;

const AUDIENCES: Audience[] = ['INTERNAL', 'INTERADMINISTRATIVE', 'OPEN'];
const VISIBILITIES: Visibility[] = ['PUBLIC', 'PRIVATE', 'SECRET'];
const STATES: (MembershipState | null)[] = [null, 'ACTIVE', 'PENDING', 'INVITED', 'BANNED'];

interface MatrixCommunity {
  id: string;
  audience: Audience;
  visibility: Visibility;
  ownerOrganizationId: string;
  state: MembershipState | null;
}

const communities: MatrixCommunity[] = [];
const actors: { name: string; actor: CommunityActor | null }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  const townHall = await createOrganization(t.db, { kind: 'MUNICIPALITY' });
  const province = await createOrganization(t.db, { kind: 'PROVINCE' });
  const partnerBody = await createOrganization(t.db, { kind: 'PARTNER' });
  const owner = await createUser(t.db, { organizationId: townHall.id });

  const people: [string, Parameters<typeof createUser>[1], boolean][] = [
    ['employee of the owner organization', { organizationId: townHall.id }, true],
    ['unverified employee of the owner organization', { organizationId: townHall.id, verified: false }, true],
    ['employee of another administration', { organizationId: province.id }, true],
    ['partner', { organizationId: partnerBody.id, kind: 'PARTNER' }, false],
    ['unverified partner', { organizationId: partnerBody.id, kind: 'PARTNER', verified: false }, false],
    ['citizen', { kind: 'CITIZEN', organizationId: null }, false],
    ['citizen site admin', { kind: 'CITIZEN', organizationId: null, role: 'ADMIN' }, false],
  ];
  const users = [];
  for (const [name, options, administration] of people) {
    const user = await createUser(t.db, options);
    users.push(user);
    actors.push({
      name,
      actor: {
        id: user.id,
        kind: user.kind,
        role: user.role,
        status: 'ACTIVE',
        organizationId: user.organizationId,
        organizationIsAdministration: administration,
        emailVerified: user.emailVerifiedAt !== null,
      },
    });
  }
  actors.push({ name: 'signed-out visitor', actor: null });

  for (const audience of AUDIENCES) {
    for (const visibility of VISIBILITIES) {
      for (const state of STATES) {
        const c = await createCommunity(t.db, { organizationId: townHall.id, ownerId: owner.id, audience, visibility });
        communities.push({ id: c.id, audience, visibility, ownerOrganizationId: townHall.id, state });
        if (state) for (const user of users) await addMembership(t.db, c.id, user.id, state);
      }
    }
  }
});
afterAll(async () => {
  await t.close();
});

describe('communityAccessWhere', () => {
  it.each(['see', 'read'] as const)('finds exactly the communities can(%s) allows, for everyone', async (action) => {
    for (const { name, actor } of actors) {
      const expected = communities
        .filter((c) =>
          can(
            actor,
            action,
            {
              ownerOrganizationId: c.ownerOrganizationId,
              audience: c.audience,
              visibility: c.visibility,
              archived: false,
            },
            c.state ? { role: 'MEMBER', state: c.state } : null,
          ),
        )
        .map((c) => c.id)
        .sort();
      const rows = await t.db.community.findMany({
        where: { AND: [{ id: { in: communities.map((c) => c.id) } }, communityAccessWhere(actor, action)] },
        select: { id: true },
      });
      expect(rows.map((row) => row.id).sort(), `${action} as ${name}`).toEqual(expected);
    }
  });
});

describe('communityAccessSql', () => {
  it.each(['see', 'read'] as const)(
    'finds in SQL exactly what communityAccessWhere(%s) finds, for everyone',
    async (action) => {
      const ids = communities.map((c) => c.id);
      for (const { name, actor } of actors) {
        const expected = await t.db.community.findMany({
          where: { AND: [{ id: { in: ids } }, communityAccessWhere(actor, action)] },
          select: { id: true },
        });
        const rows = await t.db.$queryRaw<{ id: string }[]>`
        SELECT k.id FROM communities k WHERE k.id = ANY(${ids}::uuid[]) AND ${communityAccessSql(actor, action, 'k')}`;
        expect(rows.map((row) => row.id).sort(), `${action} as ${name}`).toEqual(expected.map((row) => row.id).sort());
        // The same, reading the actor's own membership from a join (the header counts' form).
        const joined = await t.db.$queryRaw<{ id: string }[]>`
          SELECT k.id FROM communities k
            LEFT JOIN memberships mine
              ON mine.community_id = k.id AND mine.user_id = ${actor?.id ?? '00000000-0000-4000-8000-000000000000'}::uuid
           WHERE k.id = ANY(${ids}::uuid[]) AND ${communityAccessSql(actor, action, 'k', 'mine')}`;
        expect(joined.map((row) => row.id).sort(), `${action} as ${name}, joined`).toEqual(
          expected.map((row) => row.id).sort(),
        );
      }
      // Also a suspended person (nothing but open public) and a site admin (everything).
      const suspended = actors.find((entry) => entry.actor?.kind === 'EMPLOYEE')?.actor;
      if (!suspended) throw new Error('the matrix has employees');
      const none = await t.db.$queryRaw<{ id: string }[]>`
      SELECT k.id FROM communities k WHERE k.id = ANY(${ids}::uuid[])
        AND ${communityAccessSql({ ...suspended, status: 'SUSPENDED' }, action, 'k')}`;
      expect(none.length).toBe(communities.filter((c) => c.audience === 'OPEN' && c.visibility === 'PUBLIC').length);
      const all = await t.db.$queryRaw<{ id: string }[]>`
      SELECT k.id FROM communities k WHERE k.id = ANY(${ids}::uuid[])
        AND ${communityAccessSql({ ...suspended, role: 'ADMIN' }, action, 'k')}`;
      expect(all.length).toBe(ids.length);
    },
  );

  it('refuses an alias that is not a plain identifier', () => {
    expect(() => communityAccessSql(null, 'read', 'c; DROP TABLE users')).toThrow(/alias/);
  });
});

describe('the directory (/communities)', () => {
  it('lists, page by page, exactly the communities can(see) allows, for everyone', async () => {
    // listDirectory reads only the database; the other dependencies are for other methods.
    const service = createCommunitiesService({ db: t.db } as unknown as Parameters<typeof createCommunitiesService>[0]);
    const matrix = new Map(communities.map((c) => [c.id, c]));
    const slugs = await t.db.community.findMany({ select: { id: true, slug: true, audience: true } });
    const idOf = new Map(slugs.map((row) => [row.slug, row.id]));
    const audienceOf = new Map(slugs.map((row) => [row.id, row.audience]));
    for (const { name, actor } of actors) {
      const viewer: Viewer | null = actor && {
        ...actor,
        handle: 'x',
        displayName: 'x',
        email: 'x@example.org',
        locale: null,
        timeZone: 'Europe/Madrid',
        emailVerified: actor.emailVerified,
        sessionId: 'x',
      };
      const expected = communities
        .filter((c) =>
          can(
            actor,
            'see',
            {
              ownerOrganizationId: c.ownerOrganizationId,
              audience: c.audience,
              visibility: c.visibility,
              archived: false,
            },
            c.state ? { role: 'MEMBER', state: c.state } : null,
          ),
        )
        .map((c) => c.id)
        .sort();
      const listed: string[] = [];
      let total = 0;
      // Every page the directory has (a page past the end would be its last page again).
      for (let page = 1, pages = 1; page <= pages; page++) {
        const result = await service.listDirectory(viewer, { page });
        pages = result.pages;
        expect(result.page).toBe(page);
        total = result.total;
        listed.push(...result.communities.map((c) => idOf.get(c.slug) ?? c.slug));
        // A member count only where the viewer may read (who belongs is part of reading).
        for (const c of result.communities) {
          const row = matrix.get(idOf.get(c.slug) ?? '');
          if (!row) continue;
          const reads = can(
            actor,
            'read',
            {
              ownerOrganizationId: row.ownerOrganizationId,
              audience: row.audience,
              visibility: row.visibility,
              archived: false,
            },
            row.state ? { role: 'MEMBER', state: row.state } : null,
          );
          expect(c.members === null, `member count of ${row.audience}/${row.visibility}/${row.state} as ${name}`).toBe(
            !reads,
          );
        }
      }
      const fromMatrix = listed.filter((id) => matrix.has(id)).sort();
      expect(fromMatrix, `directory as ${name}`).toEqual(expected);
      expect(new Set(listed).size, `no community twice as ${name}`).toBe(listed.length);
      // The total is summed from counts kept per audience × visibility × owner and the viewer's memberships
      // (ADR 025): the very number of rows the pages list, of every audience and of each.
      expect(total, `total as ${name}`).toBe(listed.length);
      for (const audience of ['OPEN', 'INTERNAL', 'INTERADMINISTRATIVE'] as const) {
        const ofAudience = listed.filter((id) => audienceOf.get(id) === audience).length;
        expect((await service.listDirectory(viewer, { page: 1, audience })).total, `${audience} as ${name}`).toBe(
          ofAudience,
        );
      }
    }
  });

  it('keeps the counts per audience × visibility × owner through every change to communities', async () => {
    const kept = async () =>
      (
        await t.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (
          SELECT audience, visibility, owner_organization_id, count(*)::int AS communities FROM communities GROUP BY 1, 2, 3
          EXCEPT SELECT audience, visibility, owner_organization_id, communities FROM community_directory_groups
          UNION ALL
          (SELECT audience, visibility, owner_organization_id, communities FROM community_directory_groups WHERE communities > 0
           EXCEPT SELECT audience, visibility, owner_organization_id, count(*)::int FROM communities GROUP BY 1, 2, 3)) d`
      )[0]?.n;
    expect(await kept()).toBe(0);
    const org = await createOrganization(t.db);
    const owner = await createUser(t.db, { organizationId: org.id });
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        createCommunity(t.db, {
          organizationId: org.id,
          ownerId: owner.id,
          audience: 'INTERNAL',
          visibility: i % 2 ? 'SECRET' : 'PRIVATE',
        }),
      ),
    );
    expect(await kept()).toBe(0);
    await t.db.community.updateMany({ where: { id: { in: made.map((c) => c.id) } }, data: { visibility: 'PUBLIC' } });
    expect(await kept()).toBe(0);
    await t.db.community.update({ where: { id: made[0]?.id ?? '' }, data: { audience: 'OPEN', name: 'Otra' } });
    expect(await kept()).toBe(0);
    await t.db.community.deleteMany({ where: { id: { in: made.slice(1).map((c) => c.id) } } });
    expect(await kept()).toBe(0);
  });
});

describe('countingMemberWhere', () => {
  it('finds exactly the active members whose membership decide() counts ("member")', async () => {
    const people = actors.filter((entry) => entry.actor !== null);
    for (const c of communities.filter((entry) => entry.state === 'ACTIVE')) {
      const facts = {
        ownerOrganizationId: c.ownerOrganizationId,
        audience: c.audience,
        visibility: c.visibility,
        archived: false,
      };
      const expected = people
        .filter(({ actor }) => decide(actor, 'read', facts, { role: 'MEMBER', state: 'ACTIVE' }).reason === 'member')
        .map(({ actor }) => actor?.id ?? '')
        .sort();
      const rows = await t.db.membership.findMany({
        where: {
          communityId: c.id,
          state: 'ACTIVE',
          userId: { in: people.map(({ actor }) => actor?.id ?? '') },
          user: countingMemberWhere(facts),
        },
        select: { userId: true },
      });
      expect(rows.map((row) => row.userId).sort(), `${c.audience} ${c.visibility}`).toEqual(expected);
    }
  });
});

describe('countCountingMembers (the directory’s member counts, in SQL)', () => {
  it('counts, for every community of the matrix at once, the members countingMemberWhere finds', async () => {
    const counts = await countCountingMembers(
      t.db,
      communities.map((c) => c.id),
    );
    for (const c of communities) {
      const facts = { ownerOrganizationId: c.ownerOrganizationId, audience: c.audience };
      const expected = await t.db.membership.count({
        where: { communityId: c.id, state: 'ACTIVE', user: countingMemberWhere(facts) },
      });
      expect(counts.get(c.id) ?? 0, `${c.audience} ${c.visibility} ${c.state}`).toBe(expected);
    }
    expect([...counts.values()].some((count) => count > 1)).toBe(true);
  });
});

describe('communityReadersWhere', () => {
  it('finds exactly the people can(read) allows, for every community of the matrix', async () => {
    const people = actors.filter((entry) => entry.actor !== null);
    for (const c of communities) {
      const facts = { ownerOrganizationId: c.ownerOrganizationId, audience: c.audience, visibility: c.visibility };
      const expected = people
        .filter(({ actor }) =>
          can(actor, 'read', { ...facts, archived: false }, c.state ? { role: 'MEMBER', state: c.state } : null),
        )
        .map(({ actor }) => actor?.id ?? '')
        .sort();
      const rows = await t.db.user.findMany({
        where: {
          AND: [
            { id: { in: people.map(({ actor }) => actor?.id ?? '') } },
            communityReadersWhere({ id: c.id, ...facts }),
          ],
        },
        select: { id: true },
      });
      expect(rows.map((row) => row.id).sort(), `${c.audience} ${c.visibility} ${c.state}`).toEqual(expected);
    }
  });

  it('is written the same in SQL (communityReadersSql, for the mention suggestions)', async () => {
    const ids = actors.flatMap(({ actor }) => (actor ? [actor.id] : []));
    for (const c of communities) {
      const facts = {
        id: c.id,
        ownerOrganizationId: c.ownerOrganizationId,
        audience: c.audience,
        visibility: c.visibility,
      };
      const byWhere = await t.db.user.findMany({
        where: { AND: [{ id: { in: ids } }, communityReadersWhere(facts)] },
        select: { id: true },
      });
      const bySql = await t.db.$queryRaw<{ id: string }[]>`
        SELECT u.id FROM users u
        WHERE u.id IN (${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))}) AND ${communityReadersSql(facts)}`;
      expect(bySql.map((row) => row.id).sort(), `${c.audience} ${c.visibility} ${c.state}`).toEqual(
        byWhere.map((row) => row.id).sort(),
      );
    }
  });
});
