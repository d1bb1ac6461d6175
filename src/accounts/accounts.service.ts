import type { Cookie } from 'lucia';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { EmailTemplate, Mailer } from '../email/mailer.js';
import { type ErrorLog, Invalid } from '../errors.js';
import type { UserKind } from '../generated/prisma/enums.js';
import { isLocale, type Locale, type MessageKey } from '../i18n/i18n.js';
import type { BackgroundTasks } from '../jobs/background-tasks.js';
import { createAccountSessions, sessionMetaOf } from './account-sessions.js';
import type { Auth, Viewer } from './auth.js';
import { findUsableToken, issueToken, TOKEN_TTL_MS, type TokenProblem, useToken } from './one-time-tokens.js';
import { checkPassword, hashPassword, verifyPassword } from './password.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { isSsoOnlyEmail } from './sso-only.js';

export interface AccountsDeps {
  readonly db: Db;
  readonly config: Config;
  readonly auth: Auth;
  readonly mailer: Mailer;
  readonly audit: AuditLog;
  readonly throttle: SignInThrottle;
  /** Where the work that depends on whether an address has an account goes, after the answer. */
  readonly tasks: BackgroundTasks;
  /** Where an e-mail that could not be sent is reported (the person is told to check their mail either way). */
  readonly log: ErrorLog;
}

export type { SignInResult } from './account-sessions.js';

export interface SignUpInput {
  readonly email: string;
  readonly displayName: string;
  readonly handle: string;
  readonly password: string;
}

const PASSWORD_MESSAGES: Readonly<Record<NonNullable<ReturnType<typeof checkPassword>>, MessageKey>> = {
  too_short: 'accounts.password.tooShort',
  too_long: 'accounts.password.tooLong',
  common: 'accounts.password.common',
  personal: 'accounts.password.personal',
};

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function localeOf(user: { locale: string | null }, fallback: Locale): Locale {
  return isLocale(user.locale) ? user.locale : fallback;
}

/**
 * Accounts: signing up, proving addresses, passwords; signing in and out are in account-sessions.ts,
 * put together here for the routes. Methods that send e-mail take `locale`,
 * the asker's language (for a new account, and for a message to an account without a language of its
 * own); every change takes the `AuditContext` it is recorded under. Work held until the answer is sent
 * (see jobs/background-tasks.ts) is held under that context: the caller releases it.
 */
