import { actorFromUserRow, type CommunityActor, can, decide } from '../access/communities.js';
import { organizationBesideName } from '../access/profile-access.js';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { MembershipRole, MembershipState } from '../generated/prisma/enums.js';
import type { MessageKey } from '../i18n/i18n.js';
import type { BackgroundTasks } from '../jobs/background-tasks.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import { matchingPeople } from '../search/people.service.js';
import { countCountingMembers, countingMemberWhere } from './community-access-where.js';
import { factsOf, type OpenedCommunity, requirePermission } from './opened-community.js';

// Who belongs to a community: its members as its page and member list show them, joining, asking to,
// invitations and leaving, and what moderators and owners do to a membership. Joining, asking and
// leaving find the state they want already there when a form is sent again, and change and record
// nothing; a moderator's action sent again is refused with a message (docs/decisions/007).

export type MemberAction = 'approve' | 'deny' | 'remove' | 'ban' | 'unban' | 'promote' | 'demote' | 'transfer';

export function createCommunityMembers({
  db,
  audit,
  events,
  tasks,
}: {
  db: Db;
  audit: AuditLog;
  /** Requests to join and invitations are told to the people concerned (see notification-fanout.ts). */
  events: Pick<NotificationEvents, 'joinRequested' | 'invited'>;
  /** Where an invitation by e-mail address is made, after the answer (see `invite`). */
  tasks: BackgroundTasks;
}) {
  /** Invites one account when it can be invited; otherwise says why (a message key), changing nothing. */
  async function inviteAccount(
    opened: OpenedCommunity,
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
    // Only active accounts were looked up.
    const invitee: CommunityActor = actorFromUserRow({ ...user, status: 'ACTIVE' });
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
    await events.invited(opened.community.id, user.id, viewer.id);
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

  /** The moderators' notifications of someone's request to join go once the request is decided or withdrawn. */
  async function settleJoinRequest(tx: Prisma.TransactionClient | Db, communityId: string, userId: string) {
    await tx.notification.deleteMany({ where: { kind: 'JOIN_REQUEST', communityId, actorId: userId } });
  }

  /** An invitation accepted, declined or withdrawn is no longer news for the invited. */
  async function settleInvitation(tx: Prisma.TransactionClient | Db, communityId: string, userId: string) {
    await tx.notification.deleteMany({ where: { kind: 'INVITATION', communityId, recipientId: userId } });
  }

  /** Whether an action that sets a membership state finds that state already there (a repeated form). */
  function alreadyThere(opened: OpenedCommunity, action: 'join' | 'request' | 'accept-invitation'): boolean {
    const { reason } = decide(opened.actor, action, factsOf(opened.community), opened.membership);
    return reason === 'already-member' || (action === 'request' && reason === 'already-requested');
  }

  /** Joining (ACTIVE at once) or asking to (PENDING), as the access rules allow. */
  async function enter(
    opened: OpenedCommunity,
    viewer: Viewer,
    action: 'join' | 'request',
    state: 'ACTIVE' | 'PENDING',
    context: AuditContext,
  ): Promise<void> {
    // Joining twice (a double click, a second tab) is joining once: the wanted state is already there.
    if (alreadyThere(opened, action)) return;
    requirePermission(opened, action);
    await db.membership.upsert({
      where: { communityId_userId: { communityId: opened.community.id, userId: viewer.id } },
      create: { communityId: opened.community.id, userId: viewer.id, state },
      update: { state, role: 'MEMBER' },
    });
    await record(context, `community.${action}`, opened.community.id);
    if (state === 'PENDING') await events.joinRequested(opened.community.id, viewer.id);
  }

  return {
    /** For the community page: its owners and moderators, and how many members it has. */
    async summarizeMembers(opened: OpenedCommunity) {
      requirePermission(opened, 'read');
      const communityId = opened.community.id;
      const user = countingMemberWhere(opened.community);
      const [moderators, memberCount] = await Promise.all([
        db.membership.findMany({
          where: { communityId, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] }, user },
          select: { role: true, user: { select: { handle: true, displayName: true, status: true } } },
          orderBy: [{ role: 'asc' }, { user: { displayName: 'asc' } }],
        }),
        // Kept on write by triggers (countCountingMembers): the same count as the directory's.
        countCountingMembers(db, [communityId]).then((counts) => counts.get(communityId) ?? 0),
      ]);
      return { moderators, memberCount };
    },

    /** Members and, for moderators, requests, invitations and bans. */
    /**
     * The community's people as the members page lists them; `q` keeps the active members whose visible
     * fields hold its words (folded: "lucia" finds "Lucía"; src/search/people.service.ts matchingPeople).
     */
    async listMembers(opened: OpenedCommunity, viewer: Viewer | null = null, q = '') {
      requirePermission(opened, 'read');
      const matching = await matchingPeople(
        db,
        viewer,
        q,
        Prisma.sql`SELECT user_id FROM memberships WHERE community_id = ${opened.community.id}::uuid`,
      );
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
            {
              state: 'ACTIVE',
              user: countingMemberWhere(opened.community),
              ...(matching === null ? {} : { userId: { in: matching } }),
            },
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
              kind: true,
              publicFields: true,
              organization: { select: { name: true } },
            },
          },
        },
        orderBy: [{ role: 'asc' }, { user: { displayName: 'asc' } }],
      });
      // Beside a name, an organization is shown as the person's profile would show it to the viewer, and
      // only once the address proved it (access/profile-access.ts organizationBesideName).
      const shown = rows.map(({ user: { emailVerifiedAt, publicFields, kind, ...user }, ...row }) => ({
        ...row,
        user: {
          ...user,
          organization: organizationBesideName(
            viewer,
            { ...user, kind, publicFields, emailVerifiedAt },
            user.organization,
          ),
        },
      }));
      const of = (state: MembershipState) => shown.filter((row) => row.state === state);
      return { members: of('ACTIVE'), pending: of('PENDING'), invited: of('INVITED'), banned: of('BANNED') };
    },

    async join(opened: OpenedCommunity, viewer: Viewer, context: AuditContext): Promise<void> {
      await enter(opened, viewer, 'join', 'ACTIVE', context);
    },

    async requestToJoin(opened: OpenedCommunity, viewer: Viewer, context: AuditContext): Promise<void> {
      await enter(opened, viewer, 'request', 'PENDING', context);
    },

    async acceptInvitation(opened: OpenedCommunity, viewer: Viewer, context: AuditContext): Promise<void> {
      if (alreadyThere(opened, 'accept-invitation')) return;
      requirePermission(opened, 'accept-invitation');
      const { count } = await db.membership.updateMany({
        where: { communityId: opened.community.id, userId: viewer.id, state: 'INVITED' },
        data: { state: 'ACTIVE' },
      });
      if (count === 1) await record(context, 'community.invitation_accept', opened.community.id);
      await settleInvitation(db, opened.community.id, viewer.id);
    },

    async declineInvitation(opened: OpenedCommunity, viewer: Viewer, context: AuditContext): Promise<void> {
      const { count } = await db.membership.deleteMany({
        where: { communityId: opened.community.id, userId: viewer.id, state: 'INVITED' },
      });
      if (count === 1) await record(context, 'community.invitation_decline', opened.community.id);
      await settleInvitation(db, opened.community.id, viewer.id);
    },

    async leave(opened: OpenedCommunity, viewer: Viewer, context: AuditContext): Promise<void> {
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
      // A request withdrawn asks nothing of the moderators any more.
      if (opened.membership.state === 'PENDING') await settleJoinRequest(db, opened.community.id, viewer.id);
    },

    /**
     * Invites an account by handle or e-mail; it must be inside the audience and not banned there.
     *
     * Decision: by handle (public, on every profile and post) a refusal says why, beside the field. By
     * e-mail address nothing is said about the address: whether it has an account, is already a member,
     * banned or outside the audience, the answer is `'email'` at once and the invitation, when there can
     * be one, is made in the background (issue 9: no account enumeration by message or by time).
     */
    async invite(
      opened: OpenedCommunity,
      viewer: Viewer,
      who: string,
      context: AuditContext,
    ): Promise<'handle' | 'email'> {
      requirePermission(opened, 'invite');
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
      opened: OpenedCommunity,
      viewer: Viewer,
      userId: string,
      action: MemberAction,
      context: AuditContext,
    ): Promise<void> {
      const managing = action === 'promote' || action === 'demote' || action === 'transfer';
      requirePermission(opened, managing ? 'manage' : 'moderate');
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
        // A request decided (approved, denied, or ended by a ban) no longer asks anything of the moderators.
        if (target.state === 'PENDING') await settleJoinRequest(tx, communityId, userId);
        if (target.state === 'INVITED') await settleInvitation(tx, communityId, userId);
      });
    },
  };
}
