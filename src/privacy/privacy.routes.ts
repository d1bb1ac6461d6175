import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Auth } from '../accounts/auth.js';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { mayEnterAdminArea, requireViewer, viewerOf } from '../plugins/sessions.js';
import { ExportPending } from './data-export.service.js';
import { eraseForm, exportIdParams, retentionForm } from './privacy.schemas.js';
import type { PrivacyService } from './privacy.service.js';
import { RETENTION_MAX_MONTHS } from './privacy-rules.js';

/**
 * /account/data: a person's copy of their data and the erasure of their account (GDPR Art. 15, 17, 20);
 * /admin/retention: the site's retention rules (Art. 5(1)(e)), for site admins only (404 to anyone else).
 * Thin: parse, call the service, render.
 */
export async function privacyRoutes(
  app: FastifyInstance,
  { privacy, auth, sensitiveMax }: { privacy: PrivacyService; auth: Auth; sensitiveMax: number },
) {
  const ACCOUNT_LIMIT = perAccountLimit(sensitiveMax, 15 * 60_000);

  async function dataPage(reply: FastifyReply, options: { status?: number; formError?: string } = {}) {
    const { request } = reply;
    const viewer = viewerOf(request);
    const exports = await privacy.exports.listExports(viewer.id);
    return reply.code(options.status ?? 200).view('privacy/data.eta', {
      title: request.t('privacy.data.title'),
      exports,
      pending: exports.some((row) => row.status === 'PENDING'),
      errors: {},
      formError: options.formError ?? null,
    });
  }

  app.get('/account/data', { preHandler: requireViewer }, async (_request, reply) => dataPage(reply));

  app.post(
    '/account/data/export',
    { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: false } },
    async (request, reply) => {
      try {
        await privacy.exports.requestExport(viewerOf(request).id, request.auditContext);
      } catch (error) {
        if (!(error instanceof ExportPending)) throw error;
        return dataPage(reply, { status: 409, formError: request.t('privacy.export.alreadyPending') });
      }
      return reply.redirect('/account/data?notice=data-export-requested', 303);
    },
  );

  app.get('/account/data/exports/:exportId', { preHandler: requireViewer }, async (request, reply) => {
    const params = exportIdParams.safeParse(request.params);
    if (!params.success) throw new NotFound('No such export');
    const found = await privacy.exports.openExport(viewerOf(request).id, params.data.exportId, request.auditContext);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${found.fileName}"`)
      .header('content-length', String(found.size))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(createReadStream(found.file));
  });

  async function erasePage(
    reply: FastifyReply,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string> } = {},
  ) {
    const { request } = reply;
    const [plan, confirmation] = await Promise.all([
      privacy.erasure.plan(viewerOf(request).id),
      privacy.erasure.confirmationOf(viewerOf(request).id),
    ]);
    return reply.code(options.status ?? 200).view('privacy/erase.eta', {
      title: request.t('privacy.erase.title'),
      plan,
      confirmation,
      values: options.values ?? {},
      errors: translateErrors(request.t, options.errors),
      formError: null,
    });
  }

  app.get('/account/data/erase', { preHandler: requireViewer }, async (_request, reply) => erasePage(reply));

  // The password (or, without one, the address) is asked again, never written back.
  const ERASE_WORDS = {
    password: { label: 'privacy.erase.password', multiline: false, secret: 'current-password' },
  } as const;
  app.post(
    '/account/data/erase',
    { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: ERASE_WORDS } },
    async (request, reply) => {
      const form = parseForm(eraseForm, request.body);
      if (!form.ok) return erasePage(reply, { status: 422, errors: form.errors, values: form.values });
      let waiting: number;
      try {
        const result = await privacy.erasure.eraseAccount(viewerOf(request).id, form.data, request.auditContext);
        waiting = result.waiting.length;
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        return erasePage(reply, { status: 422, errors: error.fieldErrors, values: keptValues(request.body) });
      }
      reply.setSessionCookie(auth.blankCookie());
      return reply.redirect(`/account/erased${waiting > 0 ? `?waiting=${waiting}` : ''}`, 303);
    },
  );

  // Public: the session is gone by the time this is shown. Says only what the query says.
  app.get<{ Querystring: { waiting?: string } }>('/account/erased', async (request, reply) => {
    const waiting = /^\d{1,6}$/.test(request.query.waiting ?? '') ? Number(request.query.waiting) : 0;
    return reply.view('privacy/erased.eta', { title: request.t('privacy.erased.title'), waiting });
  });

  // ── Retention rules (site admins) ──────────────────────────────────────────
  await app.register(async (admin) => {
    // As in the rest of /admin: to anyone else it does not exist, before CSRF or body parsing.
    admin.addHook('onRequest', async (request) => {
      if (!mayEnterAdminArea(request)) throw new NotFound('Not found');
    });

    function retentionPage(
      reply: FastifyReply,
      options: { status?: number; errors?: FormErrors; values?: Record<string, string> },
    ) {
      const { request } = reply;
      return reply.code(options.status ?? 200).view('privacy/retention.eta', {
        title: request.t('privacy.retention.title'),
        values: options.values ?? {},
        errors: translateErrors(request.t, options.errors),
        formError: null,
        max: RETENTION_MAX_MONTHS,
      });
    }

    admin.get('/admin/retention', async (_request, reply) => {
      const rules = await privacy.retention.settings();
      return retentionPage(reply, {
        values: {
          auditMonths: rules.auditMonths === null ? '' : String(rules.auditMonths),
          refusedDecisionMonths: rules.refusedDecisionMonths === null ? '' : String(rules.refusedDecisionMonths),
        },
      });
    });

    const RETENTION_WORDS = {
      auditMonths: { label: 'privacy.retention.auditMonths', multiline: false },
      refusedDecisionMonths: { label: 'privacy.retention.refusedDecisionMonths', multiline: false },
    } as const;
    admin.post('/admin/retention', { config: { keepsWords: RETENTION_WORDS } }, async (request, reply) => {
      const form = parseForm(retentionForm, request.body);
      if (!form.ok) return retentionPage(reply, { status: 422, errors: form.errors, values: form.values });
      await privacy.retention.saveSettings(
        { auditMonths: form.data.auditMonths, refusedDecisionMonths: form.data.refusedDecisionMonths },
        request.auditContext,
      );
      return reply.redirect('/admin/retention?notice=admin-retention-saved', 303);
    });
  });
}
