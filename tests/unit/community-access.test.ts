import { describe, expect, it } from 'vitest';
import {
  ALLOWED_REASONS,
  type Audience,
  COMMUNITY_ACTIONS,
  type CommunityAction,
  type CommunityActor,
  type CommunityFacts,
  can,
  communityPermissions,
  decide,
  inAudience,
  type MembershipFacts,
  type MembershipRole,
  type MembershipState,
  mayBeInvited,
  REFUSAL_REASONS,
  refusalStatus,
  type Visibility,
} from '../../src/access/communities.js';

// ─── The people ─────────────────────────────────────────────────────────────────────────────────────
// Every community below belongs to org-owner (an administration). org-other is another administration,
// org-partner a partner body.

const OWNER_ORG = 'org-owner';

interface Person {
  readonly actor: CommunityActor | null;
  readonly membership: MembershipFacts | null;
  /** For an owner's 'leave'. */
  readonly ownerCount?: number;
}

const person = (
  kind: CommunityActor['kind'],
  organizationId: string | null,
  overrides: Partial<CommunityActor> = {},
): CommunityActor => ({
  id: `${kind.toLowerCase()}-${organizationId ?? 'none'}`,
  kind,
  role: 'USER',
  status: 'ACTIVE',
  organizationId,
  organizationIsAdministration: organizationId === OWNER_ORG || organizationId === 'org-other',
  emailVerified: true,
  ...overrides,
});
const citizen = person('CITIZEN', null);
const partner = person('PARTNER', 'org-partner');
const employee = person('EMPLOYEE', OWNER_ORG);
const otherEmployee = person('EMPLOYEE', 'org-other');
const unverifiedEmployee = person('EMPLOYEE', OWNER_ORG, { emailVerified: false });
const suspendedEmployee = person('EMPLOYEE', OWNER_ORG, { status: 'SUSPENDED' });
const admin = person('EMPLOYEE', 'org-other', { role: 'ADMIN' });
const adminOfOwnerOrg = person('EMPLOYEE', OWNER_ORG, { role: 'ADMIN' });
const suspendedAdmin = person('EMPLOYEE', OWNER_ORG, { role: 'ADMIN', status: 'SUSPENDED' });

const as = (state: MembershipState, role: MembershipRole = 'MEMBER'): MembershipFacts => ({ role, state });
const nobody = (actor: CommunityActor | null): Person => ({ actor, membership: null });

/** Every kind of actor of the matrix: 29. */
const PEOPLE_BY_NAME = {
  anonymous: nobody(null),
  citizen: nobody(citizen),
  'citizen-invited': { actor: citizen, membership: as('INVITED') },
  'citizen-member': { actor: citizen, membership: as('ACTIVE') },
  partner: nobody(partner),
  'partner-invited': { actor: partner, membership: as('INVITED') },
  'partner-member': { actor: partner, membership: as('ACTIVE') },
  'partner-banned': { actor: partner, membership: as('BANNED') },
  employee: nobody(employee),
  'employee-pending': { actor: employee, membership: as('PENDING') },
  'employee-invited': { actor: employee, membership: as('INVITED') },
  'employee-member': { actor: employee, membership: as('ACTIVE') },
  'employee-moderator': { actor: employee, membership: as('ACTIVE', 'MODERATOR') },
  'employee-owner': { actor: employee, membership: as('ACTIVE', 'OWNER'), ownerCount: 1 },
  'employee-co-owner': { actor: employee, membership: as('ACTIVE', 'OWNER'), ownerCount: 2 },
  'employee-banned': { actor: employee, membership: as('BANNED') },
  other: nobody(otherEmployee),
  'other-pending': { actor: otherEmployee, membership: as('PENDING') },
  'other-invited': { actor: otherEmployee, membership: as('INVITED') },
  'other-member': { actor: otherEmployee, membership: as('ACTIVE') },
  'other-moderator': { actor: otherEmployee, membership: as('ACTIVE', 'MODERATOR') },
  'other-owner': { actor: otherEmployee, membership: as('ACTIVE', 'OWNER'), ownerCount: 1 },
  'other-banned': { actor: otherEmployee, membership: as('BANNED') },
  unverified: nobody(unverifiedEmployee),
  'unverified-member': { actor: unverifiedEmployee, membership: as('ACTIVE') },
  'suspended-owner': { actor: suspendedEmployee, membership: as('ACTIVE', 'OWNER'), ownerCount: 2 },
  admin: nobody(admin),
  'admin-member': { actor: adminOfOwnerOrg, membership: as('ACTIVE') },
  'suspended-admin': nobody(suspendedAdmin),
} satisfies Record<string, Person>;
type PersonName = keyof typeof PEOPLE_BY_NAME;
const PEOPLE: Record<PersonName, Person> = PEOPLE_BY_NAME;

