import type { CommunityActor, CommunityFacts } from '../access/communities.js';
import { Prisma } from '../generated/prisma/client.js';
import type { MembershipState } from '../generated/prisma/enums.js';

// The access rules of src/access/communities.ts for 'see' and 'read', written as a query condition, so a
// list (the directory, "my communities", topic pages, the home page…) filters, orders and limits in SQL
// and shows exactly what the pages would show: never less than the viewer may read because rows were
// dropped after a LIMIT, never more. tests/integration/community-access-where.test.ts checks it against
// can() for every audience × visibility × membership state × kind of person.
//
// It mirrors decide():
// - signed out (or suspended): OPEN and PUBLIC only; a site admin: everything;
// - inside the audience (a membership counts only there): INTERNAL, verified employees of the owner
//   organization; INTERADMINISTRATIVE, verified employees of an administration, and verified partners
//   invited or active there; OPEN, everyone;
// - then 'read': PUBLIC (even when banned) or an active membership; 'see' adds PRIVATE unless banned,
//   and any community one is invited to.

export function communityAccessWhere(actor: CommunityActor | null, action: 'see' | 'read'): Prisma.CommunityWhereInput {
  if (actor === null || actor.status !== 'ACTIVE') return { audience: 'OPEN', visibility: 'PUBLIC' };
  if (actor.role === 'ADMIN') return {};
  const holds = (states: MembershipState[]): Prisma.CommunityWhereInput => ({
    memberships: { some: { userId: actor.id, state: { in: states } } },
  });

  const audience: Prisma.CommunityWhereInput[] = [{ audience: 'OPEN' }];
  if (actor.emailVerified && actor.kind === 'EMPLOYEE' && actor.organizationId !== null) {
    audience.push({ audience: 'INTERNAL', ownerOrganizationId: actor.organizationId });
    if (actor.organizationIsAdministration) audience.push({ audience: 'INTERADMINISTRATIVE' });
  }
  if (actor.emailVerified && actor.kind === 'PARTNER') {
    audience.push({ audience: 'INTERADMINISTRATIVE', ...holds(['INVITED', 'ACTIVE']) });
  }

  const looking: Prisma.CommunityWhereInput[] = [{ visibility: 'PUBLIC' }, holds(['ACTIVE'])];
  if (action === 'see') looking.push({ visibility: 'PRIVATE', NOT: holds(['BANNED']) }, holds(['INVITED']));

  return { AND: [{ OR: audience }, { OR: looking }] };
}

/**
 * communityAccessWhere written in SQL: a condition on a communities row aliased `alias` (an identifier
 * written by our code, never by a person), for raw queries — search, the feed, the rankings, the bell —
 * so they decide access per candidate row, in the same statement, instead of carrying every readable
 * community's id (920 of 2,000 at the bench's large size). tests/integration/community-access-where.test.ts
 * checks it finds exactly what communityAccessWhere (and so can()) finds, for every actor of its matrix.
 *
 * `membershipAlias`: when the query already joins the actor's own membership of the community (LEFT JOIN
 * memberships <alias> ON community_id = c.id AND user_id = actor; at most one row, the primary key), the
 * condition reads its state instead of running an EXISTS per membership state: fewer subqueries to plan,
 * for statements that run on every page (the header counts). Membership states are our own enum's names,
 * written into the SQL as literals.
 */
