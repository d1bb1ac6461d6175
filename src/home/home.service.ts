import type { Db } from '../db/client.js';
import type { OrganizationKind } from '../generated/prisma/enums.js';

export interface HomePage {
  readonly siteName: string;
  readonly organizations: ReadonlyArray<{ name: string; slug: string; kind: OrganizationKind }>;
}

export function createHomeService({ db }: { db: Db }) {
  return {
    async getHomePage(): Promise<HomePage> {
      const [settings, organizations] = await Promise.all([
        db.siteSettings.findUnique({ where: { id: 1 }, select: { siteName: true } }),
        db.organization.findMany({ select: { name: true, slug: true, kind: true }, orderBy: { name: 'asc' } }),
      ]);
      return { siteName: settings?.siteName ?? 'Ágora', organizations };
    },
  };
}

export type HomeService = ReturnType<typeof createHomeService>;
