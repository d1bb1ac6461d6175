import { describe, expect, it } from 'vitest';
import {
  type AffiliationFacts,
  isVerifiedAffiliate,
  isVerifiedEmployee,
  provenKind,
  provenOrganizationId,
  shownOrganization,
} from '../../src/access/affiliation.js';

const KINDS = ['EMPLOYEE', 'PARTNER', 'CITIZEN'] as const;
const ORGS = ['org-1', 'org-2', null] as const;
const ALL: AffiliationFacts[] = KINDS.flatMap((kind) =>
  ORGS.flatMap((organizationId) => [true, false].map((emailVerified) => ({ kind, organizationId, emailVerified }))),
);

describe('affiliation facts: the whole matrix', () => {
  it.each(ALL)('%o', (person) => {
    const proven = person.emailVerified && person.organizationId !== null;
    expect(isVerifiedEmployee(person)).toBe(proven && person.kind === 'EMPLOYEE');
    expect(isVerifiedEmployee(person, 'org-1')).toBe(
      proven && person.kind === 'EMPLOYEE' && person.organizationId === 'org-1',
    );
    expect(isVerifiedAffiliate(person)).toBe(person.emailVerified && person.kind !== 'CITIZEN');
    expect(provenOrganizationId(person)).toBe(proven && person.kind !== 'CITIZEN' ? person.organizationId : null);
    expect(provenKind(person)).toBe(person.emailVerified ? person.kind : 'CITIZEN');
  });

  it('no unverified account is anybody’s employee, affiliate or member of an organization', () => {
    for (const person of ALL.filter((p) => !p.emailVerified)) {
      expect(isVerifiedEmployee(person)).toBe(false);
      expect(isVerifiedAffiliate(person)).toBe(false);
      expect(provenOrganizationId(person)).toBeNull();
    }
  });

  it('shows a row’s organization only once its address is verified', () => {
    const organization = { name: 'Ayuntamiento de Prueba' };
    expect(shownOrganization({ emailVerifiedAt: new Date(), organization })).toBe(organization);
    expect(shownOrganization({ emailVerifiedAt: null, organization })).toBeNull();
    expect(shownOrganization({ emailVerifiedAt: new Date(), organization: null })).toBeNull();
  });
});
