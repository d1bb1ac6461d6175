// Who may use the admin area, and which admin actions make sense on whom. Pure: plain data in,
// plain answers out; the admin routes and service enforce them.

import type { AffiliationFacts } from './affiliation.js';

/** The little the decisions need to know about the signed-in person. */
export interface AdminActor {
  readonly id: string;
  readonly role: 'USER' | 'ADMIN';
}

/** Only site admins may see or use /admin; everyone else (signed out included) is told it does not exist. */
export function canAdminister(viewer: Pick<AdminActor, 'role'> | null | undefined): boolean {
  return viewer?.role === 'ADMIN';
}

export type SelfActionRefusal = 'self';

/**
 * Why an admin may not suspend someone or take away their admin role, or null. Doing it to oneself
 * is refused: it would lock the admin out (the last admin could leave the site without any).
 */
export function statusOrRoleChangeRefusal(actor: Pick<AdminActor, 'id'>, targetId: string): SelfActionRefusal | null {
  return actor.id === targetId ? 'self' : null;
}

export type OfficialVoiceRefusal = 'not-employee' | 'unverified' | 'other-organization' | 'suspended';

/** The person who would speak for an organization, as far as the rule needs. */
export interface VoiceCandidate extends AffiliationFacts {
  readonly status: 'ACTIVE' | 'SUSPENDED';
}

/**
 * Only active, verified employees of an organization may be granted its official voice; why not, or
 * null. An unverified address proves no employment (see affiliation.ts).
 */
export function officialVoiceRefusal(user: VoiceCandidate, organizationId: string): OfficialVoiceRefusal | null {
  if (user.kind !== 'EMPLOYEE') return 'not-employee';
  if (!user.emailVerified) return 'unverified';
  if (user.organizationId !== organizationId) return 'other-organization';
  if (user.status !== 'ACTIVE') return 'suspended';
  return null;
}
