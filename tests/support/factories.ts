import { randomBytes } from 'node:crypto';
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
