import { findUsableToken, type TokenProblem, useToken } from '../accounts/one-time-tokens.js';
import { checkPassword, hashPassword, type PasswordProblem } from '../accounts/password.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Locale, MessageKey } from '../i18n/i18n.js';
import type { AcceptInvitationInput } from './invitations.schemas.js';

/** Why an invitation link cannot be used: the token's own problems, or the address got an account meanwhile. */
export type InvitationProblem = TokenProblem | 'account-exists';

export interface OpenInvitation {
  readonly email: string;
  readonly organizationName: string;
}

const PASSWORD_MESSAGES: Readonly<Record<PasswordProblem, MessageKey>> = {
  too_short: 'accounts.password.tooShort',
  too_long: 'accounts.password.tooLong',
  common: 'accounts.password.common',
  personal: 'accounts.password.personal',
};

export function createInvitationsService({ db, audit }: { db: Db; audit: AuditLog }) {
  /** The usable invitation behind a token, with its organization, or why not. */
  async function findInvitation(token: unknown) {
    const found = await findUsableToken(db, token, 'PARTNER_INVITATION');
    if (!found.ok) return { ok: false as const, problem: found.problem as InvitationProblem };
    const { organizationId, email } = found.token;
    const organization = organizationId
      ? await db.organization.findUnique({ where: { id: organizationId }, select: { id: true, name: true } })
      : null;
    if (!organization) return { ok: false as const, problem: 'invalid' as InvitationProblem };
    if (await db.user.findUnique({ where: { email }, select: { id: true } })) {
      return { ok: false as const, problem: 'account-exists' as InvitationProblem };
    }
    return { ok: true as const, token: found.token, organization };
  }

  return {
    async openInvitation(
      token: unknown,
    ): Promise<{ ok: true; invitation: OpenInvitation } | { ok: false; problem: InvitationProblem }> {
      const found = await findInvitation(token);
      if (!found.ok) return found;
      return { ok: true, invitation: { email: found.token.email, organizationName: found.organization.name } };
    },

    /**
     * Creates a verified PARTNER of the inviting organization (following the e-mailed link proved the
     * address) and uses the invitation up; `locale`, the language the invitee answered in, becomes the
     * account's. Field problems throw Invalid; a bad link returns its problem.
     */
    async acceptInvitation(
      input: AcceptInvitationInput,
      locale: Locale,
      context: AuditContext,
    ): Promise<InvitationProblem | null> {
      const found = await findInvitation(input.token);
      if (!found.ok) return found.problem;
      const { token, organization } = found;
      const errors: Record<string, MessageKey> = {};
      const weak = checkPassword(input.password, {
        email: token.email,
        handle: input.handle,
        displayName: input.displayName,
      });
      if (weak) errors.password = PASSWORD_MESSAGES[weak];
      if (await db.user.findUnique({ where: { handle: input.handle }, select: { id: true } })) {
        errors.handle = 'accounts.signUp.handleTaken';
      }
      if (Object.keys(errors).length > 0) throw new Invalid(errors);

      const passwordHash = await hashPassword(input.password);
      try {
        return await db.$transaction(async (tx) => {
          if (!(await useToken(tx, token.id))) return 'used';
          const user = await tx.user.create({
            data: {
              email: token.email,
              emailVerifiedAt: new Date(),
              handle: input.handle,
              displayName: input.displayName,
              passwordHash,
              kind: 'PARTNER',
              organizationId: organization.id,
              locale,
            },
            select: { id: true },
          });
          await audit.record(
            context,
            {
              action: 'account.invitation_accept',
              outcome: 'SUCCESS',
              actorId: user.id,
              target: { type: 'user', id: user.id },
              details: { organizationId: organization.id, invitedById: token.createdById },
            },
            tx,
          );
          return null;
        });
      } catch (error) {
        // Someone took the handle or the address between the checks and the insert.
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
        if (await db.user.findUnique({ where: { handle: input.handle }, select: { id: true } })) {
          throw new Invalid({ handle: 'accounts.signUp.handleTaken' });
        }
        return 'account-exists';
      }
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
