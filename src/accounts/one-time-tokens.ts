import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { TokenPurpose } from '../generated/prisma/enums.js';

// Tokens sent by e-mail (verification, password reset, invitations): 256 random
// bits in the link, only their SHA-256 in the database, an expiry, one use.

export const TOKEN_TTL_MS: Readonly<Record<TokenPurpose, number>> = {
  EMAIL_VERIFICATION: 24 * 60 * 60_000,
  PASSWORD_RESET: 30 * 60_000,
  PARTNER_INVITATION: 7 * 24 * 60 * 60_000,
};

type Tx = Prisma.TransactionClient | Db;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssueTokenInput {
  readonly purpose: TokenPurpose;
  readonly email: string;
  readonly userId?: string | null;
  readonly organizationId?: string | null;
  readonly createdById?: string | null;
}

/** Creates a token and returns the secret to put in the link; earlier unused tokens of the same kind stop working. */
export async function issueToken(tx: Tx, input: IssueTokenInput): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  if (input.userId) {
    await tx.oneTimeToken.updateMany({
      where: { userId: input.userId, purpose: input.purpose, usedAt: null },
      data: { usedAt: now },
    });
  }
  await tx.oneTimeToken.create({
    data: {
      tokenHash: hashToken(token),
      purpose: input.purpose,
      email: input.email,
      userId: input.userId ?? null,
      organizationId: input.organizationId ?? null,
      createdById: input.createdById ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[input.purpose]),
    },
  });
  return token;
}

export type TokenProblem = 'invalid' | 'expired' | 'used';

export type FoundToken = {
  id: string;
  purpose: TokenPurpose;
  email: string;
  userId: string | null;
  organizationId: string | null;
  createdById: string | null;
};

/** The token's row if it can still be used, or why not. Does not use it up. */
export async function findUsableToken(
  tx: Tx,
  token: unknown,
  purpose: TokenPurpose,
): Promise<{ ok: true; token: FoundToken } | { ok: false; problem: TokenProblem }> {
  if (typeof token !== 'string' || !/^[\w-]{43}$/.test(token)) return { ok: false, problem: 'invalid' };
  const row = await tx.oneTimeToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.purpose !== purpose) return { ok: false, problem: 'invalid' };
  if (row.usedAt) return { ok: false, problem: 'used' };
  if (row.expiresAt.getTime() <= Date.now()) return { ok: false, problem: 'expired' };
  const { id, email, userId, organizationId, createdById } = row;
  return { ok: true, token: { id, purpose: row.purpose, email, userId, organizationId, createdById } };
}

/** Marks the token used; false when another request used it first. */
export async function useToken(tx: Tx, id: string): Promise<boolean> {
  const { count } = await tx.oneTimeToken.updateMany({ where: { id, usedAt: null }, data: { usedAt: new Date() } });
  return count === 1;
}
