import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { Invalid } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import { perTokenLimit } from '../plugins/rate-limit-keys.js';
import { acceptInvitationForm } from './invitations.schemas.js';
import type { InvitationProblem, InvitationsService, OpenInvitation } from './invitations.service.js';

const PROBLEM_STATUS: Readonly<Record<InvitationProblem, number>> = {
  invalid: 400,
  expired: 410,
  used: 410,
  'account-exists': 409,
};

function tokenOf(request: FastifyRequest): unknown {
  return (request.body as { token?: unknown } | undefined)?.token;
}

/** GET and POST /invitation: a partner invited by an admin creates their account from the e-mailed link. */
export async function invitationsRoutes(
  app: FastifyInstance,
  { invitations, config }: { invitations: InvitationsService; config: Config },
) {
  // Per invitation link, not per client address (plugins/rate-limit-keys.ts).
  const STRICT_LIMIT = perTokenLimit(config.rateLimit.sensitiveMax, 15 * 60_000);

  function renderProblem(reply: FastifyReply, problem: InvitationProblem) {
    const t = reply.request.t;
    return reply.code(PROBLEM_STATUS[problem]).view('accounts/token-problem.eta', {
      title: t('accounts.token.title'),
      message: problem === 'account-exists' ? t('invitations.accountExists') : t(`accounts.token.${problem}`),
    });
  }

  function renderForm(
    reply: FastifyReply,
    invitation: OpenInvitation,
    token: unknown,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string> } = {},
  ) {
    const { request } = reply;
    return reply.code(options.status ?? 200).view('invitations/accept.eta', {
      title: request.t('invitations.title', { organization: invitation.organizationName }),
      invitation,
      token: typeof token === 'string' ? token : '',
      values: options.values ?? {},
      errors: translateErrors(request.t, options.errors),
      formError: null,
    });
  }

  app.get<{ Querystring: { token?: string } }>('/invitation', async (request, reply) => {
    const opened = await invitations.openInvitation(request.query.token);
    if (!opened.ok) return renderProblem(reply, opened.problem);
    return renderForm(reply, opened.invitation, request.query.token);
  });

  // A partner's name and handle come back to edit, the password is asked again, and the token of the link
  // they followed is carried as the form held it, so that the form sent again accepts the invitation.
  const INVITATION_WORDS = {
    displayName: { label: 'accounts.field.displayName', multiline: false },
    handle: { label: 'accounts.field.handle', multiline: false },
    password: { label: 'accounts.field.password', multiline: false, secret: 'new-password' },
    token: { carried: true },
  } as const;
  app.post('/invitation', { config: { ...STRICT_LIMIT, keepsWords: INVITATION_WORDS } }, async (request, reply) => {
    const token = tokenOf(request);
    const opened = await invitations.openInvitation(token);
    if (!opened.ok) return renderProblem(reply, opened.problem);
    const form = parseForm(acceptInvitationForm, request.body);
    if (!form.ok) return renderForm(reply, opened.invitation, token, { status: 422, ...form });
    try {
      const problem = await invitations.acceptInvitation(form.data, request.locale, request.auditContext);
      if (problem) return renderProblem(reply, problem);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderForm(reply, opened.invitation, token, {
        status: 422,
        errors: error.fieldErrors,
        values: keptValues(request.body),
      });
    }
    return reply.redirect('/sign-in?notice=invitation-accepted', 303);
  });
}
