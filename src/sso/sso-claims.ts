import type { OidcProviderConfig } from '../config.js';
import { isLocale, type Locale } from '../i18n/i18n.js';
import { visibleFieldText } from '../text/visible-text.js';

// What an identity provider says about a person, read from its claims by the names configured for it
// (OIDC_PROVIDERS' `claims`). Pure: no HTTP, no database.

/** The facts Ágora takes from a provider. `emailVerified` is true only for a boolean `true` (or "true"). */
export interface SsoIdentity {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly organization: string | null;
  readonly department: string | null;
  /** The standard `locale` claim when it names one of Ágora's five languages; else null (ignored). */
  readonly locale: Locale | null;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/** A claim's text as a form's would be kept (text/visible-text.ts): null when nothing in it shows. */
function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = visibleFieldText(value).trim();
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : null;
}

/**
 * Reads an identity from `claims` (the ID token's claims over the userinfo response's: OpenID Connect
 * Core 1.0 §5.1 and §5.3). An e-mail that does not look like one is null; `email_verified` counts only
 * when it is `true` (Core §5.1: "true if the End-User's e-mail address has been verified"); some
 * providers send the string "true", which is taken too.
 */
export function readSsoIdentity(
  claims: Readonly<Record<string, unknown>>,
  names: OidcProviderConfig['claims'],
): SsoIdentity {
  const email = text(claims[names.email], 254);
  const verified = claims[names.emailVerified];
  return {
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    email: email && EMAIL.test(email) ? email : null,
    emailVerified: verified === true || verified === 'true',
    name: text(claims[names.name], 80),
    organization: names.organization ? text(claims[names.organization], 200) : null,
    department: names.department ? text(claims[names.department], 120) : null,
    locale: localeOf(claims.locale),
  };
}

/**
 * The OpenID Connect `locale` claim (Core §5.1: a BCP 47 tag such as "gl-ES"; some providers write
 * "eu_ES") as one of LOCALES, by its primary subtag; anything else (another language, not a string) is
 * null, and the account takes the browser's language instead.
 */
function localeOf(value: unknown): Locale | null {
  if (typeof value !== 'string' || value.length > 35) return null;
  const primary = value.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : null;
}

/**
 * A handle to start from for a new account: the e-mail's local part, lower case, without accents, only
 * letters, digits, `-` and `_`, 3 to 30 characters, beginning and ending with a letter or digit (the
 * rule of HANDLE_PATTERN in accounts.schemas.ts). The caller adds a suffix when it is taken.
 */
export function handleBaseFor(email: string): string {
  const local = email.slice(0, email.indexOf('@')).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const cleaned = local
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 24)
    .replace(/[-_]+$/g, '');
  return cleaned.length >= 3 ? cleaned : `persona-${cleaned || 'sso'}`.replace(/[-_]+$/g, '');
}
