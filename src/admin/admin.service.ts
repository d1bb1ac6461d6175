import { officialVoiceRefusal, statusOrRoleChangeRefusal } from '../access/admin-access.js';
import { isVerifiedAt } from '../access/affiliation.js';
import type { Auth, Viewer } from '../accounts/auth.js';
import { hashToken, issueToken, TOKEN_TTL_MS } from '../accounts/one-time-tokens.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Mailer } from '../email/mailer.js';
import { type ErrorLog, Invalid } from '../errors.js';
import type { FieldMessage, FormErrors } from '../forms.js';
import { Prisma } from '../generated/prisma/client.js';
import type { AuditOutcome, SiteRole, UserStatus } from '../generated/prisma/enums.js';
import type { Locale } from '../i18n/i18n.js';
import type { AuditQuery, OrganizationInput } from './admin.schemas.js';

export interface SiteSettingsValues {
  siteName: string;
  citizenSignupEnabled: boolean;
  employeesCreateInteradministrative: boolean;
  employeesCreateOpen: boolean;
}

const SETTINGS_SELECT = {
  siteName: true,
  citizenSignupEnabled: true,
  employeesCreateInteradministrative: true,
  employeesCreateOpen: true,
} as const;

export interface AdminDeps {
  readonly db: Db;
  readonly config: Config;
  readonly auth: Auth;
  readonly audit: AuditLog;
  readonly mailer: Mailer;
  /** Where an invitation that could not be e-mailed is reported. */
  readonly log: ErrorLog;
}

export const USERS_PER_PAGE = 50;
export const AUDIT_ENTRIES_PER_PAGE = 100;
const DEFAULT_SITE_NAME = 'Ágora';

/** SiteSettings' column defaults, for a site whose settings row was never written. */
const DEFAULT_SETTINGS: SiteSettingsValues = {
  siteName: DEFAULT_SITE_NAME,
  citizenSignupEnabled: false,
  employeesCreateInteradministrative: true,
  employeesCreateOpen: false,
};

