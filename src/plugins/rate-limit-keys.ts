import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

// What a request-count limit counts by. A town hall's staff reach Ágora through one NAT address: a
// limit counted per client address is shared by every colleague there, and one person using it up
// refuses everyone (issue 9). So a limit counts per account wherever there is one — the signed-in
// person, or the account a form names — and per client address only for what is truly anonymous.
//
// These limits run in the preHandler phase: after the session is read (request.viewer) and the form
// parsed (request.body), before the handler does any work.

/** The signed-in account; the client address only for a signed-out request. */
export function accountOrAddress(request: FastifyRequest): string {
  return request.viewer ? `account:${request.viewer.id}` : `address:${request.ip}`;
}

/**
 * The e-mail address a form names (lower-cased): each mailbox gets at most so many e-mails, and each
 * account so many guesses, however many people share the sender's address. The client address only
 * when no address was typed (the form then fails validation anyway).
 */
export function typedEmailOrAddress(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.trim() !== ''
    ? `email:${email.trim().toLowerCase().slice(0, 254)}`
    : `address:${request.ip}`;
}

/**
 * The one-time link a signed-out form carries (a reset or an invitation link): each link gets so many
 * tries, however many people share the sender's address. The client address when there is none.
 */
export function typedTokenOrAddress(request: FastifyRequest): string {
  const token = (request.body as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token !== '' ? `token:${token.slice(0, 200)}` : `address:${request.ip}`;
}

/** A route's limit counted per signed-in account (posting, uploads, account forms). */
export function perAccountLimit(max: number, timeWindow: number): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max, timeWindow, hook: 'preHandler', keyGenerator: accountOrAddress } };
}

/** A route's limit counted per e-mail address typed in the form (sign-up, sign-in, password reset). */
export function perTypedEmailLimit(max: number, timeWindow: number): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max, timeWindow, hook: 'preHandler', keyGenerator: typedEmailOrAddress } };
}

/** A route's limit counted per one-time link (setting a new password, accepting an invitation). */
export function perTokenLimit(max: number, timeWindow: number): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max, timeWindow, hook: 'preHandler', keyGenerator: typedTokenOrAddress } };
}
