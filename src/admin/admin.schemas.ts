import { z } from 'zod';
import { emailField } from '../accounts/accounts.schemas.js';
import type { OrganizationKind } from '../generated/prisma/enums.js';
import { limitedText, TEXT_LIMITS } from '../text/limits.js';

// The admin area's forms and query strings. Messages are catalog keys; some carry parameters
// (which domain is wrong, which organization has it), kept in the zod issue's `params`.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const idParams = z.object({ id: z.string().regex(UUID) });

export const ORGANIZATION_KINDS = [
  'MUNICIPALITY',
  'PROVINCE',
  'REGION',
  'STATE_AGENCY',
  'PARTNER',
] as const satisfies readonly OrganizationKind[];

export const SLUG_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;

/** A DNS host name in lower case: labels of letters, digits and inner hyphens; at least two; a TLD that starts with a letter. */
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const MAX_DOMAINS = 50;

/** The textarea's domains, one per line: trimmed, in lower case, each once, blank lines ignored. */
const domainsField = z
  .string()
  .max(10_000, { error: 'admin.org.domainsTooMany' })
  .default('')
  .transform((text, ctx) => {
    const domains: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      const typed = line.trim();
      if (!typed) continue;
      const domain = typed.toLowerCase();
      if (domain.includes('@')) {
        ctx.addIssue({ code: 'custom', message: 'admin.org.domainHasAt', params: { domain: typed } });
        return z.NEVER;
      }
      if (!HOSTNAME.test(domain)) {
        ctx.addIssue({ code: 'custom', message: 'admin.org.domainInvalid', params: { domain: typed } });
        return z.NEVER;
      }
      if (!domains.includes(domain)) domains.push(domain);
    }
    if (domains.length > MAX_DOMAINS) {
      ctx.addIssue({ code: 'custom', message: 'admin.org.domainsTooMany', params: { max: MAX_DOMAINS } });
      return z.NEVER;
    }
    return domains;
  });

export const organizationForm = z.object({
  name: limitedText(TEXT_LIMITS.organizationName, {
    required: 'admin.org.nameRequired',
    tooLong: 'admin.org.nameTooLong',
  }),
  slug: z
    .string({ error: 'admin.org.slugRequired' })
    .trim()
    .toLowerCase()
    .min(1, { error: 'admin.org.slugRequired' })
    .max(60, { error: 'admin.org.slugInvalid' })
    .regex(SLUG_PATTERN, { error: 'admin.org.slugInvalid' }),
  kind: z.enum(ORGANIZATION_KINDS, { error: 'admin.org.kindRequired' }),
  emailDomains: domainsField,
  /** A checkbox: sent as "on" when ticked, absent otherwise. */
  ssoOnly: z
    .unknown()
    .optional()
    .transform((value) => value === 'on'),
});

export type OrganizationInput = z.output<typeof organizationForm>;

const pageField = z.coerce.number().int().min(1).max(100_000).catch(1);

export const userSearchQuery = z.object({
  // Longer than the box allows, cut to its 200 characters (code points), as the directory's search is: a
  // `.max(200).catch('')` searched nothing for a long query and listed every account. Given twice, the first.
  q: z
    .preprocess((value) => (Array.isArray(value) ? value[0] : value), z.string())
    .transform((text) => Array.from(text.trim()).slice(0, 200).join('').trim())
    .catch(''),
  page: pageField,
});

export const userStatusForm = z.object({
  status: z.enum(['ACTIVE', 'SUSPENDED'], { error: 'admin.user.statusInvalid' }),
});

export const userRoleForm = z.object({
  role: z.enum(['USER', 'ADMIN'], { error: 'admin.user.roleInvalid' }),
});

export const officialVoiceForm = z.object({
  organizationId: z
    .string({ error: 'admin.voice.organizationRequired' })
    .regex(UUID, { error: 'admin.voice.organizationRequired' }),
});

export const invitationForm = z.object({
  email: emailField,
  organizationId: z
    .string({ error: 'admin.invite.organizationRequired' })
    .regex(UUID, { error: 'admin.invite.organizationRequired' }),
});

const checkbox = z
  .literal('on', { error: 'admin.settings.checkboxInvalid' })
  .optional()
  .transform((value) => value === 'on');

export const settingsForm = z.object({
  siteName: limitedText(TEXT_LIMITS.siteName, {
    required: 'admin.settings.siteNameRequired',
    tooLong: 'admin.settings.siteNameTooLong',
  }),
  accessibilityBody: z
    .string({ error: 'admin.settings.accessibilityBodyTooLong' })
    .trim()
    .max(200, { error: 'admin.settings.accessibilityBodyTooLong' })
    .default(''),
  accessibilityEmail: z
    .string({ error: 'admin.settings.accessibilityEmailInvalid' })
    .trim()
    .max(254, { error: 'admin.settings.accessibilityEmailInvalid' })
    .refine((value) => value === '' || /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(value), {
      error: 'admin.settings.accessibilityEmailInvalid',
    })
    .default(''),
  // An unticked checkbox is not sent at all.
  citizenSignupEnabled: checkbox,
  employeesCreateInteradministrative: checkbox,
  employeesCreateOpen: checkbox,
});

/** The switches on the settings page, in the order shown. */
export const SETTING_SWITCHES = [
  'citizenSignupEnabled',
  'employeesCreateInteradministrative',
  'employeesCreateOpen',
] as const;

export const AUDIT_OUTCOMES = ['SUCCESS', 'FAILURE', 'DENIED'] as const;

/** A calendar day as a date input sends it; '' when not given. */
const dayField = z
  .string()
  .trim()
  .default('')
  .refine(
    (value) => {
      if (value === '') return true;
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!match) return false;
      const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
      const date = new Date(Date.UTC(year, month - 1, day));
      return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    },
    { error: 'admin.audit.dateInvalid' },
  );

export const auditQuery = z
  .object({
    action: z
      .string()
      .trim()
      .toLowerCase()
      .max(100, { error: 'admin.audit.actionInvalid' })
      .regex(/^[a-z0-9._-]*$/, { error: 'admin.audit.actionInvalid' })
      .default(''),
    actor: z
      .string()
      .trim()
      .max(254, { error: 'admin.audit.actorInvalid' })
      .transform((value) => value.replace(/^@/, ''))
      .default(''),
    outcome: z.union([z.enum(AUDIT_OUTCOMES), z.literal('')], { error: 'admin.audit.outcomeInvalid' }).default(''),
    from: dayField,
    to: dayField,
    page: pageField,
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.to < query.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'admin.audit.toBeforeFrom' });
    }
  });

export type AuditQuery = z.output<typeof auditQuery>;
