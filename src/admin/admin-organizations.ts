import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import type { FieldMessage, FormErrors } from '../forms.js';
import { Prisma } from '../generated/prisma/client.js';
import type { OrganizationInput } from './admin.schemas.js';

// The organizations: administrations and partner bodies, and the e-mail domains that say who works there.

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export function createAdminOrganizations({ db, audit }: { db: Db; audit: AuditLog }) {
  /** Which other organization already has one of these domains, if any. */
  async function domainOwner(domains: readonly string[], exceptId: string | null): Promise<FormErrors | null> {
    if (domains.length === 0) return null;
    const owner = await db.organization.findFirst({
      where: { emailDomains: { hasSome: [...domains] }, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { name: true, emailDomains: true },
    });
    if (!owner) return null;
    const domain = domains.find((candidate) => owner.emailDomains.includes(candidate)) ?? domains[0] ?? '';
    return { emailDomains: { key: 'admin.org.domainTaken', params: { domain, organization: owner.name } } };
  }

  async function slugTaken(slug: string, exceptId: string | null): Promise<boolean> {
    const found = await db.organization.findFirst({
      where: { slug, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { id: true },
    });
    return found !== null;
  }

  /** Checks what zod cannot: slug and domains free. Throws InvalidFields with every problem found. */
  async function checkOrganization(input: OrganizationInput, exceptId: string | null): Promise<void> {
    const problems: Record<string, FieldMessage> = {};
    if (await slugTaken(input.slug, exceptId)) problems.slug = { key: 'admin.org.slugTaken' };
    const domainProblem = await domainOwner(input.emailDomains, exceptId);
    if (domainProblem?.emailDomains) problems.emailDomains = domainProblem.emailDomains;
    if (Object.keys(problems).length > 0) throw new Invalid(problems);
  }

  /** A concurrent request may have taken the slug between the check and the write. */
  async function rethrowConflict(error: unknown): Promise<never> {
    if (isUniqueViolation(error)) throw new Invalid({ slug: { key: 'admin.org.slugTaken' } });
    throw error;
  }

  return {
    async listOrganizations() {
      return db.organization.findMany({
        select: {
          id: true,
          name: true,
          slug: true,
          kind: true,
          emailDomains: true,
          _count: { select: { users: true } },
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
    },

    async getOrganization(id: string) {
      return db.organization.findUnique({
        where: { id },
        select: { id: true, name: true, slug: true, kind: true, emailDomains: true, ssoOnly: true },
      });
    },

    async createOrganization(input: OrganizationInput, context: AuditContext): Promise<string> {
      await checkOrganization(input, null);
      try {
        return await db.$transaction(async (tx) => {
          const organization = await tx.organization.create({ data: input, select: { id: true } });
          await audit.record(
            context,
            {
              action: 'admin.organization_create',
              outcome: 'SUCCESS',
              target: { type: 'organization', id: organization.id },
              details: { ...input, emailDomains: [...input.emailDomains] },
            },
            tx,
          );
          return organization.id;
        });
      } catch (error) {
        return rethrowConflict(error);
      }
    },

    /** Existing users keep their organization: a domain change applies to new sign-ups and e-mail changes. */
    async updateOrganization(id: string, input: OrganizationInput, context: AuditContext): Promise<boolean> {
      const before = await db.organization.findUnique({
        where: { id },
        select: { name: true, slug: true, kind: true, emailDomains: true, ssoOnly: true },
      });
      if (!before) return false;
      await checkOrganization(input, id);
      const changes: Record<string, { from: string | string[] | boolean; to: string | string[] | boolean }> = {};
      if (before.ssoOnly !== input.ssoOnly) changes.ssoOnly = { from: before.ssoOnly, to: input.ssoOnly };
      for (const field of ['name', 'slug', 'kind'] as const) {
        if (before[field] !== input[field]) changes[field] = { from: before[field], to: input[field] };
      }
      if (before.emailDomains.join('\n') !== input.emailDomains.join('\n')) {
        changes.emailDomains = { from: before.emailDomains, to: [...input.emailDomains] };
      }
      try {
        await db.$transaction(async (tx) => {
          await tx.organization.update({ where: { id }, data: input });
          await audit.record(
            context,
            {
              action: 'admin.organization_update',
              outcome: 'SUCCESS',
              target: { type: 'organization', id },
              details: { changes },
            },
            tx,
          );
        });
      } catch (error) {
        return rethrowConflict(error);
      }
      return true;
    },

    async listOrganizationOptions() {
      return db.organization.findMany({
        select: { id: true, name: true, kind: true },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
    },
  };
}
