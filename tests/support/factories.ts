import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/accounts/password.js';
import type { Db } from '../../src/db/client.js';
import type { OrganizationKind } from '../../src/generated/prisma/enums.js';

const unique = () => randomBytes(4).toString('hex');

export async function createOrganization(
  db: Db,
  overrides: Partial<{ name: string; slug: string; kind: OrganizationKind; emailDomains: string[] }> = {},
) {
  const id = unique();
  return db.organization.create({
    data: {
      name: overrides.name ?? `Ayuntamiento de Prueba ${id}`,
      slug: overrides.slug ?? `prueba-${id}`,
      kind: overrides.kind ?? 'MUNICIPALITY',
      emailDomains: overrides.emailDomains ?? [`prueba-${id}.example`],
    },
  });
}

export const TEST_PASSWORD = 'una frase larga de prueba';

let passwordHash: Promise<string> | null = null;

/** An active, verified employee (unless told otherwise) whose password is TEST_PASSWORD. */
export async function createUser(
  db: Db,
  overrides: Partial<{
    email: string;
    handle: string;
    displayName: string;
    kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
    role: 'USER' | 'ADMIN';
    status: 'ACTIVE' | 'SUSPENDED';
    verified: boolean;
    organizationId: string | null;
    locale: string | null;
  }> = {},
) {
  const id = unique();
  // Hashing is deliberately slow: one hash serves every factory user.
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const hash = passwordHash;
  return db.user.create({
    data: {
      email: overrides.email ?? `persona-${id}@prueba.example`,
      handle: overrides.handle ?? `persona-${id}`,
      displayName: overrides.displayName ?? `Persona ${id}`,
      kind: overrides.kind ?? 'EMPLOYEE',
      role: overrides.role ?? 'USER',
      status: overrides.status ?? 'ACTIVE',
      emailVerifiedAt: overrides.verified === false ? null : new Date(),
      organizationId: overrides.organizationId ?? null,
      locale: overrides.locale ?? null,
      passwordHash: await hash,
    },
  });
}

/** A community of `organizationId` with `ownerId` as its owner. */
export async function createCommunity(
  db: Db,
  overrides: {
    organizationId: string;
    ownerId: string;
    audience?: 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN';
    visibility?: 'PUBLIC' | 'PRIVATE' | 'SECRET';
    name?: string;
    description?: string;
    archived?: boolean;
  },
) {
  const id = unique();
  return db.community.create({
    data: {
      slug: `comunidad-${id}`,
      name: overrides.name ?? `Comunidad ${id}`,
      description: overrides.description ?? `Descripción de la comunidad ${id}`,
      audience: overrides.audience ?? 'INTERADMINISTRATIVE',
      visibility: overrides.visibility ?? 'PUBLIC',
      ownerOrganizationId: overrides.organizationId,
      archivedAt: overrides.archived ? new Date() : null,
      memberships: { create: { userId: overrides.ownerId, role: 'OWNER', state: 'ACTIVE' } },
    },
  });
}

export async function addMembership(
  db: Db,
  communityId: string,
  userId: string,
  state: 'ACTIVE' | 'PENDING' | 'INVITED' | 'BANNED' = 'ACTIVE',
  role: 'OWNER' | 'MODERATOR' | 'MEMBER' = 'MEMBER',
) {
  return db.membership.create({ data: { communityId, userId, state, role } });
}
