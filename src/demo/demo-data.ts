import { hashPassword } from '../accounts/password.js';
import type { Db } from '../db/client.js';
import type { OrganizationKind } from '../generated/prisma/enums.js';

// Demo data for `npm start` on the embedded database: a supra-local host (a
// province) serving its municipalities, as the seed text describes. Fictional
// bodies on reserved `.example` domains. Idempotent: what exists already is left as it is.

interface DemoOrganization {
  name: string;
  slug: string;
  kind: OrganizationKind;
  emailDomains: string[];
}

export const DEMO_ORGANIZATIONS: readonly DemoOrganization[] = [
  {
    name: 'Diputación Provincial de Valdeserra',
    slug: 'diputacion-valdeserra',
    kind: 'PROVINCE',
    emailDomains: ['dipvaldeserra.example'],
  },
  {
    name: 'Ayuntamiento de Villanueva del Río',
    slug: 'villanueva-del-rio',
    kind: 'MUNICIPALITY',
    emailDomains: ['villanuevadelrio.example'],
  },
  {
    name: 'Ajuntament de Sant Miquel de la Serra',
    slug: 'sant-miquel-de-la-serra',
    kind: 'MUNICIPALITY',
    emailDomains: ['santmiquel.example'],
  },
  {
    name: 'Agencia Estatal de Administración Digital',
    slug: 'agencia-administracion-digital',
    kind: 'STATE_AGENCY',
    emailDomains: ['aead.example'],
  },
  {
    name: 'Asociación de Técnicos Municipales',
    slug: 'tecnicos-municipales',
    kind: 'PARTNER',
    emailDomains: ['tecnicosmunicipales.example'],
  },
  {
    name: 'Universidad de Valdeserra',
    slug: 'universidad-valdeserra',
    kind: 'PARTNER',
    emailDomains: ['uvaldeserra.example'],
  },
];

/** Every demo account signs in with this password (printed by `npm start`). */
export const DEMO_PASSWORD = 'demostración de Ágora';

export interface DemoAccount {
  readonly email: string;
  readonly handle: string;
  readonly displayName: string;
  readonly jobTitle: string;
  readonly kind: 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
  readonly role: 'USER' | 'ADMIN';
  /** What the account is for, shown when Ágora starts. */
  readonly purpose: string;
  readonly organizationSlug: string | null;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    email: 'lucia.martin@villanuevadelrio.example',
    handle: 'lucia-martin',
    displayName: 'Lucía Martín',
    jobTitle: 'Técnica de urbanismo',
    kind: 'EMPLOYEE',
    role: 'USER',
    purpose: 'employee',
    organizationSlug: 'villanueva-del-rio',
  },
  {
    email: 'jordi.puig@dipvaldeserra.example',
    handle: 'jordi-puig',
    displayName: 'Jordi Puig',
    jobTitle: 'Coordinador de la red de municipios',
    kind: 'EMPLOYEE',
    role: 'USER',
    purpose: 'community moderator',
    organizationSlug: 'diputacion-valdeserra',
  },
  {
    email: 'ana.ruiz@dipvaldeserra.example',
    handle: 'ana-ruiz',
    displayName: 'Ana Ruiz',
    jobTitle: 'Jefa del servicio de informática',
    kind: 'EMPLOYEE',
    role: 'ADMIN',
    purpose: 'site admin',
    organizationSlug: 'diputacion-valdeserra',
  },
  {
    email: 'pablo.ortega@uvaldeserra.example',
    handle: 'pablo-ortega',
    displayName: 'Pablo Ortega',
    jobTitle: 'Investigador en gobierno abierto',
    kind: 'PARTNER',
    role: 'USER',
    purpose: 'partner',
    organizationSlug: 'universidad-valdeserra',
  },
  {
    email: 'carmen.vidal@correo.example',
    handle: 'carmen-vidal',
    displayName: 'Carmen Vidal',
    jobTitle: '',
    kind: 'CITIZEN',
    role: 'USER',
    purpose: 'citizen',
    organizationSlug: null,
  },
];

export async function seedDemoData(db: Db): Promise<readonly DemoAccount[]> {
  await db.$transaction([
    db.siteSettings.createMany({ data: [{ id: 1, citizenSignupEnabled: true }], skipDuplicates: true }),
    db.organization.createMany({ data: [...DEMO_ORGANIZATIONS], skipDuplicates: true }),
  ]);
  const existing = await db.user.count({ where: { email: { in: DEMO_ACCOUNTS.map((account) => account.email) } } });
  if (existing < DEMO_ACCOUNTS.length) {
    const organizations = await db.organization.findMany({
      where: { slug: { in: DEMO_ORGANIZATIONS.map((organization) => organization.slug) } },
      select: { id: true, slug: true },
    });
    const idOf = new Map(organizations.map((organization) => [organization.slug, organization.id]));
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const now = new Date();
    await db.user.createMany({
      data: DEMO_ACCOUNTS.map(({ purpose: _purpose, organizationSlug, ...account }) => ({
        ...account,
        passwordHash,
        emailVerifiedAt: now,
        organizationId: organizationSlug ? (idOf.get(organizationSlug) ?? null) : null,
      })),
      skipDuplicates: true,
    });
  }
  return DEMO_ACCOUNTS;
}
