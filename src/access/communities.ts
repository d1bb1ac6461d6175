// Who may do what with a community: the one place that decides it. Pure: plain data in, plain answers
// (with a stable reason code) out. Routes call it for every decision, templates get its booleans, and
// tests/unit/community-access.test.ts checks it as a full matrix.
//
// The rules are design.md's "Audience × visibility" and issue 4's. Where those are silent, the answer
// chosen here is written beside the code as "Decision:".

import { isVerifiedAffiliate, isVerifiedEmployee } from './affiliation.js';

export type Audience = 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN';
export type Visibility = 'PUBLIC' | 'PRIVATE' | 'SECRET';
export type MembershipRole = 'OWNER' | 'MODERATOR' | 'MEMBER';
export type MembershipState = 'ACTIVE' | 'PENDING' | 'INVITED' | 'BANNED';

export const COMMUNITY_ACTIONS = [
  'see', // know it exists: listings, search, the about page (name, description)
  'read', // read its threads and members
  'join', // become a member at once (public communities)
  'request', // ask to join (private communities)
  'accept-invitation',
  'invite', // invite someone (and approve or deny requests: see 'moderate')
  'post', // open threads and reply
  'moderate', // review posts; approve, deny, remove, ban and unban members
  'manage', // settings, archiving, roles, ownership transfer
  'leave',
] as const;
export type CommunityAction = (typeof COMMUNITY_ACTIONS)[number];

/** The signed-in person, as far as the decisions need; null stands for a signed-out visitor. */
export interface CommunityActor {
  readonly id: string;
  readonly kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  readonly role: 'USER' | 'ADMIN';
  readonly status: 'ACTIVE' | 'SUSPENDED';
  readonly organizationId: string | null;
  /** True when the actor's organization is an administration, not a partner body. */
  readonly organizationIsAdministration: boolean;
  readonly emailVerified: boolean;
}

/**
 * A person as the decisions see them, from their stored row: the organization's kind tells an
 * administration from a partner body; an address counts as verified once `emailVerifiedAt` is set.
 */
export function actorFromUserRow(user: {
  readonly id: string;
  readonly kind: CommunityActor['kind'];
  readonly role: CommunityActor['role'];
  readonly status: CommunityActor['status'];
  readonly organizationId: string | null;
  readonly emailVerifiedAt: Date | null;
  readonly organization: { readonly kind: string } | null;
}): CommunityActor {
  return {
    id: user.id,
    kind: user.kind,
    role: user.role,
    status: user.status,
    organizationId: user.organizationId,
    organizationIsAdministration: user.organization !== null && user.organization.kind !== 'PARTNER',
    emailVerified: user.emailVerifiedAt !== null,
  };
}

export interface CommunityFacts {
  readonly ownerOrganizationId: string;
  readonly audience: Audience;
  readonly visibility: Visibility;
  readonly archived: boolean;
}

/** The actor's membership row in this community, or null when there is none. */
export interface MembershipFacts {
  readonly role: MembershipRole;
  readonly state: MembershipState;
}

export interface DecisionContext {
  /** How many ACTIVE owners the community has; needed only for an owner's 'leave'. Unknown counts as 1. */
  readonly ownerCount?: number;
}

/** Why an action is allowed. 'site-admin' means only the site role allowed it: the caller audits it. */
export const ALLOWED_REASONS = ['member', 'moderator', 'owner', 'public', 'private', 'invited', 'site-admin'] as const;

/** Why an action is refused. */
export const REFUSAL_REASONS = [
  'signed-out',
  'suspended',
  'unverified', // the address that puts the actor in the audience is not verified yet
  'outside-audience',
  'invitation-only', // secret communities, and partners in inter-administrative ones
  'request-only', // join on a private community: ask instead
  'join-instead', // request on a public community: just join
  'secret',
  'banned',
  'archived',
  'not-member',
  'not-invited',
  'not-moderator',
  'not-owner',
  'already-member',
  'already-requested',
  'already-invited',
  'last-owner',
] as const;

