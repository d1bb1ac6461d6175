import { type Algorithm, hash, verify } from '@node-rs/argon2';
// The passwords of at least PASSWORD_MIN code points among SecLists' "10 million password list, top 1M"
// (Mark Burnett's corpus; SecLists is MIT), lower-cased, in frequency order. Shorter ones are left out: the
// length rule refuses them first. Regenerate it if PASSWORD_MIN goes down.
import commonPasswordList from './common-passwords.json' with { type: 'json' };

// OWASP ASVS 2.1 / NIST SP 800-63B: a length floor and ceiling, a blocklist and the user's own data; no
// composition rules, no truncation, no normalisation. Every character counts, spaces and emoji included.
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'personal';

export interface PasswordContext {
  email?: string;
  handle?: string;
  displayName?: string;
}

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(commonPasswordList);

/** Shorter personal data (a handle such as "ana") would forbid too many good passwords. */
const PERSONAL_MIN = 4;

function localPart(email: string): string {
  const at = email.lastIndexOf('@');
  return at === -1 ? email : email.slice(0, at);
}

function personalTerms(context: PasswordContext): string[] {
  const emailLocalPart = context.email === undefined ? undefined : localPart(context.email);
  const terms = new Set<string>();
  for (const value of [emailLocalPart, context.handle, context.displayName]) {
    if (!value) continue;
    const lower = value.toLowerCase();
    terms.add(lower);
    // "maria.garcia", "maria_garcia", "María García": each part on its own too.
    for (const part of lower.split(/[^\p{L}\p{N}]+/u)) terms.add(part);
  }
  return [...terms].filter((term) => [...term].length >= PERSONAL_MIN);
}

/** The first rule that the password breaks, or null. The password is judged exactly as typed. */
export function checkPassword(password: string, context: PasswordContext): PasswordProblem | null {
  // A string has at least half as many code points as UTF-16 units: no need to count a huge one.
  if (password.length > 2 * PASSWORD_MAX) return 'too_long';
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'too_short';
  if (length > PASSWORD_MAX) return 'too_long';
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'common';
  if (personalTerms(context).some((term) => lower.includes(term))) return 'personal';
  return null;
}

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolatedModules cannot inline, and its
// runtime object is empty: `Algorithm.Argon2id` would be undefined there. Hence the literal value.
const ARGON2ID: Algorithm = 2;

/** OWASP's minimum for argon2id: 19 MiB, two passes, one lane. */
export const ARGON2_PARAMS = Object.freeze({ algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 });

/** A PHC string: $argon2id$v=19$m=19456,t=2,p=1$salt$hash. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/** False for a wrong password and for a hash that cannot be read, never an exception. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * The hash of a random password that nobody knows, made with ARGON2_PARAMS (a unit test checks they match).
 * Verifying against it costs what verifying a real account costs.
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$SC8A2lDBLqq9TZDXoix0fg$vsbh0BrzuJtBOMczYggkE4ZEpc2cPcsUCmHrYb3Zvow';

/** For an unknown e-mail: the same work as a wrong password, so timing does not tell which it was. Always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(DUMMY_HASH, password);
  return false;
}
