// Who sees which parts of a person's profile. Pure: plain data in, plain answers out; the profiles
// service enforces it (hidden values never reach a template).

import { type AffiliationFacts, isVerifiedAffiliate, shownOrganization } from './affiliation.js';

/** The profile fields a person may make public; name and handle are always visible. */
export const PROFILE_FIELDS = ['jobTitle', 'organization', 'department', 'bio', 'expertise', 'avatar'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export function isProfileField(value: unknown): value is ProfileField {
  return typeof value === 'string' && (PROFILE_FIELDS as readonly string[]).includes(value);
}

/** The little the decision needs to know about the person looking. */
export interface ProfileViewer extends AffiliationFacts {
  readonly id: string;
  readonly role: 'USER' | 'ADMIN';
}

/** The little the decision needs to know about the person looked at. */
export interface ProfileOwner {
  readonly id: string;
  readonly kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  readonly status: 'ACTIVE' | 'SUSPENDED';
  /** What the owner lets citizens and signed-out visitors see; unknown names are ignored. */
  readonly publicFields: readonly string[];
}

/** A suspended person's profile does not exist for anyone (404), as if the account were gone. */
export function canSeeProfile(owner: Pick<ProfileOwner, 'status'>): boolean {
  return owner.status === 'ACTIVE';
}

/**
 * The fields of the owner's profile the viewer may see. People who work in administrations and partner
 * bodies see every field (the network exists for them to find each other) once their address is proven
 * (see affiliation.ts: until then an account is nobody's employee); citizens, unverified accounts and
 * signed-out visitors see only what the owner made public. Owners see all of their own profile, site
 * admins all of everyone's. The owner's kind does not change the rule: a citizen's profile is shown the
 * same way.
 */
export function visibleProfileFields(viewer: ProfileViewer | null, owner: ProfileOwner): Set<ProfileField> {
  const everything =
    viewer !== null && (viewer.id === owner.id || viewer.role === 'ADMIN' || isVerifiedAffiliate(viewer));
  if (everything) return new Set(PROFILE_FIELDS);
  return new Set(owner.publicFields.filter(isProfileField));
}

/** Whether the avatar may be cached by shared caches: only when anyone at all may see it. */
export function isPublicProfileField(owner: Pick<ProfileOwner, 'publicFields'>, field: ProfileField): boolean {
  return owner.publicFields.includes(field);
}

/**
 * The organization shown beside a person's name in a byline or a member list: the profile's
 * `organization` field, by the same rule as the profile (visibleProfileFields), and only once the
 * person's address proved it (affiliation.ts shownOrganization). A citizen or a signed-out visitor
 * reading a thread learns no more of an employee than their profile tells them.
 */
export function organizationBesideName<T>(
  viewer: ProfileViewer | null,
  owner: ProfileOwner & { readonly emailVerifiedAt: Date | null },
  organization: T | null,
): T | null {
  if (!visibleProfileFields(viewer, owner).has('organization')) return null;
  return shownOrganization({ emailVerifiedAt: owner.emailVerifiedAt, organization });
}
