import { describe, expect, it } from 'vitest';
import {
  canSeeProfile,
  isPublicProfileField,
  PROFILE_FIELDS,
  type ProfileField,
  type ProfileOwner,
  type ProfileViewer,
  visibleProfileFields,
} from '../../src/access/profile-access.js';

const KINDS = ['EMPLOYEE', 'PARTNER', 'CITIZEN'] as const;
const ROLES = ['USER', 'ADMIN'] as const;

/** Every subset of the fields: 64 of them, the empty one and the full one included. */
const SUBSETS: ProfileField[][] = Array.from({ length: 2 ** PROFILE_FIELDS.length }, (_, mask) =>
  PROFILE_FIELDS.filter((_field, bit) => mask & (2 ** bit)),
);

const owner = (kind: ProfileOwner['kind'], publicFields: readonly string[]): ProfileOwner => ({
  id: 'owner',
  kind,
  status: 'ACTIVE',
  publicFields,
});
const viewer = (
  kind: ProfileViewer['kind'],
  role: ProfileViewer['role'] = 'USER',
  id = 'viewer',
  emailVerified = true,
): ProfileViewer => ({
  id,
  kind,
  role,
  organizationId: kind === 'CITIZEN' ? null : 'org-1',
  emailVerified,
});
const sorted = (set: Set<ProfileField>) => [...set].sort();
const ALL = [...PROFILE_FIELDS].sort();

describe('visibleProfileFields: the whole matrix', () => {
  for (const ownerKind of KINDS) {
    describe(`a profile of a ${ownerKind.toLowerCase()}`, () => {
      it('employees and partners see every field, whatever the owner made public', () => {
        for (const publicFields of SUBSETS) {
          for (const kind of ['EMPLOYEE', 'PARTNER'] as const) {
            for (const role of ROLES) {
              expect(sorted(visibleProfileFields(viewer(kind, role), owner(ownerKind, publicFields)))).toEqual(ALL);
            }
          }
        }
      });

      it('unverified employees and partners see exactly what citizens see: the address proves nothing yet', () => {
        for (const publicFields of SUBSETS) {
          for (const kind of KINDS) {
            expect(
              sorted(visibleProfileFields(viewer(kind, 'USER', 'viewer', false), owner(ownerKind, publicFields))),
            ).toEqual([...publicFields].sort());
          }
        }
      });

      it('an unverified owner still sees all of their own profile, and an unverified admin everyone’s', () => {
        for (const kind of KINDS) {
          expect(sorted(visibleProfileFields(viewer(kind, 'USER', 'owner', false), owner(ownerKind, [])))).toEqual(ALL);
          expect(sorted(visibleProfileFields(viewer(kind, 'ADMIN', 'viewer', false), owner(ownerKind, [])))).toEqual(
            ALL,
          );
        }
      });

      it('citizens see exactly the fields the owner made public', () => {
        for (const publicFields of SUBSETS) {
          expect(sorted(visibleProfileFields(viewer('CITIZEN'), owner(ownerKind, publicFields)))).toEqual(
            [...publicFields].sort(),
          );
        }
      });

      it('signed-out visitors see exactly the fields the owner made public', () => {
        for (const publicFields of SUBSETS) {
          expect(sorted(visibleProfileFields(null, owner(ownerKind, publicFields)))).toEqual([...publicFields].sort());
        }
      });

      it('the owner sees all of their own profile, even as a citizen with nothing public', () => {
        for (const publicFields of SUBSETS) {
          for (const kind of KINDS) {
            expect(sorted(visibleProfileFields(viewer(kind, 'USER', 'owner'), owner(ownerKind, publicFields)))).toEqual(
              ALL,
            );
          }
        }
      });

      it('a site admin sees everything, even one whose account is a citizen’s', () => {
        for (const publicFields of SUBSETS) {
          expect(sorted(visibleProfileFields(viewer('CITIZEN', 'ADMIN'), owner(ownerKind, publicFields)))).toEqual(ALL);
        }
      });
    });
  }

  it('ignores names that are not profile fields (stored data is not trusted blindly)', () => {
    const stored = owner('EMPLOYEE', ['jobTitle', 'email', 'passwordHash', 'job_title', 'AVATAR']);
    expect(sorted(visibleProfileFields(viewer('CITIZEN'), stored))).toEqual(['jobTitle']);
    expect(sorted(visibleProfileFields(null, stored))).toEqual(['jobTitle']);
  });

  it('returns a fresh set each time: a caller cannot change what the next one gets', () => {
    const first = visibleProfileFields(viewer('EMPLOYEE'), owner('EMPLOYEE', []));
    first.clear();
    expect(visibleProfileFields(viewer('EMPLOYEE'), owner('EMPLOYEE', [])).size).toBe(PROFILE_FIELDS.length);
  });
});

describe('canSeeProfile', () => {
  it('active profiles exist, suspended ones do not', () => {
    expect(canSeeProfile({ status: 'ACTIVE' })).toBe(true);
    expect(canSeeProfile({ status: 'SUSPENDED' })).toBe(false);
  });
});

describe('isPublicProfileField', () => {
  it('is true only for fields the owner made public', () => {
    expect(isPublicProfileField({ publicFields: ['avatar'] }, 'avatar')).toBe(true);
    expect(isPublicProfileField({ publicFields: ['bio'] }, 'avatar')).toBe(false);
    expect(isPublicProfileField({ publicFields: [] }, 'avatar')).toBe(false);
  });
});