export type AllowedReason = (typeof ALLOWED_REASONS)[number];
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export type DecisionReason = AllowedReason | RefusalReason;

export type Decision =
  | { readonly allowed: true; readonly reason: AllowedReason }
  | { readonly allowed: false; readonly reason: RefusalReason };

const allow = (reason: AllowedReason): Decision => ({ allowed: true, reason });
const refuse = (reason: RefusalReason): Decision => ({ allowed: false, reason });

/** What the site role alone allows, anywhere: looking, and moderating or managing (audited by the caller). */
// Decision: 'invite' is not a site-admin power: bringing people in is the community's choice. An admin
// who must can make someone owner ('manage') or act as a member.
const SITE_ADMIN_ACTIONS: ReadonlySet<CommunityAction> = new Set(['see', 'read', 'moderate', 'manage']);

/**
 * Whether the actor may belong to the community by who they are, membership aside: INTERNAL, verified
 * employees of the owner organization; INTERADMINISTRATIVE, verified employees of any administration;
 * OPEN, any active account. Signed-out and suspended actors belong nowhere.
 *
 * Decision: an unverified employee is outside INTERNAL and INTERADMINISTRATIVE audiences. Sign-up makes
 * an account an employee from the domain of the address typed, before anyone proved they own it; trusting
 * it would let anyone read an administration's internal communities by typing a colleague's address.
 * OPEN needs no verification to belong (reading), but acting there does (see `decide`).
 *
 * Partners are never in an audience by themselves except OPEN: in INTERADMINISTRATIVE they count only
 * once invited (see `decide` and `mayBeInvited`); in INTERNAL, never. Citizens belong only to OPEN.
 */
export function inAudience(actor: CommunityActor | null, community: CommunityFacts): boolean {
  if (actor === null || actor.status !== 'ACTIVE') return false;
  switch (community.audience) {
    case 'INTERNAL':
      return isVerifiedEmployee(actor, community.ownerOrganizationId);
    case 'INTERADMINISTRATIVE':
      return isVerifiedEmployee(actor) && actor.organizationIsAdministration;
    case 'OPEN':
      return true;
  }
}

/** Partners reach an inter-administrative community only through an invitation. */
function isInvitablePartner(actor: CommunityActor, community: CommunityFacts): boolean {
  return (
    community.audience === 'INTERADMINISTRATIVE' &&
    actor.kind === 'PARTNER' &&
    actor.status === 'ACTIVE' &&
    isVerifiedAffiliate(actor)
  );
}

/**
 * Whether someone may be invited to the community (the invite form checks the invitee with it): those in
 * its audience, and partners for inter-administrative communities.
 */
export function mayBeInvited(invitee: CommunityActor, community: CommunityFacts): boolean {
  return inAudience(invitee, community) || isInvitablePartner(invitee, community);
}

/**
 * Why the actor stands outside the community's audience right now, or null when inside.
 *
 * Decision: a membership counts only while its holder is in the audience. Someone who moved to another
 * administration keeps their row in an INTERNAL community but it gives them nothing (the community answers
 * 404) until they come back or leave; a secret working group of a town hall must not follow a person who
 * left it. Leaving is always allowed. The one exception is the design's own: a partner's invitation or
 * active membership puts them in an INTERADMINISTRATIVE audience.
 */
function audienceRefusal(
  actor: CommunityActor,
  community: CommunityFacts,
  membership: MembershipFacts | null,
): 'unverified' | 'outside-audience' | null {
  if (inAudience(actor, community)) return null;
  const state = membership?.state;
  if (isInvitablePartner(actor, community) && (state === 'INVITED' || state === 'ACTIVE')) return null;
  if (!actor.emailVerified && inAudience({ ...actor, emailVerified: true }, community)) return 'unverified';
  return 'outside-audience';
}

/**
 * The decision, with a stable reason code. A null actor is a signed-out visitor; a missing membership
 * means none (not even a request).
 */