/** Prisma's contains/startsWith become LIKE without escaping: a typed % or _ would be a wildcard. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** How far ahead of UTC a time zone is at an instant, in milliseconds. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wallClockAsUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wallClockAsUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD, plus `addDays`) starts in a time zone: the audit's dates are local. */
export function startOfDayIn(day: string, timeZone: string, addDays = 0): Date {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  const midnightUtc = Date.UTC(year, month - 1, date + addDays);
  const first = midnightUtc - zoneOffsetMs(new Date(midnightUtc), timeZone);
  // Across a daylight-saving change the offset at the result can differ from the first guess.
  return new Date(midnightUtc - zoneOffsetMs(new Date(first), timeZone));
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export function createAdminService({ db, config, auth, audit, mailer, log }: AdminDeps) {
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

  async function loadUser(userId: string) {
    return db.user.findUnique({
      where: { id: userId },
      select: { id: true, handle: true, kind: true, role: true, status: true, organizationId: true },
    });
  }

  return {
    async getOverview() {
      const now = new Date();
      const [organizations, users, suspended, admins, invitations, settings] = await Promise.all([
        db.organization.count(),
        db.user.count(),
        db.user.count({ where: { status: 'SUSPENDED' } }),
        db.user.count({ where: { role: 'ADMIN' } }),
        db.oneTimeToken.count({ where: { purpose: 'PARTNER_INVITATION', usedAt: null, expiresAt: { gt: now } } }),
        db.siteSettings.findUnique({ where: { id: 1 }, select: { siteName: true, citizenSignupEnabled: true } }),
      ]);
      return {
        counts: { organizations, users, suspended, admins, invitations },
        siteName: settings?.siteName ?? DEFAULT_SITE_NAME,
        citizenSignupEnabled: settings?.citizenSignupEnabled ?? false,
      };
    },

    // ── Organizations ────────────────────────────────────────────────────────
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
        select: { id: true, name: true, slug: true, kind: true, emailDomains: true },
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
        select: { name: true, slug: true, kind: true, emailDomains: true },
      });
      if (!before) return false;
      await checkOrganization(input, id);
      const changes: Record<string, { from: string | string[]; to: string | string[] }> = {};
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

    // ── Users ───────────────────────────────────────────────────────────────
    /** Case-insensitive search in name, e-mail and handle; 50 a page. */
    async searchUsers(q: string, page: number) {
      const term = q.replace(/^@/, '');
      const where: Prisma.UserWhereInput = term
        ? {
            OR: [
              { displayName: { contains: escapeLike(term), mode: 'insensitive' } },
              { email: { contains: escapeLike(term), mode: 'insensitive' } },
              { handle: { contains: escapeLike(term), mode: 'insensitive' } },
            ],
          }
        : {};
      const [total, users] = await Promise.all([
        db.user.count({ where }),
        db.user.findMany({
          where,
          select: {
            id: true,
            handle: true,
            displayName: true,
            email: true,
            kind: true,
            role: true,
            status: true,
            organization: { select: { name: true } },
          },
          orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
          skip: (page - 1) * USERS_PER_PAGE,
          take: USERS_PER_PAGE,
        }),
      ]);
      return { users, total, page, pageCount: Math.max(1, Math.ceil(total / USERS_PER_PAGE)) };
    },

    /** Everything the user page shows, or null. */
    async getUserPage(userId: string) {
      const [user, organizations] = await Promise.all([
        db.user.findUnique({
          where: { id: userId },
          select: {
            id: true,
            handle: true,
            displayName: true,
            email: true,
            emailVerifiedAt: true,
            kind: true,
            role: true,
            status: true,
            createdAt: true,
            organizationId: true,
            organization: { select: { id: true, name: true } },
            officialVoices: {
              select: {
                createdAt: true,
                organization: { select: { id: true, name: true } },
                grantedBy: { select: { handle: true, displayName: true } },
              },
              orderBy: { createdAt: 'asc' },
            },
            _count: { select: { sessions: { where: { expiresAt: { gt: new Date() } } } } },
          },
        }),
        db.organization.findMany({ select: { id: true, name: true }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
      ]);
      return user ? { user, organizations } : null;
    },

    /** Suspends (ending every session) or reactivates. An admin cannot suspend themself. */
    async setUserStatus(actor: Viewer, userId: string, status: UserStatus, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      const action = status === 'SUSPENDED' ? 'admin.user_suspend' : 'admin.user_reactivate';
      if (status === 'SUSPENDED' && statusOrRoleChangeRefusal(actor, userId)) {
        await audit.record(context, {
          action,
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { reason: 'self' },
        });
        throw new Invalid({ status: { key: 'admin.user.cannotSuspendSelf' } });
      }
      if (user.status === status) return true;
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: { status } });
        await audit.record(context, { action, outcome: 'SUCCESS', target: { type: 'user', id: userId } }, tx);
      });
      // After the update: a session validated meanwhile is refused for the status anyway.
      if (status === 'SUSPENDED') await auth.endAllSessions(userId);
      return true;
    },

    /** Makes or unmakes a site admin. An admin cannot remove their own role. */
    async setUserRole(actor: Viewer, userId: string, role: SiteRole, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      const action = role === 'ADMIN' ? 'admin.role_grant' : 'admin.role_revoke';
      if (role !== 'ADMIN' && statusOrRoleChangeRefusal(actor, userId)) {
        await audit.record(context, {
          action,
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { reason: 'self' },
        });
        throw new Invalid({ role: { key: 'admin.user.cannotDemoteSelf' } });
      }
      if (user.role === role) return true;
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: { role } });
        await audit.record(context, { action, outcome: 'SUCCESS', target: { type: 'user', id: userId } }, tx);
      });
      return true;
    },

    /** Lets an employee publish organizational posts on behalf of their organization. */
    async grantOfficialVoice(
      actor: Viewer,
      userId: string,
      organizationId: string,
      context: AuditContext,
    ): Promise<boolean> {
      const [user, organization] = await Promise.all([
        db.user.findUnique({
          where: { id: userId },
          select: { kind: true, status: true, organizationId: true, emailVerifiedAt: true },
        }),
        db.organization.findUnique({ where: { id: organizationId }, select: { id: true, name: true } }),
      ]);
      if (!user) return false;
      if (!organization) throw new Invalid({ organizationId: { key: 'admin.voice.organizationRequired' } });
      const refusal = officialVoiceRefusal(
        { ...user, emailVerified: isVerifiedAt(user.emailVerifiedAt) },
        organizationId,
      );
      if (refusal) {
        await audit.record(context, {
          action: 'admin.voice_grant',
          outcome: 'DENIED',
          target: { type: 'user', id: userId },
          details: { organizationId, reason: refusal },
        });
        const key =
          refusal === 'suspended'
            ? 'admin.voice.suspended'
            : refusal === 'unverified'
              ? 'admin.voice.unverified'
              : 'admin.voice.notEmployee';
        throw new Invalid({ organizationId: { key, params: { organization: organization.name } } });
      }
      await db.$transaction(async (tx) => {
        const existing = await tx.officialVoice.findUnique({
          where: { userId_organizationId: { userId, organizationId } },
          select: { userId: true },
        });
        if (existing) return;
        await tx.officialVoice.create({ data: { userId, organizationId, grantedById: actor.id } });
        await audit.record(
          context,
          {
            action: 'admin.voice_grant',
            outcome: 'SUCCESS',
            target: { type: 'user', id: userId },
            details: { organizationId },
          },
          tx,
        );
      });
      return true;
    },

    async revokeOfficialVoice(userId: string, organizationId: string, context: AuditContext): Promise<boolean> {
      const user = await loadUser(userId);
      if (!user) return false;
      await db.$transaction(async (tx) => {
        const { count } = await tx.officialVoice.deleteMany({ where: { userId, organizationId } });
        if (count === 0) return;
        await audit.record(
          context,
          {
            action: 'admin.voice_revoke',
            outcome: 'SUCCESS',
            target: { type: 'user', id: userId },
            details: { organizationId },
          },
          tx,
        );
      });
      return true;
    },

    // ── Partner invitations ─────────────────────────────────────────────────
    async listPendingInvitations() {
      return db.oneTimeToken.findMany({
        where: { purpose: 'PARTNER_INVITATION', usedAt: null, expiresAt: { gt: new Date() } },
        select: {
          id: true,
          email: true,
          createdAt: true,
          expiresAt: true,
          organization: { select: { name: true } },
          createdBy: { select: { handle: true, displayName: true } },
        },
        orderBy: { createdAt: 'desc' },
      });
    },

    /**
     * E-mails an invitation to join as a partner of an organization, in `locale` (the inviter's: the invitee
     * has no language of their own yet). A new invitation to the same address replaces earlier ones.
     * Returns false when the e-mail could not be sent (nothing stays pending).
     */
    async invitePartner(
      actor: Viewer,
      input: { email: string; organizationId: string },
      locale: Locale,
      context: AuditContext,
    ): Promise<boolean> {
      const [organization, existing, settings] = await Promise.all([
        db.organization.findUnique({ where: { id: input.organizationId }, select: { id: true, name: true } }),
        db.user.findUnique({ where: { email: input.email }, select: { id: true } }),
        db.siteSettings.findUnique({ where: { id: 1 }, select: { siteName: true } }),
      ]);
      const problems: Record<string, FieldMessage> = {};
      if (!organization) problems.organizationId = { key: 'admin.invite.organizationRequired' };
      if (existing) problems.email = { key: 'admin.invite.emailHasAccount' };
      if (!organization || Object.keys(problems).length > 0) throw new Invalid(problems);

      const now = new Date();
      const token = await db.$transaction(async (tx) => {
        await tx.oneTimeToken.updateMany({
          where: { purpose: 'PARTNER_INVITATION', email: input.email, usedAt: null },
          data: { usedAt: now },
        });
        return issueToken(tx, {
          purpose: 'PARTNER_INVITATION',
          email: input.email,
          organizationId: organization.id,
          createdById: actor.id,
        });
      });

      const link = new URL(`/invitation?token=${encodeURIComponent(token)}`, config.publicUrl).href;
      try {
        await mailer.send({
          to: input.email,
          // An invitee has not proven the address yet: the message names neither the inviter nor the
          // organization (the link's page does), only the site (see PERSONAL_DATA in email/mailer.ts).
          toProven: false,
          // The invitee has no account, hence no language of their own yet: the inviter's.
          locale,
          template: 'partner-invitation',
          data: {
            link,
            days: String(TOKEN_TTL_MS.PARTNER_INVITATION / 86_400_000),
            site: settings?.siteName ?? DEFAULT_SITE_NAME,
          },
        });
      } catch (error) {
        log.error({ err: error, reqId: context.requestId }, 'could not send a partner invitation');
        await db.oneTimeToken.updateMany({ where: { tokenHash: hashToken(token) }, data: { usedAt: new Date() } });
        await audit.record(context, {
          action: 'admin.invitation_send',
          outcome: 'FAILURE',
          target: { type: 'organization', id: organization.id },
          details: { email: input.email, reason: 'mail_failed' },
        });
        return false;
      }
      await audit.record(context, {
        action: 'admin.invitation_send',
        outcome: 'SUCCESS',
        target: { type: 'organization', id: organization.id },
        details: { email: input.email },
      });
      return true;
    },

    // ── Site settings ───────────────────────────────────────────────────────
    async getSettings(): Promise<SiteSettingsValues> {
      const settings = await db.siteSettings.findUnique({ where: { id: 1 }, select: SETTINGS_SELECT });
      return settings ?? { ...DEFAULT_SETTINGS };
    },

    async saveSettings(input: SiteSettingsValues, context: AuditContext): Promise<void> {
      await db.$transaction(async (tx) => {
        const before = (await tx.siteSettings.findUnique({ where: { id: 1 }, select: SETTINGS_SELECT })) ?? null;
        await tx.siteSettings.upsert({ where: { id: 1 }, create: { id: 1, ...input }, update: input });
        const changes: Record<string, { from: string | boolean | null; to: string | boolean }> = {};
        for (const key of Object.keys(input) as Array<keyof SiteSettingsValues>) {
          if (before?.[key] !== input[key]) changes[key] = { from: before?.[key] ?? null, to: input[key] };
        }
        await audit.record(
          context,
          {
            action: 'admin.settings_update',
            outcome: 'SUCCESS',
            target: { type: 'site', id: '1' },
            details: { changes },
          },
          tx,
        );
      });
    },

    // ── Audit log ───────────────────────────────────────────────────────────
    /** Newest first, 100 a page; dates are whole days in the site's time zone, both ends included. */
    async searchAudit(query: AuditQuery) {
      const where: Prisma.AuditEntryWhereInput = {};
      if (query.action) where.action = { startsWith: escapeLike(query.action) };
      if (query.outcome) where.outcome = query.outcome as AuditOutcome;
      if (query.actor) {
        const actors = await db.user.findMany({
          where: { OR: [{ handle: query.actor }, { email: query.actor }] },
          select: { id: true },
        });
        where.actorId = { in: actors.map((actor) => actor.id) };
      }
      if (query.from || query.to) {
        where.at = {
          ...(query.from ? { gte: startOfDayIn(query.from, config.timeZone) } : {}),
          ...(query.to ? { lt: startOfDayIn(query.to, config.timeZone, 1) } : {}),
        };
      }
      const rows = await db.auditEntry.findMany({
        where,
        select: {
          id: true,
          at: true,
          action: true,
          outcome: true,
          targetType: true,
          targetId: true,
          requestId: true,
          ipAddress: true,
          details: true,
          actor: { select: { id: true, handle: true, displayName: true } },
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        skip: (query.page - 1) * AUDIT_ENTRIES_PER_PAGE,
        take: AUDIT_ENTRIES_PER_PAGE + 1,
      });
      const entries = rows.slice(0, AUDIT_ENTRIES_PER_PAGE);
      // Names for the targets, in one query per kind.
      const ids = (type: string) => [
        ...new Set(entries.filter((e) => e.targetType === type && e.targetId).map((e) => e.targetId ?? '')),
      ];
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      const [users, organizations] = await Promise.all([
        db.user.findMany({
          where: { id: { in: ids('user').filter((id) => uuid.test(id)) } },
          select: { id: true, handle: true },
        }),
        db.organization.findMany({
          where: { id: { in: ids('organization').filter((id) => uuid.test(id)) } },
          select: { id: true, name: true },
        }),
      ]);
      const userHandles = new Map(users.map((user) => [user.id, `@${user.handle}`]));
      const organizationNames = new Map(organizations.map((organization) => [organization.id, organization.name]));
      return {
        entries: entries.map((entry) => ({
          ...entry,
          id: entry.id.toString(),
          detailsJson: JSON.stringify(entry.details),
          target: entry.targetType
            ? {
                type: entry.targetType,
                id: entry.targetId,
                label:
                  (entry.targetType === 'user' && userHandles.get(entry.targetId ?? '')) ||
                  (entry.targetType === 'organization' && organizationNames.get(entry.targetId ?? '')) ||
                  null,
                href:
                  entry.targetType === 'user' && userHandles.has(entry.targetId ?? '')
                    ? `/admin/users/${entry.targetId}`
                    : entry.targetType === 'organization' && organizationNames.has(entry.targetId ?? '')
                      ? `/admin/organizations/${entry.targetId}/edit`
                      : null,
              }
            : null,
        })),
        page: query.page,
        hasNext: rows.length > AUDIT_ENTRIES_PER_PAGE,
      };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
