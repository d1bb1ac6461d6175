import type { Auth, Viewer } from '../accounts/auth.js';
import { hashToken, issueToken, TOKEN_TTL_MS } from '../accounts/one-time-tokens.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Mailer } from '../email/mailer.js';
import { type ErrorLog, Invalid } from '../errors.js';
import type { FieldMessage } from '../forms.js';
import type { Locale } from '../i18n/i18n.js';
import { createAdminAuditSearch } from './admin-audit.js';
import { createAdminOrganizations } from './admin-organizations.js';
import { createAdminUsers } from './admin-users.js';

// The admin area: an overview, partner invitations and the site's settings here; organizations, people
// and the audit log each in a file of their own (admin-organizations.ts, admin-users.ts, admin-audit.ts),
// put together below for the routes.

export { AUDIT_ENTRIES_PER_PAGE } from './admin-audit.js';
export { USERS_PER_PAGE } from './admin-users.js';

export interface SiteSettingsValues {
  siteName: string;
  citizenSignupEnabled: boolean;
  employeesCreateInteradministrative: boolean;
  employeesCreateOpen: boolean;
  /** For the accessibility statement (src/accessibility): the body responsible and its contact address. */
  accessibilityBody: string;
  accessibilityEmail: string;
}

const SETTINGS_SELECT = {
  siteName: true,
  citizenSignupEnabled: true,
  employeesCreateInteradministrative: true,
  employeesCreateOpen: true,
  accessibilityBody: true,
  accessibilityEmail: true,
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

const DEFAULT_SITE_NAME = 'Ágora';

/** SiteSettings' column defaults, for a site whose settings row was never written. */
const DEFAULT_SETTINGS: SiteSettingsValues = {
  siteName: DEFAULT_SITE_NAME,
  citizenSignupEnabled: false,
  employeesCreateInteradministrative: true,
  employeesCreateOpen: false,
  accessibilityBody: '',
  accessibilityEmail: '',
};

export function createAdminService({ db, config, auth, audit, mailer, log }: AdminDeps) {
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

    ...createAdminOrganizations({ db, audit }),
    ...createAdminUsers({ db, auth, audit }),

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

    ...createAdminAuditSearch({ db, timeZone: config.timeZone }),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
