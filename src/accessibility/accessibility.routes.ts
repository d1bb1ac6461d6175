import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, parseForm, translateErrors } from '../forms.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { mayEnterAdminArea } from '../plugins/sessions.js';
import { REPORT_DESCRIPTION_MAX, REPORT_KINDS, reportForm, reportParams } from './accessibility.schemas.js';
import type { AccessibilityService } from './accessibility.service.js';
import { STATEMENT } from './statement.js';

// /accesibilidad: the accessibility statement (RD 1112/2018 art. 15) with its form for communications,
// requests for accessible information and complaints (art. 10.2), linked from every page's footer.
// /admin/accessibility: what came in, for site admins (404 to anyone else). Thin: parse, call, render.

const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

export async function accessibilityRoutes(
  app: FastifyInstance,
  {
    accessibility,
    timeZone,
    sensitiveMax,
  }: { accessibility: AccessibilityService; timeZone: string; sensitiveMax: number },
) {
  // Per account, or per address when signed out: a form anyone may send is a form anyone may flood.
  const REPORT_LIMIT = perAccountLimit(sensitiveMax, 15 * 60_000);
  const day = (locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });

  async function statementPage(
    reply: FastifyReply,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string>; sentDueBy?: Date } = {},
  ) {
    const { request } = reply;
    const contact = await accessibility.contact();
    const format = day(request.locale);
    return reply.code(options.status ?? 200).view('accessibility/statement.eta', {
      title: request.t('accessibility.title'),
      statement: STATEMENT,
      contact,
      preparedOn: format.format(new Date(`${STATEMENT.preparedOn}T12:00:00Z`)),
      reviewedOn: format.format(new Date(`${STATEMENT.reviewedOn}T12:00:00Z`)),
      kinds: REPORT_KINDS,
      descriptionMax: REPORT_DESCRIPTION_MAX,
      values: options.values ?? {},
      // Kept from the form refused, else a new one: the report it makes is made once however often it is sent.
      submissionKey: /^[0-9a-f-]{36}$/.test(options.values?.submissionKey ?? '')
        ? options.values?.submissionKey
        : randomUUID(),
      errors: translateErrors(request.t, options.errors ?? {}),
      formError: null,
      sentDueBy: options.sentDueBy ? format.format(options.sentDueBy) : null,
    });
  }

  // After a report is kept the page is shown again by a redirect (a reload sends nothing twice) that
  // carries the due date: `?sent=YYYY-MM-DD`, shown only when it is a day of the coming weeks.
  app.get('/accesibilidad', async (request, reply) => {
    const sent = (request.query as { sent?: unknown } | undefined)?.sent;
    const due = typeof sent === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(sent) ? new Date(`${sent}T12:00:00Z`) : null;
    const days = due ? (due.getTime() - Date.now()) / 86_400_000 : Number.NaN;
    return statementPage(reply, days > 0 && days < 60 && due ? { sentDueBy: due } : {});
  });

  // A citizen's complaint is given back on a 503 (plugins/errors.ts) with every word.
  const COMPLAINT_WORDS = {
    pageUrl: { label: 'accessibility.field.pageUrl', multiline: false },
    email: { label: 'accessibility.field.email', multiline: false },
    description: { label: 'accessibility.field.description', multiline: true },
  } as const;
  app.post('/accesibilidad', { config: { ...REPORT_LIMIT, keepsWords: COMPLAINT_WORDS } }, async (request, reply) => {
    const form = parseForm(reportForm, request.body);
    if (!form.ok) return statementPage(reply, { status: 422, errors: form.errors, values: form.values });
    try {
      const { dueBy } = await accessibility.report(request.viewer, form.data);
      return reply.redirect(`/accesibilidad?sent=${dueBy.toISOString().slice(0, 10)}#report-sent`, 303);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const values = Object.fromEntries(Object.entries(form.data).map(([key, value]) => [key, String(value)]));
      return statementPage(reply, { status: 422, errors: error.fieldErrors, values });
    }
  });

  // ── For site admins ──────────────────────────────────────────────────────────────────────────────
  // As the rest of /admin: 404 to anyone else, GET or POST, before CSRF or body parsing.
  const adminsOnly = {
    onRequest: async (request: FastifyRequest) => {
      if (!mayEnterAdminArea(request)) throw new NotFound('Not found');
    },
  };

  app.get('/admin/accessibility', adminsOnly, async (request, reply) => {
    const { page } = pageQuery.parse(request.query ?? {});
    const list = await accessibility.list(page);
    const format = day(request.locale);
    return reply.view('accessibility/reports.eta', {
      title: request.t('accessibility.admin.title'),
      ...list,
      page,
      formatDay: (date: Date) => format.format(date),
      now: new Date(),
    });
  });

  app.post(
    '/admin/accessibility/:id/:state',
    { ...adminsOnly, config: { keepsWords: false } },
    async (request, reply) => {
      const viewer = request.viewer;
      if (!viewer) throw new NotFound('Not found');
      const params = reportParams.extend({ state: z.enum(['answered', 'open']) }).safeParse(request.params);
      if (!params.success) throw new NotFound('Not found');
      const known = await accessibility.setAnswered(
        viewer,
        params.data.id,
        params.data.state === 'answered',
        request.auditContext,
      );
      if (!known) throw new NotFound('Not found');
      return reply.redirect(`/admin/accessibility?notice=accessibility-saved#report-${params.data.id}`, 303);
    },
  );
}
