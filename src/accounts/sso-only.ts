import type { Db } from '../db/client.js';

/**
 * Whether addresses of `email`'s domain must sign in through single sign-on (Organization.ssoOnly, set
 * by a site admin): their passwords are then refused and not reset. Decided by the domain alone, so it
 * says nothing about whether an account exists.
 */
export async function isSsoOnlyEmail(db: Db, email: string): Promise<boolean> {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const found = await db.organization.findFirst({
    where: { emailDomains: { has: domain }, ssoOnly: true },
    select: { id: true },
  });
  return found !== null;
}
