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
];

export async function seedDemoData(db: Db): Promise<void> {
  await db.$transaction([
    db.siteSettings.createMany({ data: [{ id: 1, citizenSignupEnabled: true }], skipDuplicates: true }),
    db.organization.createMany({ data: [...DEMO_ORGANIZATIONS], skipDuplicates: true }),
  ]);
}
