import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import { resolvePeriod } from '../balance/balance-period.js';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import { mayEnterAdminArea } from '../plugins/sessions.js';
import { FEEDBACK_LANGUAGES } from '../policy/suggestion-feedback.js';
import { POST_TAGS } from '../policy/tags.js';
import {
  AUDIT_OUTCOMES,
  auditQuery,
  idParams,
  invitationForm,
  ORGANIZATION_KINDS,
  officialVoiceForm,
  organizationForm,
  SETTING_SWITCHES,
  settingsForm,
  userRoleForm,
  userSearchQuery,
  userStatusForm,
} from './admin.schemas.js';
import { type AdminService, AUDIT_ENTRIES_PER_PAGE, USERS_PER_PAGE } from './admin.service.js';
import type { createSuggestionFeedbackReport } from './admin-suggestion-feedback.js';

interface PageOptions {
  status?: number;
  errors?: FormErrors;
  values?: Readonly<Record<string, string>>;
  formError?: string | null;
  extra?: object;
}

/** Renders an admin page: its status, the messages beside their fields and what was typed. */
function renderPage(reply: FastifyReply, view: string, title: string, options: PageOptions = {}) {
  const { request } = reply;
  return reply.code(options.status ?? 200).view(view, {
    title,
    values: options.values ?? {},
    errors: translateErrors(request.t, options.errors ?? {}),
    formError: options.formError ?? null,
    ...options.extra,
  });
}

/** The admin's own record; the onRequest hook guarantees there is one. */
function adminOf(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new NotFound('Not found');
  return request.viewer;
}

/** The :id of the URL, or a 404 for anything that is not a UUID. */
function idOf(request: FastifyRequest): string {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFound('Not found');
  return parsed.data.id;
}

/** A query string for a list's other pages, keeping its filters. */
function pageLink(path: string, filters: Record<string, string | number>, page: number): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== '') query.set(name, String(value));
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

const kindOptions = (request: FastifyRequest) =>
  ORGANIZATION_KINDS.map((kind) => ({ value: kind, label: request.t(`organization.kind.${kind}` as MessageKey) }));

/**
 * /admin: organizations, users, partner invitations, site settings and the audit log, for site
 * admins only. To anyone else every URL here answers 404, GET or POST, before CSRF or body
 * parsing: the area's existence is not disclosed.
 */
