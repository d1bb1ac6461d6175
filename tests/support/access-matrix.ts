import type { Audience, CommunityActor, Visibility } from '../../src/access/communities.js';
import { can } from '../../src/access/communities.js';
import type { TestApp } from './app.js';
import { createOrganization, createUser } from './factories.js';
import { signInAs } from './forms.js';

// The people of the leak matrices (moderation-leaks, search-leaks): every kind of viewer the access
// rules tell apart, each signed in, with the membership they will be given in every community of the
// matrix. A test builds its communities, gives the cast their memberships, and checks each page against
// can() (src/access/communities.ts), so a page that showed nothing could not pass.

export const AUDIENCES: Audience[] = ['INTERNAL', 'INTERADMINISTRATIVE', 'OPEN'];
export const VISIBILITIES: Visibility[] = ['PUBLIC', 'PRIVATE', 'SECRET'];

type User = Awaited<ReturnType<typeof createUser>>;

export interface MatrixViewer {
  readonly name: string;
  readonly user: User | null;
  readonly cookie: string | undefined;
  readonly actor: CommunityActor | null;
  /** What they are given in every community of the matrix. */
  readonly role: 'member' | 'moderator' | 'none';
  readonly author: boolean;
}

export interface MatrixCast {
  readonly townHall: { id: string };
  readonly owner: User;
  readonly ownerCookie: string;
  readonly author: User;
  readonly authorCookie: string;
  /** Everyone who looks, the author, a site admin and a signed-out visitor included. */
  readonly viewers: MatrixViewer[];
}

function actorOf(user: User, administration: boolean): CommunityActor {
  return {
    id: user.id,
    kind: user.kind,
    role: user.role,
    status: 'ACTIVE',
    organizationId: user.organizationId,
    organizationIsAdministration: administration,
    emailVerified: true,
  };
}

/** Organizations and people of the matrix, signed in. The communities are the test's to make. */
export async function createMatrixCast(t: TestApp): Promise<MatrixCast> {
  const townHall = await createOrganization(t.db, { kind: 'MUNICIPALITY' });
  const province = await createOrganization(t.db, { kind: 'PROVINCE' });
  const partnerBody = await createOrganization(t.db, { kind: 'PARTNER' });
  const owner = await createUser(t.db, { organizationId: townHall.id });
  const author = await createUser(t.db, { organizationId: townHall.id, kind: 'EMPLOYEE' });
  const admin = await createUser(t.db, { role: 'ADMIN', kind: 'CITIZEN', organizationId: null });
  const people: [string, Parameters<typeof createUser>[1], boolean, MatrixViewer['role']][] = [
    ['member of the owner organization', { organizationId: townHall.id }, true, 'member'],
    ['employee of another administration, member', { organizationId: province.id }, true, 'member'],
    ['employee of the owner organization, not a member', { organizationId: townHall.id }, true, 'none'],
    ['partner, member', { organizationId: partnerBody.id, kind: 'PARTNER' }, false, 'member'],
    ['citizen, member', { kind: 'CITIZEN', organizationId: null }, false, 'member'],
    ['citizen', { kind: 'CITIZEN', organizationId: null }, false, 'none'],
    ['moderator', { organizationId: townHall.id }, true, 'moderator'],
  ];
  const viewers: MatrixViewer[] = [];
  for (const [name, options, administration, role] of people) {
    const user = await createUser(t.db, options);
    viewers.push({
      name,
      user,
      cookie: await signInAs(t.app, user.email),
      actor: actorOf(user, administration),
      role,
      author: false,
    });
  }
  const authorCookie = await signInAs(t.app, author.email);
  viewers.push({
    name: 'author',
    user: author,
    cookie: authorCookie,
    actor: actorOf(author, true),
    role: 'member',
    author: true,
  });
  viewers.push({
    name: 'site admin',
    user: admin,
    cookie: await signInAs(t.app, admin.email),
    actor: actorOf(admin, false),
    role: 'none',
    author: false,
  });
  viewers.push({ name: 'signed-out visitor', user: null, cookie: undefined, actor: null, role: 'none', author: false });
  return { townHall, owner, ownerCookie: await signInAs(t.app, owner.email), author, authorCookie, viewers };
}

/** Whether the viewer may read a community of the matrix (they hold their role there when they have one). */
export function matrixReads(
  viewer: MatrixViewer,
  community: { audience: Audience; visibility: Visibility; ownerOrganizationId: string },
): boolean {
  const membership =
    viewer.role === 'none'
      ? null
      : { state: 'ACTIVE' as const, role: viewer.role === 'moderator' ? ('MODERATOR' as const) : ('MEMBER' as const) };
  return can(viewer.actor, 'read', { ...community, archived: false }, membership);
}
