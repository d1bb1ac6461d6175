import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Cookie } from 'lucia';
import type { Config } from '../config.js';
import { Invalid } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import { perAccountLimit, perTokenLimit, perTypedEmailLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { safeReturnPath } from '../plugins/views.js';
import type { SsoService } from '../sso/sso.service.js';
import {
  changeEmailForm,
  changePasswordForm,
  endSessionForm,
  passwordResetForm,
  passwordResetRequestForm,
  signInForm,
  signUpForm,
} from './accounts.schemas.js';
import type { AccountsService } from './accounts.service.js';
import type { Auth } from './auth.js';
import type { TokenProblem } from './one-time-tokens.js';

/** Renders a form page: 200 when fresh, or its status with the messages and what was typed. */
function renderForm(
  reply: FastifyReply,
  view: string,
  title: string,
  options: {
    status?: number;
    errors?: FormErrors;
    values?: Record<string, string>;
    formError?: string;
    extra?: object;
  } = {},
) {
  const { request } = reply;
  return reply.code(options.status ?? 200).view(view, {
    title,
    values: options.values ?? {},
    errors: translateErrors(request.t, options.errors),
    formError: options.formError ?? null,
    ...options.extra,
  });
}

const TOKEN_PROBLEM_STATUS: Readonly<Record<TokenProblem, number>> = { invalid: 400, expired: 410, used: 410 };

export async function accountsRoutes(
  app: FastifyInstance,
  {
    accounts,
    auth,
    config,
    sso: ssoService,
  }: { accounts: AccountsService; auth: Auth; config: Config; sso: SsoService },
) {
  const ssoProviders = ssoService.listProviders();
  /** The sign-in page: its form and one button per identity provider. */
  function renderSignIn(reply: FastifyReply, options: Parameters<typeof renderForm>[3] = {}) {
    return renderForm(reply, 'accounts/sign-in.eta', reply.request.t('accounts.signIn.title'), {
      ...options,
      extra: { ...options.extra, ssoProviders },
    });
  }

  // Forms that send e-mail or guess passwords get their own, tighter limit, counted per account: the
  // address typed in a signed-out form, the signed-in person otherwise — never per client address, which
  // a whole town hall shares behind its NAT (see plugins/rate-limit-keys.ts). Sign-in also has the
  // failure lock-outs of sign-in-throttle.ts; every route has the global per-client limit.
  const WINDOW = 15 * 60_000;
  const MAILING_LIMIT = perTypedEmailLimit(config.rateLimit.sensitiveMax, WINDOW);
  const SIGN_IN_LIMIT = perTypedEmailLimit(config.rateLimit.sensitiveMax * 3, WINDOW);
  const ACCOUNT_LIMIT = perAccountLimit(config.rateLimit.sensitiveMax, WINDOW);
  // A reset link's form names no account before its token is checked: per link.
  const RESET_LINK_LIMIT = perTokenLimit(config.rateLimit.sensitiveMax, WINDOW);

  /** A new session replaces any previous one, and the CSRF secret is renewed with it. */
  function startSession(reply: FastifyReply, cookie: Cookie) {
    // The answer that carries a new session is never kept (the request had no viewer yet).
    reply.header('cache-control', 'no-store');
    reply.setSessionCookie(cookie);
    reply.clearCookie(app.csrfCookieName, { path: '/' });
  }

  /** A link that cannot be used; a reset link's page offers a new one. */
  function renderTokenProblem(reply: FastifyReply, problem: TokenProblem, offerReset = false) {
    const t = reply.request.t;
    return reply.code(TOKEN_PROBLEM_STATUS[problem]).view('accounts/token-problem.eta', {
      title: t('accounts.token.title'),
      message: t(`accounts.token.${problem}`),
      offerReset,
    });
  }

  // ── Sign up ──────────────────────────────────────────────────────────────
  app.get('/sign-up', async (request, reply) => {
    if (request.viewer) return reply.redirect('/account', 303);
    return renderForm(reply, 'accounts/sign-up.eta', request.t('accounts.signUp.title'));
  });

  // What a person typed comes back on the busy page (503) to send again; a password as an empty field to
  // type again (keepsWords, plugins/views.ts).
  const EMAIL = { label: 'accounts.field.email', multiline: false } as const;
  const SIGN_UP_WORDS = {
    email: EMAIL,
    displayName: { label: 'accounts.field.displayName', multiline: false },
    handle: { label: 'accounts.field.handle', multiline: false },
    password: { label: 'accounts.field.password', multiline: false, secret: 'new-password' },
  } as const;
  app.post('/sign-up', { config: { ...MAILING_LIMIT, keepsWords: SIGN_UP_WORDS } }, async (request, reply) => {
    const title = request.t('accounts.signUp.title');
    const form = parseForm(signUpForm, request.body);
    if (!form.ok) return renderForm(reply, 'accounts/sign-up.eta', title, { status: 422, ...form });
    try {
      await accounts.signUp(form.data, request.locale, request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderForm(reply, 'accounts/sign-up.eta', title, {
        status: 422,
        errors: error.fieldErrors,
        values: keptValues(request.body),
      });
    }
    return reply.redirect(`/sign-up/sent?to=${encodeURIComponent(form.data.email)}`, 303);
  });

  app.get<{ Querystring: { to?: string } }>('/sign-up/sent', async (request, reply) => {
    return reply.view('accounts/sign-up-sent.eta', {
      title: request.t('accounts.signUpSent.title'),
      email: typeof request.query.to === 'string' ? request.query.to.slice(0, 254) : '',
    });
  });

  // Opening the link changes nothing: the page asks the account's owner, signed in, to confirm with
  // a button (a POST). A mail scanner's GET, or the owner of an address someone else signed up with,
  // never proves an address for an account they do not hold.
  app.get<{ Querystring: { token?: string } }>('/verify-email', async (request, reply) => {
    const token = typeof request.query.token === 'string' ? request.query.token.slice(0, 200) : '';
    if (!request.viewer) {
      const back = `/verify-email?token=${encodeURIComponent(token)}`;
      return reply.redirect(`/sign-in?notice=verify-sign-in&returnTo=${encodeURIComponent(back)}`, 303);
    }
    const found = await accounts.verificationFor(token, request.viewer.id);
    if ('problem' in found) return renderTokenProblem(reply, found.problem);
    return reply.view('accounts/verify-email.eta', {
      title: request.t('accounts.verify.title'),
      email: found.email,
      token,
    });
  });

  app.post(
    '/verify-email',
    { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: false } },
    async (request, reply) => {
      const token = (request.body as { token?: unknown } | undefined)?.token;
      const problem = await accounts.verifyEmail(token, viewerOf(request).id, request.auditContext);
      if (problem) return renderTokenProblem(reply, problem);
      return reply.redirect('/account?notice=email-verified', 303);
    },
  );

  app.post(
    '/account/verify-email/resend',
    { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: false } },
    async (request, reply) => {
      await accounts.resendVerification(viewerOf(request), request.locale, request.auditContext);
      return reply.redirect('/account?notice=verification-sent', 303);
    },
  );

  // ── Sign in and out ──────────────────────────────────────────────────────
  app.get<{ Querystring: { returnTo?: string } }>('/sign-in', async (request, reply) => {
    if (request.viewer) return reply.redirect('/account', 303);
    return renderSignIn(reply, { values: { returnTo: safeReturnPath(request.query.returnTo) ?? '' } });
  });

  const SIGN_IN_WORDS = {
    email: EMAIL,
    password: { label: 'accounts.field.password', multiline: false, secret: 'current-password' },
  } as const;
  app.post('/sign-in', { config: { ...SIGN_IN_LIMIT, keepsWords: SIGN_IN_WORDS } }, async (request, reply) => {
    const form = parseForm(signInForm, request.body);
    if (!form.ok) return renderSignIn(reply, { status: 422, ...form });
    const values = keptValues(request.body);
    // Whatever session this browser had ends here: signing in never reuses one.
    const previous = request.cookies[auth.cookieName];
    if (previous) await auth.endSession(previous);
    const result = await accounts.signIn(form.data.email, form.data.password, request.auditContext);
    switch (result.outcome) {
      case 'signed-in':
        startSession(reply, result.cookie);
        return reply.redirect(safeReturnPath(form.data.returnTo) ?? '/', 303);
      case 'locked':
        reply.header('retry-after', String(result.retryAfterSeconds));
        return renderSignIn(reply, {
          status: 429,
          values,
          formError: request.t('accounts.signIn.locked', { minutes: Math.ceil(result.retryAfterSeconds / 60) }),
        });
      case 'suspended':
        return renderSignIn(reply, {
          status: 403,
          values,
          formError: request.t('accounts.signIn.suspended'),
        });
      case 'sso-only':
        return renderSignIn(reply, {
          status: 403,
          values,
          formError: request.t('accounts.sso.onlySignIn'),
        });
      case 'invalid':
        return renderSignIn(reply, {
          status: 401,
          values,
          formError: request.t('accounts.signIn.invalid'),
        });
    }
  });

  app.post('/sign-out', { config: { keepsWords: false } }, async (request, reply) => {
    const token = request.cookies[auth.cookieName];
    const sso = request.viewer && token ? await accounts.signOut(token, request.viewer, request.auditContext) : null;
    reply.setSessionCookie(auth.blankCookie());
    // A session from single sign-on ends at the provider too, which sends the browser back here.
    const providerLogout = sso
      ? await ssoService.endSessionUrl(sso.provider, sso.idToken, '/?notice=signed-out')
      : null;
    return reply.redirect(providerLogout ?? '/?notice=signed-out', 303);
  });

  // ── Password reset ───────────────────────────────────────────────────────
  app.get('/password-reset', async (request, reply) =>
    renderForm(reply, 'accounts/password-reset-request.eta', request.t('accounts.reset.title')),
  );

  app.post(
    '/password-reset',
    { config: { ...MAILING_LIMIT, keepsWords: { email: EMAIL } } },
    async (request, reply) => {
      const form = parseForm(passwordResetRequestForm, request.body);
      if (!form.ok) {
        return renderForm(reply, 'accounts/password-reset-request.eta', request.t('accounts.reset.title'), {
          status: 422,
          ...form,
        });
      }
      if (await accounts.isSsoOnly(form.data.email)) {
        return reply.code(403).view('accounts/password-reset-sent.eta', {
          title: request.t('accounts.sso.onlyResetTitle'),
          email: form.data.email,
          message: request.t('accounts.sso.onlyReset'),
        });
      }
      await accounts.requestPasswordReset(form.data.email, request.locale, request.auditContext);
      return reply.view('accounts/password-reset-sent.eta', {
        title: request.t('accounts.reset.sentTitle'),
        email: form.data.email,
      });
    },
  );

  app.get<{ Querystring: { token?: string } }>('/password-reset/new', async (request, reply) => {
    const problem = await accounts.checkResetToken(request.query.token);
    if (problem) return renderTokenProblem(reply, problem, true);
    return renderForm(reply, 'accounts/password-reset-form.eta', request.t('accounts.reset.newTitle'), {
      extra: { token: request.query.token },
    });
  });

  // The new password is asked again, never written back; the link's token is carried as the form held it.
  const RESET_WORDS = {
    password: { label: 'accounts.field.newPassword', multiline: false, secret: 'new-password' },
    token: { carried: true },
  } as const;
  app.post(
    '/password-reset/new',
    { config: { ...RESET_LINK_LIMIT, keepsWords: RESET_WORDS } },
    async (request, reply) => {
      const title = request.t('accounts.reset.newTitle');
      const form = parseForm(passwordResetForm, request.body);
      const token = (request.body as { token?: unknown } | undefined)?.token;
      if (!form.ok) {
        return renderForm(reply, 'accounts/password-reset-form.eta', title, { status: 422, ...form, extra: { token } });
      }
      try {
        const problem = await accounts.resetPassword(form.data.token, form.data.password, request.auditContext);
        if (problem) return renderTokenProblem(reply, problem, true);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        return renderForm(reply, 'accounts/password-reset-form.eta', title, {
          status: 422,
          errors: error.fieldErrors,
          extra: { token },
        });
      }
      reply.setSessionCookie(auth.blankCookie());
      return reply.redirect('/sign-in?notice=password-reset', 303);
    },
  );

  // ── The account: overview, sessions, password, e-mail ────────────────────
  app.get('/account', { preHandler: requireViewer }, async (request, reply) =>
    reply.view('accounts/account.eta', { title: request.t('accounts.account.title'), account: viewerOf(request) }),
  );

  app.get('/account/sessions', { preHandler: requireViewer }, async (request, reply) => {
    const viewer = viewerOf(request);
    const sessions = await accounts.listSessions(viewer);
    return reply.view('accounts/sessions.eta', {
      title: request.t('accounts.sessions.title'),
      sessions: sessions.map((session) => ({ ...session, current: session.id === viewer.sessionId })),
    });
  });

  app.post(
    '/account/sessions/end',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const form = parseForm(endSessionForm, request.body);
      if (!form.ok || !(await accounts.endOwnSession(viewerOf(request), form.data.sessionId, request.auditContext))) {
        return reply.redirect('/account/sessions', 303);
      }
      if (form.data.sessionId === viewerOf(request).sessionId) {
        reply.setSessionCookie(auth.blankCookie());
        return reply.redirect('/?notice=signed-out', 303);
      }
      return reply.redirect('/account/sessions?notice=session-ended', 303);
    },
  );

  app.post(
    '/account/sign-out-everywhere',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      await accounts.signOutEverywhere(viewerOf(request), request.auditContext);
      reply.setSessionCookie(auth.blankCookie());
      return reply.redirect('/?notice=signed-out-everywhere', 303);
    },
  );

  app.get('/account/password', { preHandler: requireViewer }, async (request, reply) =>
    renderForm(reply, 'accounts/change-password.eta', request.t('accounts.changePassword.title')),
  );

  const PASSWORD_WORDS = {
    currentPassword: { label: 'accounts.field.currentPassword', multiline: false, secret: 'current-password' },
    newPassword: { label: 'accounts.field.newPassword', multiline: false, secret: 'new-password' },
  } as const;
  const PASSWORD_FORM = { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: PASSWORD_WORDS } };
  app.post('/account/password', PASSWORD_FORM, async (request, reply) => {
    const title = request.t('accounts.changePassword.title');
    const form = parseForm(changePasswordForm, request.body);
    if (!form.ok) return renderForm(reply, 'accounts/change-password.eta', title, { status: 422, ...form });
    try {
      const cookie = await accounts.changePassword(viewerOf(request), form.data, request.auditContext);
      startSession(reply, cookie);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderForm(reply, 'accounts/change-password.eta', title, {
        status: 422,
        errors: error.fieldErrors,
      });
    }
    return reply.redirect('/account?notice=password-changed', 303);
  });

  app.get('/account/email', { preHandler: requireViewer }, async (request, reply) =>
    renderForm(reply, 'accounts/change-email.eta', request.t('accounts.changeEmail.title'), {
      extra: { currentEmail: viewerOf(request).email },
    }),
  );

  const EMAIL_WORDS = {
    newEmail: { label: 'accounts.field.newEmail', multiline: false },
    password: { label: 'accounts.field.currentPassword', multiline: false, secret: 'current-password' },
  } as const;
  const EMAIL_FORM = { preHandler: requireViewer, config: { ...ACCOUNT_LIMIT, keepsWords: EMAIL_WORDS } };
  app.post('/account/email', EMAIL_FORM, async (request, reply) => {
    const title = request.t('accounts.changeEmail.title');
    const extra = { currentEmail: viewerOf(request).email };
    const form = parseForm(changeEmailForm, request.body);
    if (!form.ok) return renderForm(reply, 'accounts/change-email.eta', title, { status: 422, ...form, extra });
    try {
      await accounts.requestEmailChange(viewerOf(request), form.data, request.locale, request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderForm(reply, 'accounts/change-email.eta', title, {
        status: 422,
        errors: error.fieldErrors,
        values: keptValues(request.body),
        extra,
      });
    }
    return reply.redirect('/account?notice=email-change-sent', 303);
  });
}