export function communityAccessSql(
  actor: CommunityActor | null,
  action: 'see' | 'read',
  alias = 'c',
  membershipAlias: string | null = null,
): Prisma.Sql {
  for (const name of [alias, membershipAlias ?? 'm']) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an SQL alias: ${name}`);
  }
  const c = Prisma.raw(alias);
  if (actor === null || actor.status !== 'ACTIVE')
    return Prisma.sql`(${c}.audience = 'OPEN' AND ${c}.visibility = 'PUBLIC')`;
  if (actor.role === 'ADMIN') return Prisma.sql`TRUE`;
  const joined = membershipAlias === null ? null : Prisma.raw(membershipAlias);
  const list = (states: MembershipState[]) => Prisma.raw(states.map((state) => `'${state}'`).join(', '));
  const holds = (states: MembershipState[]) =>
    joined
      ? Prisma.sql`(${joined}.state IS NOT NULL AND ${joined}.state::text IN (${list(states)}))`
      : Prisma.sql`EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = ${c}.id AND m.user_id = ${actor.id}::uuid
                       AND m.state::text IN (${list(states)}))`;
  const audience: Prisma.Sql[] = [Prisma.sql`${c}.audience = 'OPEN'`];
  if (actor.emailVerified && actor.kind === 'EMPLOYEE' && actor.organizationId !== null) {
    audience.push(
      Prisma.sql`(${c}.audience = 'INTERNAL' AND ${c}.owner_organization_id = ${actor.organizationId}::uuid)`,
    );
    if (actor.organizationIsAdministration) audience.push(Prisma.sql`${c}.audience = 'INTERADMINISTRATIVE'`);
  }
  if (actor.emailVerified && actor.kind === 'PARTNER') {
    audience.push(Prisma.sql`(${c}.audience = 'INTERADMINISTRATIVE' AND ${holds(['INVITED', 'ACTIVE'])})`);
  }
  const looking: Prisma.Sql[] = [Prisma.sql`${c}.visibility = 'PUBLIC'`, holds(['ACTIVE'])];
  if (action === 'see') {
    looking.push(Prisma.sql`(${c}.visibility = 'PRIVATE' AND NOT ${holds(['BANNED'])})`, holds(['INVITED']));
  }
  return Prisma.sql`((${Prisma.join(audience, ' OR ')}) AND (${Prisma.join(looking, ' OR ')}))`;
}

/**
 * The people whose active membership of this community counts (decide() answers 'member' for them): in
 * its audience, or a verified partner of an inter-administrative one, and not suspended. Member lists and
 * counts show only them: someone who left the audience keeps a row that gives them nothing, and is not
 * shown as a member either.
 */
export function countingMemberWhere(
  community: Pick<CommunityFacts, 'audience' | 'ownerOrganizationId'>,
): Prisma.UserWhereInput {
  const verified: Prisma.UserWhereInput = { status: 'ACTIVE', emailVerifiedAt: { not: null } };
  switch (community.audience) {
    case 'OPEN':
      return { status: 'ACTIVE' };
    case 'INTERNAL':
      return { ...verified, kind: 'EMPLOYEE', organizationId: community.ownerOrganizationId };
    case 'INTERADMINISTRATIVE':
      return {
        ...verified,
        OR: [{ kind: 'EMPLOYEE', organization: { kind: { not: 'PARTNER' } } }, { kind: 'PARTNER' }],
      };
  }
}

/**
 * The people who may read this community now: communityAccessWhere(actor, 'read') seen from the other
 * side, as a condition on users, so a fan-out (notifications, digests) picks its recipients in SQL.
 * Suspended accounts read nothing; site admins read everything. `community.id` names the community whose
 * memberships count.
 */
export function communityReadersWhere(
  community: Pick<CommunityFacts, 'audience' | 'visibility' | 'ownerOrganizationId'> & { readonly id: string },
): Prisma.UserWhereInput {
  const holds = (states: MembershipState[]): Prisma.UserWhereInput => ({
    memberships: { some: { communityId: community.id, state: { in: states } } },
  });
  const verified: Prisma.UserWhereInput = { emailVerifiedAt: { not: null } };
  // Empty conditions are left out rather than written `{}`: inside OR, Prisma reads `{}` as "nothing".
  let audience: Prisma.UserWhereInput | null;
  switch (community.audience) {
    case 'OPEN':
      audience = null;
      break;
    case 'INTERNAL':
      audience = { ...verified, kind: 'EMPLOYEE', organizationId: community.ownerOrganizationId };
      break;
    case 'INTERADMINISTRATIVE':
      audience = {
        ...verified,
        OR: [
          { kind: 'EMPLOYEE', organization: { kind: { not: 'PARTNER' } } },
          { kind: 'PARTNER', ...holds(['INVITED', 'ACTIVE']) },
        ],
      };
      break;
  }
  const looking = community.visibility === 'PUBLIC' ? null : holds(['ACTIVE']);
  const conditions = [audience, looking].filter((condition) => condition !== null);
  if (conditions.length === 0) return { status: 'ACTIVE' };
  return { status: 'ACTIVE', OR: [{ role: 'ADMIN' }, { AND: conditions }] };
}

/**
 * communityReadersWhere written in SQL, a condition on the users table aliased `u`, for queries Prisma's
 * where cannot write (matching on agora_fold()): the people who may read this community now. Suspended
 * accounts read nothing; site admins read everything. tests/integration/community-access-where.test.ts
 * checks that it finds exactly whom communityReadersWhere finds, for every community of its matrix.
 */
export function communityReadersSql(
  community: Pick<CommunityFacts, 'audience' | 'visibility' | 'ownerOrganizationId'> & { readonly id: string },
): Prisma.Sql {
  const holds = (states: MembershipState[]) =>
    Prisma.sql`EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = ${community.id}::uuid AND m.user_id = u.id
                       AND m.state::text IN (${Prisma.join(states)}))`;
  const verified = Prisma.sql`u.email_verified_at IS NOT NULL`;
  const conditions: Prisma.Sql[] = [];
  switch (community.audience) {
    case 'OPEN':
      break;
    case 'INTERNAL':
      conditions.push(
        Prisma.sql`(${verified} AND u.kind = 'EMPLOYEE' AND u.organization_id = ${community.ownerOrganizationId}::uuid)`,
      );
      break;
    case 'INTERADMINISTRATIVE':
      conditions.push(Prisma.sql`(${verified} AND (
        (u.kind = 'EMPLOYEE' AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = u.organization_id AND o.kind <> 'PARTNER'))
        OR (u.kind = 'PARTNER' AND ${holds(['INVITED', 'ACTIVE'])})))`);
      break;
  }
  if (community.visibility !== 'PUBLIC') conditions.push(holds(['ACTIVE']));
  if (conditions.length === 0) return Prisma.sql`u.status = 'ACTIVE'`;
  return Prisma.sql`(u.status = 'ACTIVE' AND (u.role = 'ADMIN' OR (${Prisma.join(conditions, ' AND ')})))`;
}

/**
 * How many members count (countingMemberWhere) in each of these communities: a Map from community id to
 * count (absent: 0), read by key from community_member_counts, which triggers keep on every change that
 * decides whether a membership counts (migration community_member_counts, ADR 022). Counting on each view
 * joined every membership to its account and hashed all accounts (15 ms a directory page at 10,000
 * people); tests/integration/community-member-counts.test.ts checks the kept counts against
 * countingMemberWhere after each kind of change.
 */
export async function countCountingMembers(
  db: { $queryRaw<T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Prisma.PrismaPromise<T> },
  communityIds: readonly string[],
): Promise<Map<string, number>> {
  if (communityIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ communityId: string; members: number }[]>`
    SELECT k.community_id::text AS "communityId", k.members
      FROM community_member_counts k
     WHERE k.community_id IN (${Prisma.join(communityIds.map((id) => Prisma.sql`${id}::uuid`))})`;
  return new Map(rows.map((row) => [row.communityId, Number(row.members)]));
}
