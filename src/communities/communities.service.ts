import { randomBytes } from 'node:crypto';
import { isVerifiedEmployee, provenOrganizationId, shownOrganization } from '../access/affiliation.js';
import {
  type Audience,
  type CommunityAction,
  type CommunityActor,
  type CommunityFacts,
  can,
  communityPermissions,
  decide,
  type MembershipFacts,
  refusalStatus,
} from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { MembershipRole, MembershipState, PostTag } from '../generated/prisma/enums.js';
import type { MessageKey } from '../i18n/i18n.js';
import type { BackgroundTasks } from '../jobs/background-tasks.js';
import { renderMarkdown } from '../markdown/markdown.js';
import { RESUBMISSION_WINDOW_MS } from '../threads/post-changes.js';
import { SECRET_SLUG_PATTERN } from './communities.schemas.js';
import { communityAccessWhere, countingMemberWhere } from './community-access-where.js';

export const COMMUNITIES_PER_PAGE = 24;

export interface CommunityInput {
  readonly name: string;
  readonly slug: string;
  readonly description: string;
  readonly rules: string;
  readonly audience: Audience;
  readonly visibility: 'PUBLIC' | 'PRIVATE' | 'SECRET';
  readonly welcomedTags: readonly PostTag[];
}

export type CommunitySettingsInput = Omit<CommunityInput, 'slug' | 'audience'> & { readonly archived: boolean };

export type MemberAction = 'approve' | 'deny' | 'remove' | 'ban' | 'unban' | 'promote' | 'demote' | 'transfer';

const COMMUNITY_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  rules: true,
  rulesHtml: true,
  audience: true,
  visibility: true,
  welcomedTags: true,
  archivedAt: true,
  ownerOrganizationId: true,
  ownerOrganization: { select: { name: true } },
} as const;

type CommunityRow = Prisma.CommunityGetPayload<{ select: typeof COMMUNITY_SELECT }>;

/** The viewer as the access rules see them; null when signed out. */
export function actorOf(viewer: Viewer | null): CommunityActor | null {
  if (!viewer) return null;
  return {
    id: viewer.id,
    kind: viewer.kind,
    role: viewer.role,
    status: 'ACTIVE', // a suspended account has no session
    organizationId: viewer.organizationId,
    organizationIsAdministration: viewer.organizationIsAdministration,
    emailVerified: viewer.emailVerified,
  };
}