export async function adminRoutes(
  app: FastifyInstance,
  {
    admin,
    audit,
    feedback,
    timeZone,
  }: {
    admin: AdminService;
    audit: AuditLog;
    /** The suggestion feedback (issue 13, item 2); the site's time zone turns the days typed into instants. */
    feedback: ReturnType<typeof createSuggestionFeedbackReport>;
    timeZone: string;
  },
) {
  app.addHook('onRequest', async (request) => {
    if (mayEnterAdminArea(request)) return;
    // A signed-in person probing the admin area is worth a line in the log; anonymous crawlers are not.
    if (request.viewer) {
      await audit.record(request.auditContext, {
        action: 'admin.access',
        outcome: 'DENIED',
        details: { method: request.method, path: request.url.split('?')[0] ?? '' },
      });
    }
    throw new NotFound('Not found');
  });

  // ── Overview ──────────────────────────────────────────────────────────────
  app.get('/admin', async (request, reply) => {
    const overview = await admin.getOverview();
    return reply.view('admin/index.eta', { title: request.t('admin.overview.title'), ...overview });
  });

  // ── Organizations ─────────────────────────────────────────────────────────
  app.get('/admin/organizations', async (request, reply) => {
    const organizations = await admin.listOrganizations();
    return reply.view('admin/organizations.eta', { title: request.t('admin.orgs.title'), organizations });
  });

  const organizationPage = (reply: FastifyReply, title: string, action: string, options: PageOptions = {}) =>
    renderPage(reply, 'admin/organization-form.eta', title, {
      ...options,
      extra: { action, kinds: kindOptions(reply.request), ...options.extra },
    });

  app.get('/admin/organizations/new', async (request, reply) =>
    organizationPage(reply, request.t('admin.orgs.newTitle'), '/admin/organizations', {
      values: { kind: 'MUNICIPALITY' },
    }),
  );

  // The words an administrator typed come back on the busy page (503) to send again (keepsWords).
  const ORGANIZATION_FORM = {
    config: {
      keepsWords: {
        name: { label: 'admin.org.name', multiline: false },
        slug: { label: 'admin.org.slug', multiline: false },
        emailDomains: { label: 'admin.org.domains', multiline: true },
      },
    },
  } as const;
  app.post('/admin/organizations', ORGANIZATION_FORM, async (request, reply) => {
    const title = request.t('admin.orgs.newTitle');
    const form = parseForm(organizationForm, request.body);
    if (!form.ok) return organizationPage(reply, title, '/admin/organizations', { status: 422, ...form });
    try {
      await admin.createOrganization(form.data, request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return organizationPage(reply, title, '/admin/organizations', {
        status: 422,
        errors: error.fieldErrors,
        values: keptValues(request.body),
      });
    }
    return reply.redirect('/admin/organizations?notice=admin-organization-created', 303);
  });

  app.get('/admin/organizations/:id/edit', async (request, reply) => {
    const id = idOf(request);
    const organization = await admin.getOrganization(id);
    if (!organization) throw new NotFound('No such organization');
    return organizationPage(
      reply,
      request.t('admin.orgs.editTitle', { name: organization.name }),
      `/admin/organizations/${id}`,
      {
        values: {
          name: organization.name,
          slug: organization.slug,
          kind: organization.kind,
          emailDomains: organization.emailDomains.join('\n'),
          ssoOnly: organization.ssoOnly ? 'on' : '',
        },
        extra: { organization },
      },
    );
  });

  app.post('/admin/organizations/:id', ORGANIZATION_FORM, async (request, reply) => {
    const id = idOf(request);
    const organization = await admin.getOrganization(id);
    if (!organization) throw new NotFound('No such organization');
    const title = request.t('admin.orgs.editTitle', { name: organization.name });
    const action = `/admin/organizations/${id}`;
    const form = parseForm(organizationForm, request.body);
    if (!form.ok) return organizationPage(reply, title, action, { status: 422, ...form, extra: { organization } });
    try {
      if (!(await admin.updateOrganization(id, form.data, request.auditContext)))
        throw new NotFound('No such organization');
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return organizationPage(reply, title, action, {
        status: 422,
        errors: error.fieldErrors,
        values: keptValues(request.body),
        extra: { organization },
      });
    }
    return reply.redirect('/admin/organizations?notice=admin-organization-updated', 303);
  });

  // ── Users ─────────────────────────────────────────────────────────────────
  app.get('/admin/users', async (request, reply) => {
    const query = userSearchQuery.parse(request.query ?? {});
    const result = await admin.searchUsers(query.q, query.page);
    return reply.view('admin/users.eta', {
      title: request.t('admin.users.title'),
      q: query.q,
      ...result,
      perPage: USERS_PER_PAGE,
      previousLink: result.page > 1 ? pageLink('/admin/users', { q: query.q }, result.page - 1) : null,
      nextLink: result.page < result.pageCount ? pageLink('/admin/users', { q: query.q }, result.page + 1) : null,
    });
  });

  /** The user page, fresh or with a refused action's message beside its control. */
  async function userPage(reply: FastifyReply, userId: string, options: PageOptions = {}) {
    const page = await admin.getUserPage(userId);
    if (!page) throw new NotFound('No such user');
    const isSelf = page.user.id === adminOf(reply.request).id;
    return renderPage(reply, 'admin/user.eta', page.user.displayName, {
      ...options,
      values: { organizationId: page.user.organizationId ?? '', ...options.values },
      extra: { ...page, isSelf },
    });
  }

  app.get('/admin/users/:id', async (request, reply) => userPage(reply, idOf(request)));

  /** Runs one of the user page's actions; a refusal re-renders the page with 422. */
  async function userAction(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    run: () => Promise<boolean>,
    notice: string,
  ) {
    try {
      if (!(await run())) throw new NotFound('No such user');
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return userPage(reply, userId, { status: 422, errors: error.fieldErrors, values: keptValues(request.body) });
    }
    return reply.redirect(`/admin/users/${userId}?notice=${notice}`, 303);
  }

  app.post('/admin/users/:id/status', { config: { keepsWords: false } }, async (request, reply) => {
    const userId = idOf(request);
    const form = parseForm(userStatusForm, request.body);
    if (!form.ok) return userPage(reply, userId, { status: 422, ...form });
    const { status } = form.data;
    return userAction(
      request,
      reply,
      userId,
      () => admin.setUserStatus(adminOf(request), userId, status, request.auditContext),
      status === 'SUSPENDED' ? 'admin-user-suspended' : 'admin-user-reactivated',
    );
  });

  app.post('/admin/users/:id/role', { config: { keepsWords: false } }, async (request, reply) => {
    const userId = idOf(request);
    const form = parseForm(userRoleForm, request.body);
    if (!form.ok) return userPage(reply, userId, { status: 422, ...form });
    const { role } = form.data;
    return userAction(
      request,
      reply,
      userId,
      () => admin.setUserRole(adminOf(request), userId, role, request.auditContext),
      role === 'ADMIN' ? 'admin-role-granted' : 'admin-role-revoked',
    );
  });

  app.post('/admin/users/:id/voices', { config: { keepsWords: false } }, async (request, reply) => {
    const userId = idOf(request);
    const form = parseForm(officialVoiceForm, request.body);
    if (!form.ok) return userPage(reply, userId, { status: 422, ...form });
    const { organizationId } = form.data;
    return userAction(
      request,
      reply,
      userId,
      () => admin.grantOfficialVoice(adminOf(request), userId, organizationId, request.auditContext),
      'admin-voice-granted',
    );
  });

  app.post('/admin/users/:id/voices/revoke', { config: { keepsWords: false } }, async (request, reply) => {
    const userId = idOf(request);
    const form = parseForm(officialVoiceForm, request.body);
    if (!form.ok) return userPage(reply, userId, { status: 422, ...form });
    const { organizationId } = form.data;
    return userAction(
      request,
      reply,
      userId,
      () => admin.revokeOfficialVoice(userId, organizationId, request.auditContext),
      'admin-voice-revoked',
    );
  });

  // ── Partner invitations ───────────────────────────────────────────────────
  async function invitationsPage(reply: FastifyReply, options: PageOptions = {}) {
    const [invitations, organizations] = await Promise.all([
      admin.listPendingInvitations(),
      admin.listOrganizationOptions(),
    ]);
    return renderPage(reply, 'admin/invitations.eta', reply.request.t('admin.invite.title'), {
      ...options,
      extra: { invitations, organizations },
    });
  }

  app.get('/admin/invitations', async (_request, reply) => invitationsPage(reply));

  const INVITATION_FORM = {
    config: { keepsWords: { email: { label: 'accounts.field.email', multiline: false } } },
  } as const;
  app.post('/admin/invitations', INVITATION_FORM, async (request, reply) => {
    const form = parseForm(invitationForm, request.body);
    if (!form.ok) return invitationsPage(reply, { status: 422, ...form });
    try {
      const sent = await admin.invitePartner(adminOf(request), form.data, request.locale, request.auditContext);
      if (!sent) {
        return invitationsPage(reply, {
          status: 503,
          values: keptValues(request.body),
          formError: request.t('admin.invite.sendFailed'),
        });
      }
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return invitationsPage(reply, { status: 422, errors: error.fieldErrors, values: keptValues(request.body) });
    }
    return reply.redirect('/admin/invitations?notice=admin-invitation-sent', 303);
  });

  // ── Site settings ─────────────────────────────────────────────────────────
  app.get('/admin/settings', async (request, reply) => {
    const settings = await admin.getSettings();
    const values: Record<string, string> = {
      siteName: settings.siteName,
      accessibilityBody: settings.accessibilityBody,
      accessibilityEmail: settings.accessibilityEmail,
    };
    for (const key of SETTING_SWITCHES) values[key] = settings[key] ? 'on' : '';
    return renderPage(reply, 'admin/settings.eta', request.t('admin.settings.title'), {
      values,
      extra: { switches: SETTING_SWITCHES },
    });
  });

  const SETTINGS_FORM = {
    config: {
      keepsWords: {
        siteName: { label: 'admin.settings.siteName', multiline: false },
        accessibilityBody: { label: 'admin.settings.accessibilityBody', multiline: false },
        accessibilityEmail: { label: 'admin.settings.accessibilityEmail', multiline: false },
      },
    },
  } as const;
  app.post('/admin/settings', SETTINGS_FORM, async (request, reply) => {
    const form = parseForm(settingsForm, request.body);
    if (!form.ok) {
      return renderPage(reply, 'admin/settings.eta', request.t('admin.settings.title'), {
        status: 422,
        ...form,
        extra: { switches: SETTING_SWITCHES },
      });
    }
    await admin.saveSettings(form.data, request.auditContext);
    return reply.redirect('/admin/settings?notice=admin-settings-saved', 303);
  });

  // ── Audit log ─────────────────────────────────────────────────────────────
  app.get('/admin/audit', async (request, reply) => {
    const title = request.t('admin.audit.title');
    const extra = { outcomes: AUDIT_OUTCOMES, perPage: AUDIT_ENTRIES_PER_PAGE };
    const form = parseForm(auditQuery, request.query);
    if (!form.ok) {
      return renderPage(reply, 'admin/audit.eta', title, {
        status: 422,
        ...form,
        extra: { ...extra, entries: [], previousLink: null, nextLink: null },
      });
    }
    const { page, ...filters } = form.data;
    const result = await admin.searchAudit(form.data, request.t);
    // A page past the end (the log is paged without counting it) goes to the first page of the same
    // filters, rather than saying the log is empty.
    if (result.entries.length === 0 && page > 1) return reply.redirect(pageLink('/admin/audit', filters, 1), 303);
    return renderPage(reply, 'admin/audit.eta', title, {
      values: { ...filters },
      extra: {
        ...extra,
        entries: result.entries,
        filtered: Object.values(filters).some((value) => value !== ''),
        previousLink: page > 1 ? pageLink('/admin/audit', filters, page - 1) : null,
        nextLink: result.hasNext ? pageLink('/admin/audit', filters, page + 1) : null,
      },
    });
  });

  // ── Learning from people: how often authors kept the suggested tag ────────
  app.get('/admin/suggestions', async (request, reply) => {
    const title = request.t('admin.feedback.title');
    const resolved = resolvePeriod(request.query, timeZone, new Date());
    const tagOptions = POST_TAGS.map((tag) => ({ value: tag, label: request.t(`policy.tag.${tag}`) }));
    const percent = new Intl.NumberFormat(request.locale, { style: 'percent', maximumFractionDigits: 1 });
    const extra = {
      feedbackLanguages: FEEDBACK_LANGUAGES,
      allTags: POST_TAGS,
      percent: (value: number | null) => (value === null ? '—' : percent.format(value)),
    };
    if (!resolved.ok) {
      const typed = resolved.values.tag ?? '';
      const options =
        typed && !POST_TAGS.some((tag) => tag === typed) ? [...tagOptions, { value: typed, label: typed }] : tagOptions;
      return renderPage(reply, 'admin/suggestions.eta', title, {
        status: 422,
        errors: resolved.errors,
        values: resolved.values,
        extra: { ...extra, tagOptions: options, tags: POST_TAGS, feedback: null },
      });
    }
    const { period } = resolved;
    const summary = await feedback.summarize({ from: period.from, to: period.to });
    return renderPage(reply, 'admin/suggestions.eta', title, {
      values: resolved.values,
      extra: { ...extra, tagOptions, tags: period.tag ? [period.tag] : POST_TAGS, feedback: summary },
    });
  });
}