// ─── The expected answers, written by hand ──────────────────────────────────────────────────────────
// One table per audience: a row per person, a column per action. A cell lists the visibilities in
// which the action is allowed: P = PUBLIC, R = PRIVATE, S = SECRET; '-' = none.
// On top of the tables, one rule for archived communities: join, request, accept-invitation, invite and
// post are refused in every cell; every other action answers exactly as when not archived.
//
// Who is who: employee = of the owner organization; other = employee of another administration;
// partner = of a partner body; unverified = employee of the owner organization whose address is not
// verified; admin = site admin employed by another administration, not a member; admin-member = site
// admin who is a plain member. "owner" is the only owner (ownerCount 1), "co-owner" one of two;
// other-owner is the only owner, suspended-owner one of two.

type Cell = '-' | 'P' | 'R' | 'S' | 'PR' | 'PS' | 'RS' | 'PRS';
type Row = readonly [Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell];
const COLUMNS = [
  'see',
  'read',
  'join',
  'request',
  'accept-invitation',
  'invite',
  'post',
  'moderate',
  'manage',
  'leave',
] as const satisfies readonly CommunityAction[];

// biome-ignore format: a table reads best aligned
const INTERNAL: Record<PersonName, Row> = {
  //                      see    read   join   request accept invite post   moderate manage leave
  anonymous:            ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  citizen:              ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'citizen-invited':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'citizen-member':     ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  partner:              ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'partner-invited':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'partner-member':     ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'partner-banned':     ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  employee:             ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-pending':   ['PR',  'P',   'P',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-invited':   ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'employee-member':    ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'employee-moderator': ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   '-',   'PRS'],
  'employee-owner':     ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', '-'  ],
  'employee-co-owner':  ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', 'PRS'],
  'employee-banned':    ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  other:                ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-pending':      ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-invited':      ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-member':       ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'other-moderator':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'other-owner':        ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-banned':       ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  unverified:           ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'unverified-member':  ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'suspended-owner':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  admin:                ['PRS', 'PRS', '-',   '-',    '-',   '-',   '-',   'PRS',   'PRS', '-'  ],
  'admin-member':       ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', 'PRS',   'PRS', 'PRS'],
  'suspended-admin':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
};

// biome-ignore format: a table reads best aligned
const INTERADMINISTRATIVE: Record<PersonName, Row> = {
  //                      see    read   join   request accept invite post   moderate manage leave
  anonymous:            ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  citizen:              ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'citizen-invited':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'citizen-member':     ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  partner:              ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'partner-invited':    ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'partner-member':     ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'partner-banned':     ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  employee:             ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-pending':   ['PR',  'P',   'P',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-invited':   ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'employee-member':    ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'employee-moderator': ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   '-',   'PRS'],
  'employee-owner':     ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', '-'  ],
  'employee-co-owner':  ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', 'PRS'],
  'employee-banned':    ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  other:                ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-pending':      ['PR',  'P',   'P',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-invited':      ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'other-member':       ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'other-moderator':    ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   '-',   'PRS'],
  'other-owner':        ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', '-'  ],
  'other-banned':       ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  unverified:           ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'unverified-member':  ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'suspended-owner':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  admin:                ['PRS', 'PRS', 'P',   'R',    '-',   '-',   '-',   'PRS',   'PRS', '-'  ],
  'admin-member':       ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', 'PRS',   'PRS', 'PRS'],
  'suspended-admin':    ['-',   '-',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
};