export function decide(
  actor: CommunityActor | null,
  action: CommunityAction,
  community: CommunityFacts,
  membership: MembershipFacts | null,
  context: DecisionContext = {},
): Decision {
  // Suspended people cannot sign in; should one reach here anyway, they get what a signed-out visitor gets.
  if (actor === null) return decideSignedOut(action, community, 'signed-out');
  if (actor.status !== 'ACTIVE') return decideSignedOut(action, community, 'suspended');
  const asUser = decideSignedIn(actor, action, community, membership, context);
  // The site role only adds to what the person may do as themselves, so 'site-admin' marks exactly the
  // decisions that need auditing.
  if (!asUser.allowed && actor.role === 'ADMIN' && SITE_ADMIN_ACTIONS.has(action)) return allow('site-admin');
  return asUser;
}

/** `decide(...).allowed`. */
export function can(
  actor: CommunityActor | null,
  action: CommunityAction,
  community: CommunityFacts,
  membership: MembershipFacts | null,
  context?: DecisionContext,
): boolean {
  return decide(actor, action, community, membership, context).allowed;
}

/** Every action's answer at once: the booleans a template gets (canPost, canJoin…). */
export function communityPermissions(
  actor: CommunityActor | null,
  community: CommunityFacts,
  membership: MembershipFacts | null,
  context?: DecisionContext,
): Readonly<Record<CommunityAction, boolean>> {
  const entries = COMMUNITY_ACTIONS.map((action) => [action, can(actor, action, community, membership, context)]);
  return Object.freeze(Object.fromEntries(entries) as Record<CommunityAction, boolean>);
}

/**
 * How a refusal looks over HTTP: 404 when the actor may not even know the community exists (secret,
 * outside the audience, banned from a non-public one, signed out of anything but open and public), 403
 * when they may see it but not do what they asked.
 */
export function refusalStatus(
  actor: CommunityActor | null,
  community: CommunityFacts,
  membership: MembershipFacts | null,
): 404 | 403 {
  return can(actor, 'see', community, membership) ? 403 : 404;
}

/** An OPEN and PUBLIC community can be seen and read without signing in; nothing else can be done. */
function decideSignedOut(
  action: CommunityAction,
  community: CommunityFacts,
  reason: 'signed-out' | 'suspended',
): Decision {
  const looking = action === 'see' || action === 'read';
  if (looking && community.audience === 'OPEN' && community.visibility === 'PUBLIC') return allow('public');
  return refuse(reason);
}

