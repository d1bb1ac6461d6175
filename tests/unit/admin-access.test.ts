import { describe, expect, it } from 'vitest';
import {
  canAdminister,
  officialVoiceRefusal,
  statusOrRoleChangeRefusal,
  type VoiceCandidate,
} from '../../src/access/admin-access.js';

describe('canAdminister', () => {
  it.each([
    [null, false],
    [undefined, false],
    [{ role: 'USER' as const }, false],
    [{ role: 'ADMIN' as const }, true],
  ])('%o → %s', (viewer, expected) => {
    expect(canAdminister(viewer)).toBe(expected);
  });

  it('does not take anything but the exact role for an admin', () => {
    expect(canAdminister({ role: 'admin' } as unknown as { role: 'ADMIN' })).toBe(false);
    expect(canAdminister({} as unknown as { role: 'ADMIN' })).toBe(false);
  });
});

describe('statusOrRoleChangeRefusal', () => {
  it('refuses an admin acting on themself, and no one else', () => {
    expect(statusOrRoleChangeRefusal({ id: 'a' }, 'a')).toBe('self');
    expect(statusOrRoleChangeRefusal({ id: 'a' }, 'b')).toBeNull();
  });
});

describe('officialVoiceRefusal', () => {
  const ORG = 'org-1';
  const OTHER = 'org-2';
  const kinds = ['EMPLOYEE', 'PARTNER', 'CITIZEN'] as const;
  const statuses = ['ACTIVE', 'SUSPENDED'] as const;
  const organizations = [ORG, OTHER, null] as const;

  // The whole matrix: only an active, verified employee of that very organization may speak for it.
  const cases: VoiceCandidate[] = kinds.flatMap((kind) =>
    statuses.flatMap((status) =>
      organizations.flatMap((organizationId) =>
        [true, false].map((emailVerified) => ({ kind, status, organizationId, emailVerified })),
      ),
    ),
  );
  it.each(cases)('%o', (user: VoiceCandidate) => {
    const expected =
      user.kind !== 'EMPLOYEE'
        ? 'not-employee'
        : !user.emailVerified
          ? 'unverified'
          : user.organizationId !== ORG
            ? 'other-organization'
            : user.status !== 'ACTIVE'
              ? 'suspended'
              : null;
    expect(officialVoiceRefusal(user, ORG)).toBe(expected);
  });

  it('allows exactly one combination', () => {
    expect(cases.filter((user) => officialVoiceRefusal(user, ORG) === null)).toEqual([
      { kind: 'EMPLOYEE', status: 'ACTIVE', organizationId: ORG, emailVerified: true },
    ]);
  });

  it('an unverified employee of the very organization is refused: the address proves nothing yet', () => {
    expect(
      officialVoiceRefusal({ kind: 'EMPLOYEE', status: 'ACTIVE', organizationId: ORG, emailVerified: false }, ORG),
    ).toBe('unverified');
  });
});