// biome-ignore format: a table reads best aligned
const OPEN: Record<PersonName, Row> = {
  //                      see    read   join   request accept invite post   moderate manage leave
  anonymous:            ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  citizen:              ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'citizen-invited':    ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'citizen-member':     ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  partner:              ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'partner-invited':    ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'partner-member':     ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'partner-banned':     ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  employee:             ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-pending':   ['PR',  'P',   'P',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'employee-invited':   ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'employee-member':    ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'employee-moderator': ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   '-',   'PRS'],
  'employee-owner':     ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', '-'  ],
  'employee-co-owner':  ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', 'PRS'],
  'employee-banned':    ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  other:                ['PR',  'P',   'P',   'R',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-pending':      ['PR',  'P',   'P',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'other-invited':      ['PRS', 'P',   '-',   '-',    'PRS', '-',   '-',   '-',     '-',   '-'  ],
  'other-member':       ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', '-',     '-',   'PRS'],
  'other-moderator':    ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   '-',   'PRS'],
  'other-owner':        ['PRS', 'PRS', '-',   '-',    '-',   'PRS', 'PRS', 'PRS',   'PRS', '-'  ],
  'other-banned':       ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  unverified:           ['PR',  'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  'unverified-member':  ['PRS', 'PRS', '-',   '-',    '-',   '-',   '-',   '-',     '-',   'PRS'],
  'suspended-owner':    ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
  admin:                ['PRS', 'PRS', 'P',   'R',    '-',   '-',   '-',   'PRS',   'PRS', '-'  ],
  'admin-member':       ['PRS', 'PRS', '-',   '-',    '-',   '-',   'PRS', 'PRS',   'PRS', 'PRS'],
  'suspended-admin':    ['P',   'P',   '-',   '-',    '-',   '-',   '-',   '-',     '-',   '-'  ],
};

const TABLES: Record<Audience, Record<PersonName, Row>> = { INTERNAL, INTERADMINISTRATIVE, OPEN };
const ARCHIVE_BLOCKS: ReadonlySet<CommunityAction> = new Set([
  'join',
  'request',
  'accept-invitation',
  'invite',
  'post',
]);
const AUDIENCES: readonly Audience[] = ['INTERNAL', 'INTERADMINISTRATIVE', 'OPEN'];
const VISIBILITIES: readonly Visibility[] = ['PUBLIC', 'PRIVATE', 'SECRET'];
const LETTER: Record<Visibility, string> = { PUBLIC: 'P', PRIVATE: 'R', SECRET: 'S' };

function expected(audience: Audience, name: PersonName, action: CommunityAction, v: Visibility, archived: boolean) {
  if (archived && ARCHIVE_BLOCKS.has(action)) return false;
  const cell = TABLES[audience][name][COLUMNS.indexOf(action as (typeof COLUMNS)[number])];
  if (cell === undefined) throw new Error(`no column for ${action}`);
  return cell.includes(LETTER[v]);
}

const community = (audience: Audience, visibility: Visibility, archived = false): CommunityFacts => ({
  ownerOrganizationId: OWNER_ORG,
  audience,
  visibility,
  archived,
});

// ─── The matrix ─────────────────────────────────────────────────────────────────────────────────────
// 29 people × 3 audiences × 3 visibilities × 10 actions × 2 (archived or not) = 5,220 cells, each
// asserted against the tables above.

const PEOPLE_NAMES = Object.keys(PEOPLE) as PersonName[];

interface MatrixCell {
  readonly audience: Audience;
  readonly name: PersonName;
  readonly visibility: Visibility;
  readonly archived: boolean;
  readonly action: CommunityAction;
}
const CELLS: readonly MatrixCell[] = AUDIENCES.flatMap((audience) =>
  PEOPLE_NAMES.flatMap((name) =>
    VISIBILITIES.flatMap((visibility) =>
      [false, true].flatMap((archived) =>
        COMMUNITY_ACTIONS.map((action) => ({ audience, name, visibility, archived, action })),
      ),
    ),
  ),
);

describe('community access: the full matrix', () => {
  it('has a column for every action, and 5,220 distinct cells', () => {
    expect([...COLUMNS].sort()).toEqual([...COMMUNITY_ACTIONS].sort());
    expect(PEOPLE_NAMES).toHaveLength(29);
    const keys = new Set(CELLS.map((c) => `${c.audience}/${c.name}/${c.visibility}/${c.archived}/${c.action}`));
    expect(keys.size).toBe(CELLS.length);
    expect(CELLS).toHaveLength(5220);
  });

  for (const audience of AUDIENCES) {
    describe(audience, () => {
      for (const name of PEOPLE_NAMES) {
        it(name, () => {
          const { actor, membership, ownerCount } = PEOPLE[name];
          const wrong: string[] = [];
          for (const cell of CELLS.filter((c) => c.audience === audience && c.name === name)) {
            const { visibility, archived, action } = cell;
            const facts = community(audience, visibility, archived);
            const decision = decide(actor, action, facts, membership, ownerCount === undefined ? {} : { ownerCount });
            const want = expected(audience, name, action, visibility, archived);
            if (decision.allowed !== want) {
              const where = `${visibility}${archived ? ', archived' : ''}`;
              wrong.push(`${action} on ${where}: got ${decision.allowed} (${decision.reason}), want ${want}`);
            }
          }
          expect(wrong).toEqual([]);
        });
      }
    });
  }
});

// ─── Reasons ────────────────────────────────────────────────────────────────────────────────────────

describe('decide: reasons', () => {
  const internalPrivate = community('INTERNAL', 'PRIVATE');
  const cases: [string, CommunityActor | null, CommunityAction, CommunityFacts, MembershipFacts | null, string][] = [
    ['a signed-out visitor', null, 'see', internalPrivate, null, 'signed-out'],
    [
      'a signed-out visitor posting in an open community',
      null,
      'post',
      community('OPEN', 'PUBLIC'),
      null,
      'signed-out',
    ],
    ['a suspended owner', suspendedEmployee, 'read', internalPrivate, as('ACTIVE', 'OWNER'), 'suspended'],
    ['a citizen, internal', citizen, 'see', internalPrivate, null, 'outside-audience'],
    ['a partner, internal', partner, 'see', internalPrivate, null, 'outside-audience'],
    ['an unverified employee, internal', unverifiedEmployee, 'see', internalPrivate, null, 'unverified'],
    [
      'an unverified citizen, internal',
      { ...citizen, emailVerified: false },
      'see',
      internalPrivate,
      null,
      'outside-audience',
    ],
    [
      'an unverified employee joining an open one',
      unverifiedEmployee,
      'join',
      community('OPEN', 'PUBLIC'),
      null,
      'unverified',
    ],
    [
      'an unverified member posting',
      unverifiedEmployee,
      'post',
      community('OPEN', 'PUBLIC'),
      as('ACTIVE'),
      'unverified',
    ],
    [
      'a member moved to another administration',
      otherEmployee,
      'read',
      internalPrivate,
      as('ACTIVE'),
      'outside-audience',
    ],
    ['the same, posting', otherEmployee, 'post', internalPrivate, as('ACTIVE'), 'outside-audience'],
    ['a partner joining', partner, 'join', community('INTERADMINISTRATIVE', 'PUBLIC'), null, 'invitation-only'],
    ['a partner requesting', partner, 'request', community('INTERADMINISTRATIVE', 'PRIVATE'), null, 'invitation-only'],
    ['a partner looking', partner, 'see', community('INTERADMINISTRATIVE', 'PUBLIC'), null, 'outside-audience'],
    [
      'an invited partner looking',
      partner,
      'see',
      community('INTERADMINISTRATIVE', 'SECRET'),
      as('INVITED'),
      'invited',
    ],
    [
      'an invited partner accepting',
      partner,
      'accept-invitation',
      community('INTERADMINISTRATIVE', 'SECRET'),
      as('INVITED'),
      'invited',
    ],
    ['an employee, secret', employee, 'see', community('INTERNAL', 'SECRET'), null, 'secret'],
    ['an employee reading a secret one', employee, 'read', community('INTERNAL', 'SECRET'), null, 'secret'],
    ['an employee, private', employee, 'see', internalPrivate, null, 'private'],
    ['an employee reading a private one', employee, 'read', internalPrivate, null, 'not-member'],
    ['an employee, public', employee, 'read', community('INTERNAL', 'PUBLIC'), null, 'public'],
    ['a member', employee, 'read', internalPrivate, as('ACTIVE'), 'member'],
    ['a banned member, private', employee, 'read', internalPrivate, as('BANNED'), 'banned'],
    ['a banned member, public', employee, 'read', community('INTERNAL', 'PUBLIC'), as('BANNED'), 'public'],
    ['a banned member joining', employee, 'join', community('INTERNAL', 'PUBLIC'), as('BANNED'), 'banned'],
    [
      'a banned member accepting',
      employee,
      'accept-invitation',
      community('INTERNAL', 'PUBLIC'),
      as('BANNED'),
      'banned',
    ],
    ['a banned member posting', employee, 'post', community('INTERNAL', 'PUBLIC'), as('BANNED'), 'banned'],
    ['a banned member leaving', employee, 'leave', community('INTERNAL', 'PUBLIC'), as('BANNED'), 'banned'],
    ['joining', employee, 'join', community('INTERNAL', 'PUBLIC'), null, 'public'],
    ['joining a private one', employee, 'join', internalPrivate, null, 'request-only'],
    ['joining a secret one', employee, 'join', community('INTERNAL', 'SECRET'), null, 'invitation-only'],
    ['joining again', employee, 'join', community('INTERNAL', 'PUBLIC'), as('ACTIVE'), 'already-member'],
    ['joining when invited', employee, 'join', community('INTERNAL', 'PUBLIC'), as('INVITED'), 'already-invited'],
    ['joining an archived one', employee, 'join', community('INTERNAL', 'PUBLIC', true), null, 'archived'],
    ['requesting', employee, 'request', internalPrivate, null, 'private'],
    ['requesting a public one', employee, 'request', community('INTERNAL', 'PUBLIC'), null, 'join-instead'],
    ['requesting a secret one', employee, 'request', community('INTERNAL', 'SECRET'), null, 'invitation-only'],
    ['requesting twice', employee, 'request', internalPrivate, as('PENDING'), 'already-requested'],
    ['accepting without an invitation', employee, 'accept-invitation', internalPrivate, null, 'not-invited'],
    ['accepting after a request', employee, 'accept-invitation', internalPrivate, as('PENDING'), 'not-invited'],
    ['accepting as a member', employee, 'accept-invitation', internalPrivate, as('ACTIVE'), 'already-member'],
    ['accepting', employee, 'accept-invitation', internalPrivate, as('INVITED'), 'invited'],
    [
      'accepting on an archived one',
      employee,
      'accept-invitation',
      community('INTERNAL', 'PRIVATE', true),
      as('INVITED'),
      'archived',
    ],
    [
      'accepting from outside the audience',
      otherEmployee,
      'accept-invitation',
      internalPrivate,
      as('INVITED'),
      'outside-audience',
    ],
    [
      'a citizen accepting an inter-administrative invitation',
      citizen,
      'accept-invitation',
      community('INTERADMINISTRATIVE', 'PRIVATE'),
      as('INVITED'),
      'outside-audience',
    ],
    ['a member inviting', employee, 'invite', internalPrivate, as('ACTIVE'), 'not-moderator'],
    ['a moderator inviting', employee, 'invite', internalPrivate, as('ACTIVE', 'MODERATOR'), 'moderator'],
    ['an owner inviting', employee, 'invite', internalPrivate, as('ACTIVE', 'OWNER'), 'owner'],
    [
      'a moderator inviting to an archived one',
      employee,
      'invite',
      community('INTERNAL', 'PRIVATE', true),
      as('ACTIVE', 'MODERATOR'),
      'archived',
    ],
    ['a non-member posting', employee, 'post', community('INTERNAL', 'PUBLIC'), null, 'not-member'],
    ['a pending member posting', employee, 'post', internalPrivate, as('PENDING'), 'not-member'],
    ['posting in an archived one', employee, 'post', community('INTERNAL', 'PUBLIC', true), as('ACTIVE'), 'archived'],
    [
      'a moderator moderating an archived one',
      employee,
      'moderate',
      community('INTERNAL', 'PUBLIC', true),
      as('ACTIVE', 'MODERATOR'),
      'moderator',
    ],
    ['a moderator managing', employee, 'manage', internalPrivate, as('ACTIVE', 'MODERATOR'), 'not-owner'],
    [
      'an owner managing an archived one',
      employee,
      'manage',
      community('INTERNAL', 'PRIVATE', true),
      as('ACTIVE', 'OWNER'),
      'owner',
    ],
    ['an invited person leaving', employee, 'leave', internalPrivate, as('INVITED'), 'not-member'],
    ['a member leaving', employee, 'leave', internalPrivate, as('ACTIVE'), 'member'],
    ['the last owner leaving', employee, 'leave', internalPrivate, as('ACTIVE', 'OWNER'), 'last-owner'],
    ['a site admin reading a secret one', admin, 'read', community('INTERNAL', 'SECRET'), null, 'site-admin'],
    ['a site admin managing', admin, 'manage', community('INTERNAL', 'SECRET'), null, 'site-admin'],
    ['a site admin banned from a private one', adminOfOwnerOrg, 'read', internalPrivate, as('BANNED'), 'site-admin'],
    ['a site admin posting without membership', admin, 'post', community('OPEN', 'PUBLIC'), null, 'not-member'],
    [
      'a site admin joining outside the audience',
      admin,
      'join',
      community('INTERNAL', 'PUBLIC'),
      null,
      'outside-audience',
    ],
    ['a site admin inviting', admin, 'invite', community('OPEN', 'PUBLIC'), null, 'not-moderator'],
    ['a suspended site admin', suspendedAdmin, 'read', community('INTERNAL', 'PUBLIC'), null, 'suspended'],
  ];
  it.each(cases)('%s: %s → %s', (_label, actor, action, facts, membership, reason) => {
    expect(decide(actor, action, facts, membership).reason).toBe(reason);
  });

  it('marks as site-admin only what the site role alone allowed (what the caller must audit)', () => {
    const asMember = decide(adminOfOwnerOrg, 'read', community('INTERNAL', 'SECRET'), as('ACTIVE'));
    expect(asMember).toEqual({ allowed: true, reason: 'member' });
    const asModerator = decide(adminOfOwnerOrg, 'moderate', community('INTERNAL', 'SECRET'), as('ACTIVE', 'MODERATOR'));
    expect(asModerator).toEqual({ allowed: true, reason: 'moderator' });
    const publicRead = decide(admin, 'read', community('OPEN', 'PUBLIC'), null);
    expect(publicRead).toEqual({ allowed: true, reason: 'public' });
  });

  it('gives an allowed reason exactly when allowed, and a known code every time, in every cell', () => {
    const allowedReasons: ReadonlySet<string> = new Set(ALLOWED_REASONS);
    const refusalReasons: ReadonlySet<string> = new Set(REFUSAL_REASONS);
    for (const name of PEOPLE_NAMES) {
      const { actor, membership } = PEOPLE[name];
      for (const audience of AUDIENCES) {
        for (const visibility of VISIBILITIES) {
          for (const archived of [false, true]) {
            for (const action of COMMUNITY_ACTIONS) {
              const { allowed, reason } = decide(actor, action, community(audience, visibility, archived), membership);
              expect(allowed ? allowedReasons.has(reason) : refusalReasons.has(reason), `${name} ${action}`).toBe(true);
            }
          }
        }
      }
    }
  });
});

// ─── The last-owner rule ────────────────────────────────────────────────────────────────────────────

describe("decide: an owner's 'leave'", () => {
  const facts = community('INTERADMINISTRATIVE', 'PRIVATE');
  const owner = as('ACTIVE', 'OWNER');

  it.each([
    [undefined, false],
    [0, false],
    [1, false],
    [2, true],
    [5, true],
  ])('with %s owners: %s', (ownerCount, allowed) => {
    expect(can(employee, 'leave', facts, owner, ownerCount === undefined ? {} : { ownerCount })).toBe(allowed);
  });

  it('needs no owner count for anyone else', () => {
    expect(can(employee, 'leave', facts, as('ACTIVE'))).toBe(true);
    expect(can(employee, 'leave', facts, as('ACTIVE', 'MODERATOR'))).toBe(true);
    expect(can(employee, 'leave', facts, as('ACTIVE'), { ownerCount: 0 })).toBe(true);
  });

  it('lets a co-owner leave an archived community, and one outside the audience now', () => {
    expect(can(employee, 'leave', community('INTERNAL', 'SECRET', true), owner, { ownerCount: 2 })).toBe(true);
    expect(can(otherEmployee, 'leave', community('INTERNAL', 'SECRET'), owner, { ownerCount: 2 })).toBe(true);
  });
});

// ─── inAudience and mayBeInvited ────────────────────────────────────────────────────────────────────

describe('inAudience', () => {
  const pick = (audience: Audience) => community(audience, 'PUBLIC');
  // biome-ignore format: a table reads best aligned
  const cases: [string, CommunityActor | null, boolean, boolean, boolean][] = [
    //                                                               INTERNAL INTERADMIN OPEN
    ['signed out',                          null,                    false,   false,     false],
    ['a citizen',                           citizen,                 false,   false,     true ],
    ['a partner',                           partner,                 false,   false,     true ],
    ['an employee of the owner',            employee,                true,    true,      true ],
    ['an employee of another admin.',       otherEmployee,           false,   true,      true ],
    ['an unverified employee',              unverifiedEmployee,      false,   false,     true ],
    ['a suspended employee',                suspendedEmployee,       false,   false,     false],
    ['a site admin of another admin.',      admin,                   false,   true,      true ],
    ['a site admin of the owner',           adminOfOwnerOrg,         true,    true,      true ],
    ['an unverified citizen',               { ...citizen, emailVerified: false }, false, false, true],
    ['an employee of a partner body',       person('EMPLOYEE', 'org-partner'),     false, false, true],
    ['an employee without organization',    person('EMPLOYEE', null),              false, false, true],
    ['a partner with the owner org id',     person('PARTNER', OWNER_ORG),          false, false, true],
    ['a citizen with the owner org id',     person('CITIZEN', OWNER_ORG),          false, false, true],
  ];
  it.each(cases)('%s', (_label, actor, internal, interadministrative, open) => {
    expect(inAudience(actor, pick('INTERNAL'))).toBe(internal);
    expect(inAudience(actor, pick('INTERADMINISTRATIVE'))).toBe(interadministrative);
    expect(inAudience(actor, pick('OPEN'))).toBe(open);
  });

  it('depends on neither visibility nor archiving', () => {
    for (const visibility of VISIBILITIES) {
      for (const archived of [false, true]) {
        expect(inAudience(otherEmployee, community('INTERNAL', visibility, archived))).toBe(false);
        expect(inAudience(otherEmployee, community('INTERADMINISTRATIVE', visibility, archived))).toBe(true);
      }
    }
  });
});

describe('mayBeInvited', () => {
  it('takes the audience, plus partners for inter-administrative communities', () => {
    expect(mayBeInvited(partner, community('INTERADMINISTRATIVE', 'SECRET'))).toBe(true);
    expect(mayBeInvited(partner, community('INTERNAL', 'SECRET'))).toBe(false);
    expect(mayBeInvited(partner, community('OPEN', 'SECRET'))).toBe(true);
    expect(mayBeInvited(citizen, community('INTERADMINISTRATIVE', 'PRIVATE'))).toBe(false);
    expect(mayBeInvited(otherEmployee, community('INTERNAL', 'PRIVATE'))).toBe(false);
    expect(mayBeInvited(otherEmployee, community('INTERADMINISTRATIVE', 'PRIVATE'))).toBe(true);
    expect(mayBeInvited(suspendedEmployee, community('INTERNAL', 'PRIVATE'))).toBe(false);
    expect(mayBeInvited({ ...partner, status: 'SUSPENDED' }, community('INTERADMINISTRATIVE', 'PRIVATE'))).toBe(false);
  });
});

// ─── refusalStatus ──────────────────────────────────────────────────────────────────────────────────

describe('refusalStatus', () => {
  // biome-ignore format: a table reads best aligned
  const cases: [string, CommunityActor | null, Audience, Visibility, MembershipFacts | null, 404 | 403][] = [
    ['a secret community, to an employee of the owner',  employee,         'INTERNAL',            'SECRET',  null,            404],
    ['a secret one, to someone who asked when private',  employee,         'INTERNAL',            'SECRET',  as('PENDING'),   404],
    ['a secret one, to the invited',                     employee,         'INTERNAL',            'SECRET',  as('INVITED'),   403],
    ['a secret one, to a member',                        employee,         'INTERNAL',            'SECRET',  as('ACTIVE'),    403],
    ['a private one, in the audience',                   employee,         'INTERNAL',            'PRIVATE', null,            403],
    ['a public one, in the audience',                    employee,         'INTERNAL',            'PUBLIC',  null,            403],
    ['an internal public one, to another admin.',        otherEmployee,    'INTERNAL',            'PUBLIC',  null,            404],
    ['an internal one, to a member who moved',           otherEmployee,    'INTERNAL',            'PRIVATE', as('ACTIVE'),    404],
    ['an inter-admin. one, to a citizen',                citizen,          'INTERADMINISTRATIVE', 'PUBLIC',  null,            404],
    ['an inter-admin. one, to a partner',                partner,          'INTERADMINISTRATIVE', 'PUBLIC',  null,            404],
    ['an inter-admin. secret one, to an invited partner', partner,         'INTERADMINISTRATIVE', 'SECRET',  as('INVITED'),   403],
    ['an open public one, signed out',                   null,             'OPEN',                'PUBLIC',  null,            403],
    ['an open private one, signed out',                  null,             'OPEN',                'PRIVATE', null,            404],
    ['an internal public one, signed out',               null,             'INTERNAL',            'PUBLIC',  null,            404],
    ['an open private one, to a citizen',                citizen,          'OPEN',                'PRIVATE', null,            403],
    ['an open secret one, to a citizen',                 citizen,          'OPEN',                'SECRET',  null,            404],
    ['a private one, to the banned',                     employee,         'INTERNAL',            'PRIVATE', as('BANNED'),    404],
    ['a public one, to the banned',                      employee,         'INTERNAL',            'PUBLIC',  as('BANNED'),    403],
    ['an internal one, to an unverified employee',       unverifiedEmployee, 'INTERNAL',          'PRIVATE', null,            404],
    ['anything, to a suspended owner',                   suspendedEmployee, 'INTERNAL',           'PUBLIC',  as('ACTIVE', 'OWNER'), 404],
    ['a secret one, to a site admin',                    admin,            'INTERNAL',            'SECRET',  null,            403],
  ];
  it.each(cases)('%s → %s', (_label, actor, audience, visibility, membership, status) => {
    expect(refusalStatus(actor, community(audience, visibility), membership)).toBe(status);
  });

  it('does not depend on archiving', () => {
    expect(refusalStatus(employee, community('INTERNAL', 'SECRET', true), null)).toBe(404);
    expect(refusalStatus(employee, community('INTERNAL', 'PRIVATE', true), null)).toBe(403);
  });
});

// ─── communityPermissions and purity ────────────────────────────────────────────────────────────────

describe('communityPermissions', () => {
  it('answers every action as can does', () => {
    const facts = community('INTERADMINISTRATIVE', 'PRIVATE');
    const permissions = communityPermissions(employee, facts, as('ACTIVE', 'MODERATOR'));
    expect(Object.keys(permissions).sort()).toEqual([...COMMUNITY_ACTIONS].sort());
    for (const action of COMMUNITY_ACTIONS) {
      expect(permissions[action]).toBe(can(employee, action, facts, as('ACTIVE', 'MODERATOR')));
    }
    expect(permissions).toMatchObject({ post: true, invite: true, manage: false, join: false });
    expect(Object.isFrozen(permissions)).toBe(true);
  });

  it('passes the owner count on', () => {
    const facts = community('OPEN', 'PUBLIC');
    expect(communityPermissions(employee, facts, as('ACTIVE', 'OWNER')).leave).toBe(false);
    expect(communityPermissions(employee, facts, as('ACTIVE', 'OWNER'), { ownerCount: 2 }).leave).toBe(true);
  });
});

describe('purity', () => {
  it('changes none of its inputs and answers the same twice', () => {
    const actor = Object.freeze({ ...employee });
    const facts = Object.freeze(community('INTERNAL', 'SECRET'));
    const membership = Object.freeze(as('ACTIVE', 'OWNER'));
    const context = Object.freeze({ ownerCount: 2 });
    for (const action of COMMUNITY_ACTIONS) {
      const first = decide(actor, action, facts, membership, context);
      expect(decide(actor, action, facts, membership, context)).toEqual(first);
    }
  });
});