function decideSignedIn(
  actor: CommunityActor,
  action: CommunityAction,
  community: CommunityFacts,
  membership: MembershipFacts | null,
  context: DecisionContext,
): Decision {
  const outside = audienceRefusal(actor, community, membership);
  const state = membership?.state ?? null;
  /** The role of an active membership that counts (holder in the audience), or null. */
  const role = outside === null && state === 'ACTIVE' && membership ? membership.role : null;
  /** Why a role the action needs is missing. */
  const missingRole = (fallback: RefusalReason): Decision => {
    if (state === 'BANNED') return refuse('banned');
    if (state === 'ACTIVE' && outside !== null) return refuse(outside);
    return refuse(fallback);
  };

  switch (action) {
    case 'see':
    case 'read':
      return decideLooking(action, community.visibility, outside, state);

    case 'join':
    case 'request': {
      if (state === 'BANNED') return refuse('banned');
      if (outside !== null) {
        return refuse(isInvitablePartner(actor, community) ? 'invitation-only' : outside);
      }
      if (state === 'ACTIVE') return refuse('already-member');
      if (state === 'INVITED') return refuse('already-invited');
      // Decision: a pending request on a community that has since become PUBLIC does not stop an
      // instant join (the route turns the request into a membership).
      if (state === 'PENDING' && action === 'request') return refuse('already-requested');
      if (community.archived) return refuse('archived');
      if (community.visibility === 'SECRET') return refuse('invitation-only');
      if (action === 'join' && community.visibility === 'PRIVATE') return refuse('request-only');
      if (action === 'request' && community.visibility === 'PUBLIC') return refuse('join-instead');
      // Decision: an unverified account (possible only in OPEN communities, see inAudience) may look but
      // not act: no join, request, accept, invite, post, moderate or manage until the address is verified.
      if (!actor.emailVerified) return refuse('unverified');
      return allow(action === 'join' ? 'public' : 'private');
    }

    case 'accept-invitation':
      if (state === 'BANNED') return refuse('banned');
      if (state === 'ACTIVE') return refuse('already-member');
      if (state !== 'INVITED') return refuse('not-invited');
      // An invitation is accepted only within the audience (whoever made it, and whatever changed since).
      if (outside !== null) return refuse(outside);
      if (community.archived) return refuse('archived');
      if (!actor.emailVerified) return refuse('unverified');
      return allow('invited');

    case 'invite':
      if (role !== 'OWNER' && role !== 'MODERATOR') return missingRole('not-moderator');
      if (community.archived) return refuse('archived');
      if (!actor.emailVerified) return refuse('unverified');
      return allow(role === 'OWNER' ? 'owner' : 'moderator');

    case 'post':
      if (role === null) return missingRole('not-member');
      if (community.archived) return refuse('archived');
      if (!actor.emailVerified) return refuse('unverified');
      return allow('member');

    // Decision: archiving does not stop moderation (removing a bad post, handling members) nor management
    // (the owner must be able to un-archive). What it stops is anything that adds people or content:
    // join, request, accept-invitation, invite, post.
    case 'moderate':
      if (role !== 'OWNER' && role !== 'MODERATOR') return missingRole('not-moderator');
      if (!actor.emailVerified) return refuse('unverified');
      return allow(role === 'OWNER' ? 'owner' : 'moderator');

    case 'manage':
      if (role !== 'OWNER') return missingRole('not-owner');
      if (!actor.emailVerified) return refuse('unverified');
      return allow('owner');

    // Decision: leaving is open to any ACTIVE membership, even one outside the audience, of an archived
    // community, or of an unverified account: it only takes access away. A ban cannot be left (that would
    // erase it), and a pending request or an invitation is not a membership to leave. An owner may leave
    // only while another owner remains; an unknown owner count is taken as 1.
    case 'leave':
      if (state === 'BANNED') return refuse('banned');
      if (state !== 'ACTIVE' || membership === null) return refuse('not-member');
      if (membership.role === 'OWNER' && (context.ownerCount ?? 1) < 2) return refuse('last-owner');
      return allow('member');
  }
}

/**
 * 'see' and 'read'. Members see and read everything; a non-member in the audience sees a PUBLIC or
 * PRIVATE community (and a SECRET one only when invited, to accept) and reads only a PUBLIC one; banned
 * people see and read only PUBLIC ones; outside the audience, nothing.
 */
function decideLooking(
  action: 'see' | 'read',
  visibility: Visibility,
  outside: 'unverified' | 'outside-audience' | null,
  state: MembershipState | null,
): Decision {
  // Every OPEN community has every active account in its audience, so "outside" is always non-OPEN: 404.
  if (outside !== null) return refuse(outside);
  if (state === 'ACTIVE') return allow('member');
  if (state === 'BANNED') return visibility === 'PUBLIC' ? allow('public') : refuse('banned');
  if (visibility === 'PUBLIC') return allow('public');
  if (action === 'see') {
    if (state === 'INVITED') return allow('invited');
    // Decision: a pending request does not reveal a SECRET community (requests are not possible there;
    // one can exist only if a PRIVATE community became SECRET since).
    return visibility === 'PRIVATE' ? allow('private') : refuse('secret');
  }
  if (state === 'INVITED' || state === 'PENDING') return refuse('not-member');
  return refuse(visibility === 'SECRET' ? 'secret' : 'not-member');
}