export function createAccountsService({ db, config, auth, mailer, audit, throttle, tasks, log }: AccountsDeps) {
  const link = (path: string, token: string) =>
    new URL(`${path}?token=${encodeURIComponent(token)}`, config.publicUrl).href;
  const minutes = (ms: number) => String(Math.round(ms / 60_000));

  /**
   * Sends one e-mail. `toProven` says whether the owner of `to` has proven the address: the mailer then
   * leaves out anything a person typed (see PERSONAL_DATA in email/mailer.ts).
   */
  async function send(
    context: AuditContext,
    message: { to: string; toProven: boolean; locale: Locale; template: EmailTemplate; data: Record<string, string> },
  ) {
    try {
      await mailer.send(message);
    } catch (error) {
      // The person is told to check their mail either way; IT sees the failure in the log.
      log.error({ err: error, template: message.template, reqId: context.requestId }, 'could not send an e-mail');
    }
  }

  /**
   * The link that proves an address: for a new account, or for a new address of an existing one. The
   * address is unproven by definition, so the message carries nothing the account's owner chose.
   */
  function sendVerificationLink(
    context: AuditContext,
    to: string,
    locale: Locale,
    template: 'verify-email' | 'confirm-new-email',
    token: string,
  ) {
    return send(context, {
      to,
      toProven: false,
      locale,
      template,
      data: { link: link('/verify-email', token), hours: String(TOKEN_TTL_MS.EMAIL_VERIFICATION / 3_600_000) },
    });
  }

  /** Which organization an address belongs to, by its domain. */
  async function organizationForEmail(email: string) {
    return db.organization.findFirst({
      where: { emailDomains: { has: emailDomain(email) } },
      select: { id: true, name: true },
    });
  }

  /** Sensitive changes ask for the current password; a wrong one is audited and shown beside `field`. */
  async function requireCurrentPassword(
    viewer: Viewer,
    password: string,
    context: AuditContext,
    action: string,
    field: string,
  ): Promise<void> {
    const user = await db.user.findUniqueOrThrow({ where: { id: viewer.id }, select: { passwordHash: true } });
    if (await verifyPassword(user.passwordHash, password)) return;
    await audit.record(context, {
      action,
      outcome: 'FAILURE',
      target: { type: 'user', id: viewer.id },
      details: { reason: 'wrong_password' },
    });
    throw new Invalid({ [field]: 'accounts.password.currentWrong' });
  }

  function passwordProblem(password: string, context: { email?: string; handle?: string; displayName?: string }) {
    const problem = checkPassword(password, context);
    return problem ? PASSWORD_MESSAGES[problem] : null;
  }

  return {
    /**
     * Creates an unverified account and e-mails a verification link. An address that already has
     * an account gets an e-mail saying so instead: the page says the same either way, after the same
     * work (one password hash, one look-up, the e-mail in the background).
     */
    async signUp(input: SignUpInput, locale: Locale, context: AuditContext): Promise<void> {
      const organization = await organizationForEmail(input.email);
      const errors: Record<string, MessageKey> = {};
      if (!organization) {
        const settings = await db.siteSettings.findUnique({ where: { id: 1 }, select: { citizenSignupEnabled: true } });
        if (!settings?.citizenSignupEnabled) errors.email = 'accounts.signUp.citizensClosed';
      }
      if (await isSsoOnlyEmail(db, input.email)) errors.email = 'accounts.sso.onlySignUp';
      const weak = passwordProblem(input.password, input);
      if (weak) errors.password = weak;
      if (await db.user.findUnique({ where: { handle: input.handle }, select: { id: true } })) {
        errors.handle = 'accounts.signUp.handleTaken';
      }
      if (Object.keys(errors).length > 0) throw new Invalid(errors);

      // Hashed whether or not the address has an account: the answer takes the same time either way.
      const passwordHash = await hashPassword(input.password);
      const existing = await db.user.findUnique({
        where: { email: input.email },
        select: { id: true, email: true, locale: true, emailVerifiedAt: true },
      });
      if (existing) {
        await audit.record(context, {
          action: 'account.sign_up',
          outcome: 'FAILURE',
          actorId: null,
          target: { type: 'user', id: existing.id },
          details: { reason: 'email_in_use' },
        });
        tasks.afterResponse(context, 'account-exists', () =>
          send(context, {
            to: existing.email,
            toProven: existing.emailVerifiedAt !== null,
            locale: localeOf(existing, locale),
            template: 'account-exists',
            data: { link: new URL('/password-reset', config.publicUrl).href },
          }),
        );
        return;
      }

      const kind: UserKind = organization ? 'EMPLOYEE' : 'CITIZEN';
      const token = await db.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: {
            email: input.email,
            handle: input.handle,
            displayName: input.displayName,
            passwordHash,
            kind,
            organizationId: organization?.id ?? null,
            locale,
          },
          select: { id: true },
        });
        await audit.record(
          context,
          {
            action: 'account.sign_up',
            outcome: 'SUCCESS',
            actorId: user.id,
            target: { type: 'user', id: user.id },
            details: { kind },
          },
          tx,
        );
        return issueToken(tx, { purpose: 'EMAIL_VERIFICATION', email: input.email, userId: user.id });
      });
      tasks.afterResponse(context, 'verify-email', () =>
        sendVerificationLink(context, input.email, locale, 'verify-email', token),
      );
    },

    /**
     * The address a verification link of `userId`'s would confirm, or why it cannot. A link of another
     * account is 'invalid' to this one: an address is proven only by its owner, signed in to the
     * account that asked (a sign-up with someone else's address never becomes theirs by a click,
     * a mail scanner's GET or the owner's own curiosity).
     */
    async verificationFor(token: unknown, userId: string): Promise<{ email: string } | { problem: TokenProblem }> {
      const found = await findUsableToken(db, token, 'EMAIL_VERIFICATION');
      if (!found.ok) return { problem: found.problem };
      if (found.token.userId !== userId) return { problem: 'invalid' };
      return { email: found.token.email };
    },

    /** Marks the address verified (and, for a change of address, makes it the account's): only for `userId`'s own link. */
    async verifyEmail(token: unknown, userId: string, context: AuditContext): Promise<TokenProblem | null> {
      const found = await findUsableToken(db, token, 'EMAIL_VERIFICATION');
      if (!found.ok) return found.problem;
      const { id, email } = found.token;
      if (found.token.userId !== userId) return 'invalid';
      const taken = await db.user.findFirst({ where: { email, id: { not: userId } }, select: { id: true } });
      if (taken) return 'invalid';
      const used = await db.$transaction(async (tx) => {
        if (!(await useToken(tx, id))) return false;
        const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, kind: true } });
        const changed = user.email.toLowerCase() !== email.toLowerCase();
        // A new address may move an employee to another administration, or a citizen into one.
        const organization = changed && user.kind !== 'PARTNER' ? await organizationForEmail(email) : null;
        await tx.user.update({
          where: { id: userId },
          data: {
            email,
            emailVerifiedAt: new Date(),
            ...(changed && user.kind !== 'PARTNER'
              ? {
                  kind: organization ? 'EMPLOYEE' : 'CITIZEN',
                  organizationId: organization?.id ?? null,
                  departmentId: null,
                }
              : {}),
          },
        });
        await audit.record(
          context,
          {
            action: changed ? 'account.email_change' : 'account.email_verify',
            outcome: 'SUCCESS',
            actorId: userId,
            target: { type: 'user', id: userId },
          },
          tx,
        );
        return true;
      });
      return used ? null : 'used';
    },

    async resendVerification(viewer: Viewer, locale: Locale, context: AuditContext): Promise<void> {
      if (viewer.emailVerified) return;
      const token = await issueToken(db, { purpose: 'EMAIL_VERIFICATION', email: viewer.email, userId: viewer.id });
      tasks.afterResponse(context, 'verify-email', () =>
        sendVerificationLink(context, viewer.email, localeOf(viewer, locale), 'verify-email', token),
      );
    },

    /**
     * E-mails a reset link when the address has an account; says nothing either way. Nothing is looked up
     * before the answer: the look-up, the token and the e-mail run in the background, so an unknown
     * address and a known one are answered alike and in the same time.
     */
    async requestPasswordReset(email: string, locale: Locale, context: AuditContext): Promise<void> {
      tasks.afterResponse(context, 'reset-password', async () => {
        const user = await db.user.findUnique({
          where: { email },
          select: { id: true, email: true, displayName: true, locale: true, status: true, emailVerifiedAt: true },
        });
        await audit.record(context, {
          action: 'account.password_reset_request',
          outcome: user ? 'SUCCESS' : 'FAILURE',
          actorId: null,
          target: user ? { type: 'user', id: user.id } : null,
          details: user ? {} : { reason: 'unknown_email', email },
        });
        if (user?.status !== 'ACTIVE') return;
        const token = await issueToken(db, { purpose: 'PASSWORD_RESET', email: user.email, userId: user.id });
        await send(context, {
          to: user.email,
          // An unverified account's address may be a stranger's: then the greeting names nobody.
          toProven: user.emailVerifiedAt !== null,
          locale: localeOf(user, locale),
          template: 'reset-password',
          data: {
            name: user.displayName,
            link: link('/password-reset/new', token),
            minutes: minutes(TOKEN_TTL_MS.PASSWORD_RESET),
          },
        });
      });
    },

    /** Whether `email`'s domain signs in through single sign-on only (no password, no reset). */
    isSsoOnly(email: string): Promise<boolean> {
      return isSsoOnlyEmail(db, email);
    },

    async checkResetToken(token: unknown): Promise<TokenProblem | null> {
      const found = await findUsableToken(db, token, 'PASSWORD_RESET');
      return found.ok ? null : found.problem;
    },

    /** Sets a new password from a reset link and ends every session of the account. */
    async resetPassword(token: unknown, password: string, context: AuditContext): Promise<TokenProblem | null> {
      const found = await findUsableToken(db, token, 'PASSWORD_RESET');
      if (!found.ok) return found.problem;
      const userId = found.token.userId;
      if (!userId) return 'invalid';
      const user = await db.user.findUniqueOrThrow({
        where: { id: userId },
        select: { email: true, handle: true, displayName: true },
      });
      // A link sent before the organization moved to single sign-on sets no password.
      if (await isSsoOnlyEmail(db, user.email)) {
        await audit.record(context, {
          action: 'account.password_reset',
          outcome: 'DENIED',
          actorId: null,
          target: { type: 'user', id: userId },
          details: { reason: 'sso_only' },
        });
        throw new Invalid({ password: 'accounts.sso.onlyReset' });
      }
      const weak = passwordProblem(password, user);
      if (weak) throw new Invalid({ password: weak });
      const passwordHash = await hashPassword(password);
      const used = await db.$transaction(async (tx) => {
        if (!(await useToken(tx, found.token.id))) return false;
        // Following the link proves the address too.
        await tx.user.update({ where: { id: userId }, data: { passwordHash, emailVerifiedAt: new Date() } });
        await tx.session.deleteMany({ where: { userId } });
        await audit.record(
          context,
          {
            action: 'account.password_reset',
            outcome: 'SUCCESS',
            actorId: userId,
            target: { type: 'user', id: userId },
          },
          tx,
        );
        return true;
      });
      return used ? null : 'used';
    },

    /** Changes the password; every other session ends and this device gets a new one. */
    async changePassword(
      viewer: Viewer,
      input: { currentPassword: string; newPassword: string },
      context: AuditContext,
    ): Promise<Cookie> {
      await requireCurrentPassword(
        viewer,
        input.currentPassword,
        context,
        'account.password_change',
        'currentPassword',
      );
      const weak = passwordProblem(input.newPassword, viewer);
      if (weak) throw new Invalid({ newPassword: weak });
      const passwordHash = await hashPassword(input.newPassword);
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: viewer.id }, data: { passwordHash } });
        await tx.session.deleteMany({ where: { userId: viewer.id } });
        await audit.record(
          context,
          { action: 'account.password_change', outcome: 'SUCCESS', target: { type: 'user', id: viewer.id } },
          tx,
        );
      });
      return auth.startSession(viewer.id, sessionMetaOf(context));
    },

    /** Asks for the current password, then sends a link to the new address; nothing changes until it is followed. */
    async requestEmailChange(
      viewer: Viewer,
      input: { password: string; newEmail: string },
      locale: Locale,
      context: AuditContext,
    ): Promise<void> {
      await requireCurrentPassword(viewer, input.password, context, 'account.email_change_request', 'password');
      if (input.newEmail.toLowerCase() === viewer.email.toLowerCase()) {
        throw new Invalid({ newEmail: 'accounts.email.same' });
      }
      await audit.record(context, {
        action: 'account.email_change_request',
        outcome: 'SUCCESS',
        target: { type: 'user', id: viewer.id },
      });
      // Whether the new address already has an account is not said here, by message or by time: it is
      // looked up after the answer, and the link will not work if it does.
      tasks.afterResponse(context, 'confirm-new-email', async () => {
        const taken = await db.user.findUnique({ where: { email: input.newEmail }, select: { id: true } });
        if (taken) return;
        const token = await issueToken(db, { purpose: 'EMAIL_VERIFICATION', email: input.newEmail, userId: viewer.id });
        await sendVerificationLink(context, input.newEmail, localeOf(viewer, locale), 'confirm-new-email', token);
      });
    },

    ...createAccountSessions({ db, auth, audit, throttle }),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