export function factsOf(
  community: Pick<CommunityRow, 'ownerOrganizationId' | 'audience' | 'visibility' | 'archivedAt'>,
): CommunityFacts {
  return {
    ownerOrganizationId: community.ownerOrganizationId,
    audience: community.audience,
    visibility: community.visibility,
    archived: community.archivedAt !== null,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** A new address for a SECRET community: "s-" and 12 random hex digits (SECRET_SLUG_PATTERN, 48 bits). */
export function randomSecretSlug(): string {
  return `s-${randomBytes(6).toString('hex')}`;
}

export function createCommunitiesService({
  db,
  audit,
  tasks,
}: {
  db: Db;
  audit: AuditLog;
  /** Where an invitation by e-mail address is made, after the answer (see `invite`). */
  tasks: BackgroundTasks;
}) {
  async function ownerCount(communityId: string): Promise<number> {
    return db.membership.count({ where: { communityId, role: 'OWNER', state: 'ACTIVE' } });
  }

  /**
   * The community at `slug` as the viewer may know it, with their membership and permissions;
   * NotFound when it does not exist for them (unknown, secret, outside the audience). With a `context`,
   * a site admin let in only by their site role is recorded as looking (at the context's path).
   */
  async function open(slug: string, viewer: Viewer | null, context: AuditContext | null = null) {
    const community = await db.community.findUnique({ where: { slug }, select: COMMUNITY_SELECT });
    if (!community) throw new NotFound('No such community');
    const membership: MembershipFacts | null = viewer
      ? await db.membership.findUnique({
          where: { communityId_userId: { communityId: community.id, userId: viewer.id } },
          select: { role: true, state: true },
        })
      : null;
    const actor = actorOf(viewer);
    const facts = factsOf(community);
    const owners = membership?.role === 'OWNER' ? await ownerCount(community.id) : 1;
    const permissions = communityPermissions(actor, facts, membership, { ownerCount: owners });
    if (!permissions.see) {
      if (refusalStatus(actor, facts, membership) === 404) throw new NotFound('No such community');
      throw new Forbidden('Not allowed');
    }
    // A site admin looking where only their site role lets them in is on the record.
    if (context && decide(actor, 'read', facts, membership).reason === 'site-admin') {
      await audit.record(context, {
        action: 'community.admin_view',
        outcome: 'SUCCESS',
        target: { type: 'community', id: community.id },
        details: { path: context.path ?? '' },
      });
    }
    return { community, membership, permissions, actor };
  }

  type Opened = Awaited<ReturnType<typeof open>>;

  function require(opened: Opened, action: CommunityAction): void {
    if (!opened.permissions[action]) throw new Forbidden(`Not allowed to ${action}`);
  }

  /** Invites one account when it can be invited; otherwise says why (a message key), changing nothing. */
  async function inviteAccount(
    opened: Opened,
    viewer: Viewer,
    target: { email: string } | { handle: string },
    context: AuditContext,
  ): Promise<MessageKey | null> {
    const byEmail = 'email' in target;
    const user = await db.user.findFirst({
      where: { ...target, status: 'ACTIVE' },
      select: {
        id: true,
        kind: true,
        role: true,
        organizationId: true,
        emailVerifiedAt: true,
        organization: { select: { kind: true } },
        memberships: { where: { communityId: opened.community.id }, select: { role: true, state: true } },
      },
    });
    if (!user) return 'communities.invite.unknown';
    const existing = user.memberships[0] ?? null;
    if (existing?.state === 'ACTIVE') return 'communities.invite.alreadyMember';
    if (existing?.state === 'INVITED') return 'communities.invite.alreadyInvited';
    if (existing?.state === 'BANNED') return 'communities.invite.banned';
    const invitee: CommunityActor = {
      id: user.id,
      kind: user.kind,
      role: user.role,
      status: 'ACTIVE',
      organizationId: user.organizationId,
      organizationIsAdministration: user.organization !== null && user.organization.kind !== 'PARTNER',
      emailVerified: user.emailVerifiedAt !== null,
    };
    // Would they be able to accept? If not, they are outside the audience.
    if (!can(invitee, 'accept-invitation', factsOf(opened.community), { role: 'MEMBER', state: 'INVITED' })) {
      return 'communities.invite.outsideAudience';
    }
    // By e-mail address, a pending request stays as it is: turning it into an invitation would show the
    // moderator whose address it was (the request is theirs to approve anyway).
    if (byEmail && existing?.state === 'PENDING') return 'communities.invite.alreadyAsked';
    await db.membership.upsert({
      where: { communityId_userId: { communityId: opened.community.id, userId: user.id } },
      create: {
        communityId: opened.community.id,
        userId: user.id,
        state: 'INVITED',
        invitedById: viewer.id,
        invitedByEmail: byEmail,
      },
      // A pending request becomes an invitation: the moderator has said yes.
      update: { state: 'INVITED', invitedById: viewer.id, role: 'MEMBER', invitedByEmail: false },
    });
    await record(context, 'community.invite', opened.community.id, { userId: user.id });
    return null;
  }

  async function record(
    context: AuditContext,
    action: string,
    communityId: string,
    details: Prisma.InputJsonObject = {},
    tx: Prisma.TransactionClient | Db = db,
  ) {
    await audit.record(
      context,
      { action, outcome: 'SUCCESS', target: { type: 'community', id: communityId }, details },
      tx,
    );
  }

  /** Whether an action that sets a membership state finds that state already there (a repeated form). */
  function alreadyThere(opened: Opened, action: 'join' | 'request' | 'accept-invitation'): boolean {
    const { reason } = decide(opened.actor, action, factsOf(opened.community), opened.membership);
    return reason === 'already-member' || (action === 'request' && reason === 'already-requested');
  }

  /** Joining (ACTIVE at once) or asking to (PENDING), as the access rules allow. */
  async function enter(
    opened: Opened,
    viewer: Viewer,
    action: 'join' | 'request',
    state: 'ACTIVE' | 'PENDING',
    context: AuditContext,
  ): Promise<void> {
    // Joining twice (a double click, a second tab) is joining once: the wanted state is already there.
    if (alreadyThere(opened, action)) return;
    require(opened, action);
    await db.membership.upsert({
      where: { communityId_userId: { communityId: opened.community.id, userId: viewer.id } },
      create: { communityId: opened.community.id, userId: viewer.id, state },
      update: { state, role: 'MEMBER' },
    });
    await record(context, `community.${action}`, opened.community.id);
  }

  return {
    open,

    /** The directory: what the viewer may see, matching the search, a page at a time (all in SQL). */
    async listDirectory(viewer: Viewer | null, query: { q?: string; audience?: Audience; page: number }) {
      const q = query.q?.trim();
      const where: Prisma.CommunityWhereInput = {
        AND: [
          // The access rules decide, as a condition of the query: the same rules as every page.
          communityAccessWhere(actorOf(viewer), 'see'),
          query.audience ? { audience: query.audience } : {},
          q
            ? {
                OR: [
                  { name: { contains: q, mode: 'insensitive' } },
                  { description: { contains: q, mode: 'insensitive' } },
                ],
              }
            : {},
        ],
      };
      const [total, rows] = await Promise.all([
        db.community.count({ where }),
        db.community.findMany({
          where,
          select: {
            ...COMMUNITY_SELECT,
            memberships: viewer ? { where: { userId: viewer.id }, select: { role: true, state: true } } : false,
          },
          orderBy: [{ name: 'asc' }, { id: 'asc' }],
          skip: (query.page - 1) * COMMUNITIES_PER_PAGE,
          take: COMMUNITIES_PER_PAGE,
        }),
      ]);
      // Who belongs is part of reading a community (a private one shows non-members its name and
      // description only), so only communities the viewer may read show how many members they have,
      // counted as their page counts them: those whose membership counts. One query for the page.
      const actor = actorOf(viewer);
      const membershipOf = (row: (typeof rows)[number]) =>
        (row.memberships as MembershipFacts[] | undefined)?.[0] ?? null;
      const readable = rows.filter((row) => can(actor, 'read', factsOf(row), membershipOf(row)));
      const counts =
        readable.length === 0
          ? []
          : await db.membership.groupBy({
              by: ['communityId'],
              where: {
                state: 'ACTIVE',
                OR: readable.map((row) => ({ communityId: row.id, user: countingMemberWhere(row) })),
              },
              _count: { _all: true },
            });
      const readableIds = new Set(readable.map((row) => row.id));
      const memberCount = new Map(counts.map((row) => [row.communityId, row._count._all]));
      return {
        total,
        communities: rows.map((row) => ({
          slug: row.slug,
          name: row.name,
          description: row.description,
          audience: row.audience,
          visibility: row.visibility,
          archived: row.archivedAt !== null,
          organization: row.ownerOrganization.name,
          members: readableIds.has(row.id) ? (memberCount.get(row.id) ?? 0) : null,
          membership: membershipOf(row),
        })),
      };
    },

    /**
     * The viewer's communities: where they belong, asked to join, or are invited, as far as the access
     * rules still let them see it. A membership outside the audience (the person moved to another
     * administration, or their address is now a citizen's) or a request to a community since made secret
     * shows nothing: not the community, not its current name.
     */
    async listMine(viewer: Viewer) {
      const memberships = await db.membership.findMany({
        where: {
          userId: viewer.id,
          state: { in: ['ACTIVE', 'PENDING', 'INVITED'] },
          community: communityAccessWhere(actorOf(viewer), 'see'),
        },
        select: {
          role: true,
          state: true,
          community: {
            select: { slug: true, name: true, description: true, audience: true, visibility: true, archivedAt: true },
          },
        },
        orderBy: { community: { name: 'asc' } },
      });
      return memberships.map((membership) => ({
        ...membership.community,
        archived: membership.community.archivedAt !== null,
        role: membership.role,
        state: membership.state,
      }));
    },

    /** Which audiences the viewer may create; empty when they may not create communities at all. */
    async creatableAudiences(viewer: Viewer): Promise<Audience[]> {
      // Only proven employees of an administration: an unverified sign-up is nobody's employee (affiliation.ts).
      if (!isVerifiedEmployee(viewer) || !viewer.organizationIsAdministration) return [];
      const settings = await db.siteSettings.findUnique({
        where: { id: 1 },
        select: { employeesCreateInteradministrative: true, employeesCreateOpen: true },
      });
      const audiences: Audience[] = ['INTERNAL'];
      if (settings?.employeesCreateInteradministrative ?? true) audiences.push('INTERADMINISTRATIVE');
      if (settings?.employeesCreateOpen ?? false) audiences.push('OPEN');
      return audiences;
    },

    /** Creates a community of the viewer's organization; the creator is its owner. */
    async create(viewer: Viewer, input: CommunityInput, context: AuditContext): Promise<string> {
      const allowed = await this.creatableAudiences(viewer);
      if (allowed.length === 0) throw new Forbidden('Only employees of an administration create communities');
      if (!allowed.includes(input.audience)) throw new Invalid({ audience: 'communities.form.audienceNotAllowed' });
      const organizationId = provenOrganizationId(viewer);
      if (!organizationId) throw new Forbidden('No organization');
      // A SECRET community's address is Ágora's choice (SECRET_SLUG_PATTERN), random: nothing about it
      // can be worked out from its name, its creator or an address it had before.
      const secret = input.visibility === 'SECRET';
      const slug = secret ? randomSecretSlug() : input.slug;
      try {
        return await db.$transaction(async (tx) => {
          if (secret) {
            // A random address never collides with itself: a form sent twice is found under a lock per creator.
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`community-create:${viewer.id}`}, 0))`;
            const earlier = await tx.community.findFirst({
              where: {
                visibility: 'SECRET',
                name: input.name,
                createdById: viewer.id,
                createdAt: { gte: new Date(Date.now() - RESUBMISSION_WINDOW_MS) },
              },
              select: { slug: true },
            });
            if (earlier) return earlier.slug;
          }
          const community = await tx.community.create({
            data: {
              slug,
              name: input.name,
              description: input.description,
              rules: input.rules,
              rulesHtml: renderMarkdown(input.rules),
              audience: input.audience,
              visibility: input.visibility,
              welcomedTags: [...input.welcomedTags],
              ownerOrganizationId: organizationId,
              createdById: viewer.id,
              memberships: { create: { userId: viewer.id, role: 'OWNER', state: 'ACTIVE' } },
            },
            select: { id: true, slug: true },
          });
          await record(
            context,
            'community.create',
            community.id,
            { audience: input.audience, visibility: input.visibility },
            tx,
          );
          return community.slug;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same form sent twice (a double click, a resent request) created it a moment ago: that one
        // is the answer, not an error about its own address.
        const earlier = await db.community.findFirst({
          where: {
            slug,
            name: input.name,
            createdById: viewer.id,
            createdAt: { gte: new Date(Date.now() - RESUBMISSION_WINDOW_MS) },
          },
          select: { slug: true },
        });
        if (earlier) return earlier.slug;
        throw new Invalid({ slug: 'communities.form.slugTaken' });
      }
    },

    /** Saves the settings; the community's address afterwards (a community made SECRET gets a random one). */
    async updateSettings(opened: Opened, input: CommunitySettingsInput, context: AuditContext): Promise<string> {
      require(opened, 'manage');
      const { community } = opened;
      // Its old address was known to people who may no longer know it exists.
      const slug =
        input.visibility === 'SECRET' && !SECRET_SLUG_PATTERN.test(community.slug)
          ? randomSecretSlug()
          : community.slug;
      const changed = (['name', 'description', 'rules', 'visibility'] as const).filter(
        (field) => input[field] !== community[field],
      );
      const tagsChanged =
        input.welcomedTags.length !== community.welcomedTags.length ||
        input.welcomedTags.some((tag) => !community.welcomedTags.includes(tag));
      const archivedChanged = input.archived !== (community.archivedAt !== null);
      // Saved without a change: nothing is written or recorded.
      if (changed.length === 0 && !tagsChanged && !archivedChanged) return slug;
      await db.$transaction(async (tx) => {
        await tx.community.update({
          where: { id: community.id },
          data: {
            slug,
            name: input.name,
            description: input.description,
            rules: input.rules,
            rulesHtml: renderMarkdown(input.rules),
            visibility: input.visibility,
            welcomedTags: [...input.welcomedTags],
            archivedAt: input.archived ? (community.archivedAt ?? new Date()) : null,
          },
        });
        await record(
          context,
          'community.settings',
          community.id,
          {
            changed: [
              ...changed,
              ...(tagsChanged ? ['welcomedTags'] : []),
              ...(slug !== community.slug ? ['slug'] : []),
            ],
            archived: input.archived,
          },
          tx,
        );
      });
      return slug;
    },

    /** For the community page: its owners and moderators, and how many members it has. */
    async summarizeMembers(opened: Opened) {
      require(opened, 'read');
      const communityId = opened.community.id;
      const user = countingMemberWhere(opened.community);
      const [moderators, memberCount] = await Promise.all([
        db.membership.findMany({
          where: { communityId, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] }, user },
          select: { role: true, user: { select: { handle: true, displayName: true, status: true } } },
          orderBy: [{ role: 'asc' }, { user: { displayName: 'asc' } }],
        }),
        db.membership.count({ where: { communityId, state: 'ACTIVE', user } }),
      ]);
      return { moderators, memberCount };
    },

    /** Members and, for moderators, requests, invitations and bans. */
    async listMembers(opened: Opened) {
      require(opened, 'read');
      const moderator = opened.permissions.moderate;
      const states: MembershipState[] = moderator ? ['ACTIVE', 'PENDING', 'INVITED', 'BANNED'] : ['ACTIVE'];
      const rows = await db.membership.findMany({
        where: {
          communityId: opened.community.id,
          state: { in: states },
          // Active members are those whose membership counts; requests, invitations and bans are listed
          // for moderators as they are, but for invitations by e-mail address: listing those would tell
          // which addresses have an account (they show once accepted).
          OR: [
            { state: { in: ['PENDING', 'BANNED'] } },
            { state: 'INVITED', invitedByEmail: false },
            { state: 'ACTIVE', user: countingMemberWhere(opened.community) },
          ],
        },
        select: {
          role: true,
          state: true,
          createdAt: true,
          user: {
            select: {
              id: true,
              handle: true,
              displayName: true,
              emailVerifiedAt: true,
              status: true,
              organization: { select: { name: true } },
            },
          },
        },
        orderBy: [{ role: 'asc' }, { user: { displayName: 'asc' } }],
      });
      // Beside a name, an organization is shown only once the address proved it (affiliation.ts).
      const shown = rows.map(({ user: { emailVerifiedAt, ...user }, ...row }) => ({
        ...row,
        user: { ...user, organization: shownOrganization({ emailVerifiedAt, organization: user.organization }) },
      }));
      const of = (state: MembershipState) => shown.filter((row) => row.state === state);
      return { members: of('ACTIVE'), pending: of('PENDING'), invited: of('INVITED'), banned: of('BANNED') };
    },

    async join(opened: Opened, viewer: Viewer, context: AuditContext): Promise<void> {
      await enter(opened, viewer, 'join', 'ACTIVE', context);
    },

    async requestToJoin(opened: Opened, viewer: Viewer, context: AuditContext): Promise<void> {
      await enter(opened, viewer, 'request', 'PENDING', context);
    },

    async acceptInvitation(opened: Opened, viewer: Viewer, context: AuditContext): Promise<void> {
      if (alreadyThere(opened, 'accept-invitation')) return;
      require(opened, 'accept-invitation');
      const { count } = await db.membership.updateMany({
        where: { communityId: opened.community.id, userId: viewer.id, state: 'INVITED' },
        data: { state: 'ACTIVE' },
      });
      if (count === 1) await record(context, 'community.invitation_accept', opened.community.id);
    },

    async declineInvitation(opened: Opened, viewer: Viewer, context: AuditContext): Promise<void> {
      const { count } = await db.membership.deleteMany({
        where: { communityId: opened.community.id, userId: viewer.id, state: 'INVITED' },
      });
      if (count === 1) await record(context, 'community.invitation_decline', opened.community.id);
    },

    async leave(opened: Opened, viewer: Viewer, context: AuditContext): Promise<void> {
      // Leaving twice is leaving once: nothing left to leave is what was asked for.
      if (opened.membership === null) return;
      if (!opened.permissions.leave) {
        if (opened.membership?.role === 'OWNER') throw new Invalid({ leave: 'communities.members.lastOwner' });
        throw new Forbidden('Not a member');
      }
      const { count } = await db.membership.deleteMany({
        where: { communityId: opened.community.id, userId: viewer.id, state: { in: ['ACTIVE', 'PENDING'] } },
      });
      if (count > 0) await record(context, 'community.leave', opened.community.id);
    },

    /**
     * Invites an account by handle or e-mail; it must be inside the audience and not banned there.
     *
     * Decision: by handle (public, on every profile and post) a refusal says why, beside the field. By
     * e-mail address nothing is said about the address: whether it has an account, is already a member,
     * banned or outside the audience, the answer is `'email'` at once and the invitation, when there can
     * be one, is made in the background (issue 9: no account enumeration by message or by time).
     */
    async invite(opened: Opened, viewer: Viewer, who: string, context: AuditContext): Promise<'handle' | 'email'> {
      require(opened, 'invite');
      // "@ana" is a handle written as in a mention; "ana@ayto.example" an address.
      if (who.indexOf('@') > 0) {
        tasks.afterResponse(context, 'community-invite', async () => {
          const refusal = await inviteAccount(opened, viewer, { email: who }, context);
          if (refusal) {
            await audit.record(context, {
              action: 'community.invite',
              outcome: 'FAILURE',
              target: { type: 'community', id: opened.community.id },
              details: { reason: refusal.slice('communities.invite.'.length) },
            });
          }
        });
        return 'email';
      }
      const refusal = await inviteAccount(opened, viewer, { handle: who.replace(/^@/, '') }, context);
      if (refusal) throw new Invalid({ who: refusal });
      return 'handle';
    },

    /** A moderator's or owner's action on someone's membership. */
    async actOnMember(
      opened: Opened,
      viewer: Viewer,
      userId: string,
      action: MemberAction,
      context: AuditContext,
    ): Promise<void> {
      const managing = action === 'promote' || action === 'demote' || action === 'transfer';
      require(opened, managing ? 'manage' : 'moderate');
      const communityId = opened.community.id;
      const key = { communityId_userId: { communityId, userId } };
      const target = await db.membership.findUnique({ where: key, select: { role: true, state: true } });
      if (!target) throw new NotFound('No such member');
      if (userId === viewer.id && action !== 'transfer')
        throw new Invalid({ member: 'communities.members.notYourself' });
      // Moderators act on members; only owners act on moderators and owners.
      if (target.role !== 'MEMBER' && !opened.permissions.manage) throw new Forbidden('Only owners act on moderators');
      if (target.role === 'OWNER' && action !== 'transfer')
        throw new Invalid({ member: 'communities.members.ownerProtected' });

      const expect = (states: MembershipState[], roles: MembershipRole[] = ['OWNER', 'MODERATOR', 'MEMBER']) => {
        if (!states.includes(target.state) || !roles.includes(target.role)) {
          throw new Invalid({ member: 'communities.members.notApplicable' });
        }
      };
      await db.$transaction(async (tx) => {
        switch (action) {
          case 'approve':
            expect(['PENDING']);
            await tx.membership.update({ where: key, data: { state: 'ACTIVE' } });
            break;
          case 'deny':
            expect(['PENDING']);
            await tx.membership.delete({ where: key });
            break;
          case 'remove':
            expect(['ACTIVE', 'INVITED']);
            await tx.membership.delete({ where: key });
            break;
          case 'ban':
            expect(['ACTIVE', 'PENDING', 'INVITED']);
            await tx.membership.update({ where: key, data: { state: 'BANNED', role: 'MEMBER' } });
            break;
          case 'unban':
            expect(['BANNED']);
            await tx.membership.delete({ where: key });
            break;
          case 'promote':
            expect(['ACTIVE'], ['MEMBER']);
            await tx.membership.update({ where: key, data: { role: 'MODERATOR' } });
            break;
          case 'demote':
            expect(['ACTIVE'], ['MODERATOR']);
            await tx.membership.update({ where: key, data: { role: 'MEMBER' } });
            break;
          case 'transfer':
            // Ownership passes from an owner to someone else, who stays in the community.
            if (opened.membership?.role !== 'OWNER') throw new Forbidden('Only an owner transfers ownership');
            if (userId === viewer.id) throw new Invalid({ member: 'communities.members.notYourself' });
            expect(['ACTIVE'], ['MEMBER', 'MODERATOR']);
            await tx.membership.update({ where: key, data: { role: 'OWNER' } });
            await tx.membership.update({
              where: { communityId_userId: { communityId, userId: viewer.id } },
              data: { role: 'MODERATOR' },
            });
            break;
        }
        await record(context, `community.member_${action}`, communityId, { userId }, tx);
      });
    },
  };
}

export type CommunitiesService = ReturnType<typeof createCommunitiesService>;
export type OpenedCommunity = Awaited<ReturnType<CommunitiesService['open']>>;
