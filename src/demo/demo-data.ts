import { hashPassword } from '../accounts/password.js';
import type { Db } from '../db/client.js';
import type { OrganizationKind } from '../generated/prisma/enums.js';
import { renderMarkdown } from '../markdown/markdown.js';
import { seedDemoThreads } from './demo-threads.js';

// Demo data for `npm start` on the embedded database: a supra-local host (a
// province) serving its municipalities, as the seed text describes. Fictional
// bodies on reserved `.example` domains. Idempotent: what exists already is left as it is.
// The threads in those communities are in ./demo-threads.ts.

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

type Audience = 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN';
type Visibility = 'PUBLIC' | 'PRIVATE' | 'SECRET';

interface DemoCommunity {
  slug: string;
  name: string;
  description: string;
  rules: string;
  organizationSlug: string;
  audience: Audience;
  visibility: Visibility;
  /** handle → role and state */
  members: Record<string, { role: 'OWNER' | 'MODERATOR' | 'MEMBER'; state: 'ACTIVE' | 'PENDING' | 'INVITED' }>;
}

const OWNER = { role: 'OWNER', state: 'ACTIVE' } as const;
const MODERATOR = { role: 'MODERATOR', state: 'ACTIVE' } as const;
const MEMBER = { role: 'MEMBER', state: 'ACTIVE' } as const;

/** One community of each audience × visibility, across the demo organizations. */
export const DEMO_COMMUNITIES: readonly DemoCommunity[] = [
  {
    slug: 'urbanismo-provincial',
    name: 'Red provincial de urbanismo',
    description: 'Técnicos de urbanismo de los municipios de la provincia: licencias, planeamiento y disciplina.',
    rules:
      'Comparta práctica y criterio técnico. Cite la norma cuando responda. Nada de datos personales de expedientes.',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'INTERADMINISTRATIVE',
    visibility: 'PUBLIC',
    members: { 'jordi-puig': OWNER, 'lucia-martin': MODERATOR, 'ana-ruiz': MEMBER },
  },
  {
    slug: 'contratacion-publica',
    name: 'Contratación pública',
    description: 'Pliegos, procedimientos y dudas de contratación entre administraciones y la universidad.',
    rules: '**Nunca** publique ofertas ni información de licitaciones abiertas.',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'INTERADMINISTRATIVE',
    visibility: 'PRIVATE',
    members: { 'ana-ruiz': OWNER, 'jordi-puig': MODERATOR, 'pablo-ortega': MEMBER, 'lucia-martin': MEMBER },
  },
  {
    // SECRET: an address of Ágora's choosing, as randomSecretSlug() makes them.
    slug: 's-3b9e51c07a42',
    name: 'Comité provincial de emergencias',
    description: 'Coordinación de protección civil entre la Diputación y los ayuntamientos.',
    rules: '',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'INTERADMINISTRATIVE',
    visibility: 'SECRET',
    members: { 'jordi-puig': OWNER, 'lucia-martin': MEMBER },
  },
  {
    slug: 'personal-villanueva',
    name: 'Personal del Ayuntamiento de Villanueva',
    description: 'Avisos internos, formación y vida del ayuntamiento.',
    rules: '',
    organizationSlug: 'villanueva-del-rio',
    audience: 'INTERNAL',
    visibility: 'PUBLIC',
    members: { 'lucia-martin': OWNER },
  },
  {
    slug: 'reglamento-participacion',
    name: 'Grupo redactor del reglamento de participación',
    description: 'Borradores del nuevo reglamento municipal de participación ciudadana.',
    rules: '',
    organizationSlug: 'villanueva-del-rio',
    audience: 'INTERNAL',
    visibility: 'PRIVATE',
    members: { 'lucia-martin': OWNER },
  },
  {
    // SECRET: an address of Ágora's choosing, as randomSecretSlug() makes them.
    slug: 's-c84f2d6e1b97',
    name: 'Seguridad informática',
    description: 'Incidentes y vulnerabilidades de los sistemas de la Diputación.',
    rules: '',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'INTERNAL',
    visibility: 'SECRET',
    members: { 'ana-ruiz': OWNER, 'jordi-puig': MEMBER },
  },
  {
    slug: 'participacion-villanueva',
    name: 'Participación ciudadana de Villanueva',
    description: 'Vecinas, vecinos y personal municipal hablan de los proyectos del municipio.',
    rules: 'Respeto ante todo. El personal municipal responde a título profesional.',
    organizationSlug: 'villanueva-del-rio',
    audience: 'OPEN',
    visibility: 'PUBLIC',
    members: {
      'lucia-martin': OWNER,
      'jordi-puig': MODERATOR,
      'carmen-vidal': MEMBER,
      'pablo-ortega': MEMBER,
      'ana-ruiz': MEMBER,
    },
  },
  {
    slug: 'presupuestos-participativos',
    name: 'Presupuestos participativos',
    description: 'Las propuestas vecinales para el presupuesto provincial, antes de votarlas.',
    rules: '',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'OPEN',
    visibility: 'PRIVATE',
    members: { 'jordi-puig': OWNER, 'carmen-vidal': { role: 'MEMBER', state: 'PENDING' } },
  },
  {
    // SECRET: an address of Ágora's choosing, as randomSecretSlug() makes them.
    slug: 's-5a07e9d3f168',
    name: 'Mesa ciudadana de seguimiento',
    description: 'La mesa que sigue la ejecución de los presupuestos participativos.',
    rules: '',
    organizationSlug: 'diputacion-valdeserra',
    audience: 'OPEN',
    visibility: 'SECRET',
    members: { 'jordi-puig': OWNER, 'carmen-vidal': MEMBER },
  },
];

