// What the rules may believe about the organization a person belongs to. Pure: plain data in, plain
// answers out.
//
// Decision: an account's `kind` and `organizationId` are claims until its address is verified. Sign-up
// makes an account an employee of the administration whose e-mail domain was typed, before anyone
// proved they own the address; trusting that claim would let anyone read employees' hidden profile
// fields, or show "Organización: <a town hall>" on a profile, by typing a colleague's address. Every
// rule that trusts `kind` or `organizationId` asks these functions, never the raw columns, so an
// unverified account gets exactly what the community rules already give it: nothing that belongs to
// employees or partners.

/** The little the facts need to know about a person. */
export interface AffiliationFacts {
  readonly kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  readonly organizationId: string | null;
  /** Whether the account's current address was proven by following an e-mailed link. */
  readonly emailVerified: boolean;
}

/** A database row's form of `emailVerified`. */
export function isVerifiedAt(emailVerifiedAt: Date | null | undefined): boolean {
  return emailVerifiedAt !== null && emailVerifiedAt !== undefined;
}

/** A proven employee of some organization (of `organizationId` when given). */
export function isVerifiedEmployee(person: AffiliationFacts, organizationId?: string): boolean {
  return (
    person.emailVerified &&
    person.kind === 'EMPLOYEE' &&
    person.organizationId !== null &&
    (organizationId === undefined || person.organizationId === organizationId)
  );
}

/** A proven employee or partner: someone who works in an administration or a partner body. */
export function isVerifiedAffiliate(person: AffiliationFacts): boolean {
  return person.emailVerified && person.kind !== 'CITIZEN';
}

/**
 * The kind the rules may trust: an unverified account speaks as an individual (a citizen) whatever its
 * sign-up claimed, e.g. for the post policy's "citizens post personal posts".
 */
export function provenKind(person: AffiliationFacts): AffiliationFacts['kind'] {
  return isVerifiedAffiliate(person) ? person.kind : 'CITIZEN';
}

/** The organization the rules and pages may show or trust for this person: none until the address is proven. */
export function provenOrganizationId(person: AffiliationFacts): string | null {
  return isVerifiedAffiliate(person) ? person.organizationId : null;
}

/**
 * A row's organization as pages may show it (beside a name, on a profile, in a member list): null while
 * the account's address is unproven.
 */
export function shownOrganization<T>(row: { emailVerifiedAt: Date | null; organization: T | null }): T | null {
  return isVerifiedAt(row.emailVerifiedAt) ? row.organization : null;
}