/**
 * Who may publish on behalf of an organization (granted by the site admin, as the admin pages do):
 * each an employee of the organization they speak for.
 */
export const DEMO_OFFICIAL_VOICES: readonly { handle: string; organizationSlug: string; grantedBy: string }[] = [
  { handle: 'jordi-puig', organizationSlug: 'diputacion-valdeserra', grantedBy: 'ana-ruiz' },
  { handle: 'lucia-martin', organizationSlug: 'villanueva-del-rio', grantedBy: 'ana-ruiz' },
];

/** Communities with their members, and the official voices: both need the organizations' and accounts' ids. */
async function seedDemoCommunities(db: Db): Promise<void> {
  const [organizations, users] = await Promise.all([
    db.organization.findMany({
      where: { slug: { in: DEMO_ORGANIZATIONS.map((o) => o.slug) } },
      select: { id: true, slug: true },
    }),
    db.user.findMany({
      where: { handle: { in: DEMO_ACCOUNTS.map((a) => a.handle) } },
      select: { id: true, handle: true },
    }),
  ]);
  const organizationId = new Map(organizations.map((o) => [o.slug, o.id]));
  const userId = new Map(users.map((u) => [u.handle, u.id]));
  await db.community.createMany({
    data: DEMO_COMMUNITIES.flatMap(({ members: _members, organizationSlug, rules, ...community }) => {
      const owner = organizationId.get(organizationSlug);
      return owner ? [{ ...community, rules, rulesHtml: renderMarkdown(rules), ownerOrganizationId: owner }] : [];
    }),
    skipDuplicates: true,
  });
  const communities = await db.community.findMany({
    where: { slug: { in: DEMO_COMMUNITIES.map((c) => c.slug) } },
    select: { id: true, slug: true },
  });
  const communityId = new Map(communities.map((c) => [c.slug, c.id]));
  await db.membership.createMany({
    data: DEMO_COMMUNITIES.flatMap((community) =>
      Object.entries(community.members).flatMap(([handle, membership]) => {
        const user = userId.get(handle);
        const id = communityId.get(community.slug);
        return user && id ? [{ communityId: id, userId: user, ...membership }] : [];
      }),
    ),
    skipDuplicates: true,
  });
  await db.officialVoice.createMany({
    data: DEMO_OFFICIAL_VOICES.flatMap((voice) => {
      const user = userId.get(voice.handle);
      const organization = organizationId.get(voice.organizationSlug);
      return user && organization
        ? [{ userId: user, organizationId: organization, grantedById: userId.get(voice.grantedBy) ?? null }]
        : [];
    }),
    skipDuplicates: true,
  });
}

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
  await seedDemoCommunities(db);
  await seedDemoThreads(db);
  return DEMO_ACCOUNTS;
}
