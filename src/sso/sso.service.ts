import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Cookie } from 'lucia';
import * as oidc from 'openid-client';
import { sessionMetaOf } from '../accounts/account-sessions.js';
import { HANDLE_PATTERN } from '../accounts/accounts.schemas.js';
import type { Auth } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { OidcProviderConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { NotFound } from '../errors.js';
import type { Locale } from '../i18n/i18n.js';
import { handleBaseFor, readSsoIdentity, type SsoIdentity } from './sso-claims.js';

// Single sign-on with OpenID Connect (Core 1.0), authorization code flow (RFC 6749 §4.1) with PKCE
// (RFC 7636, S256), `state` (RFC 6749 §10.12) and `nonce` (Core §3.1.2.1), through openid-client, which
// checks the ID token: issuer, audience, signature against the provider's JWKS, expiry, nonce (Core §3.1.3.7).
// Accounts are matched by a verified e-mail claim only; a new account is an employee when the address's
// domain is an organization's, as at sign-up. Sign-out also signs out of the provider where it offers an
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0).

/** Why a single sign-on failed. The page says it in general terms; the audit log keeps the reason. */
export type SsoFailureReason =
  /** The provider could not be reached, or answered its discovery or token endpoint with garbage. */
  | 'provider_unavailable'
  /** The provider answered with an error (the person cancelled, the code was refused: RFC 6749 §4.1.2.1, §5.2). */
  | 'provider_refused'
  /** The ID token failed a check: signature, audience, issuer, nonce, expiry. */
  | 'invalid_response'
  /** No sign-in of this browser's is waiting for this `state`: replayed, expired, or another browser's. */
  | 'state_unknown'
  /** The provider sent no e-mail, or did not say it was verified. */
  | 'email_unverified'
  /** The address belongs to no organization and citizens may not sign up. */
  | 'not_allowed'
  | 'suspended';

export class SsoFailure extends Error {
  constructor(
    readonly reason: SsoFailureReason,
    /** For the audit log: an error code or a short description, never a token. */
    readonly detail: string | null = null,
  ) {
    super(`single sign-on failed: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'SsoFailure';
  }
}

/** How long a started sign-in waits for its callback. */
export const SSO_ATTEMPT_TTL_MS = 10 * 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Sorts an error openid-client threw into a reason; the detail is its code (or name), for the audit log. */
function failureOf(error: unknown, during: 'discovery' | 'callback'): SsoFailure {
  if (error instanceof SsoFailure) return error;
  if (error instanceof oidc.AuthorizationResponseError) return new SsoFailure('provider_refused', error.error);
  if (error instanceof oidc.ResponseBodyError) return new SsoFailure('provider_refused', error.error);
  // A 401 from the token endpoint: the client's credentials were refused (RFC 6749 §5.2 invalid_client).
  if (error instanceof oidc.WWWAuthenticateChallengeError) return new SsoFailure('provider_refused', error.code);
  if (error instanceof oidc.ClientError) {
    // Checks of what the provider answered (JWT claims, signature, state) versus talking to it at all.
    const unreachable = error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || error.code === 'OAUTH_RESPONSE_IS_NOT_JSON';
    const reason = during === 'discovery' || unreachable ? 'provider_unavailable' : 'invalid_response';
    // openid-client wraps oauth4webapi's error, whose message says what failed ("JWT signature
    // verification failed"): IT reads that in the audit log.
    const said = error.cause instanceof Error ? error.cause.message : error.message;
    return new SsoFailure(reason, `${error.code ?? error.name}: ${said}`.slice(0, 200));
  }
  if (error instanceof Error && error.name === 'OperationProcessingError') {
    return new SsoFailure(
      during === 'discovery' ? 'provider_unavailable' : 'invalid_response',
      error.message.slice(0, 200),
    );
  }
  // fetch's TypeError ("fetch failed"), a timeout's AbortError, a refused connection.
  const code =
    error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.name) : 'unknown';
  return new SsoFailure('provider_unavailable', String(code));
}

export interface SsoDeps {
  readonly db: Db;
  readonly auth: Auth;
  readonly audit: AuditLog;
  readonly providers: readonly OidcProviderConfig[];
  /** Where people reach Ágora: the callback and post-logout URLs are built on it. */
  readonly publicUrl: URL;
  /** Seconds before a request to a provider gives up. */
  readonly timeoutSeconds?: number;
}

/** The result of a finished single sign-on: a session cookie, and the path to go back to (already checked). */
export interface SsoSignedIn {
  readonly cookie: Cookie;
  readonly returnTo: string | null;
  readonly userId: string;
  readonly created: boolean;
}

export function createSsoService({ db, auth, audit, providers, publicUrl, timeoutSeconds = 10 }: SsoDeps) {
  // One discovered configuration per provider, kept while it works: it also holds the provider's JWKS
  // (openid-client caches the keys per configuration and fetches them again for an unknown `kid`).
  const configurations = new Map<string, Promise<oidc.Configuration>>();

  function providerById(id: string): OidcProviderConfig {
    const provider = providers.find((candidate) => candidate.id === id);
    if (!provider) throw new NotFound(`no identity provider ${id}`);
    return provider;
  }

  function callbackUrl(provider: OidcProviderConfig): URL {
    return new URL(`/sign-in/sso/${provider.id}/callback`, publicUrl);
  }

  /** OpenID Connect Discovery 1.0; a failure is forgotten so the next sign-in tries again. */
  function configurationFor(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    let found = configurations.get(provider.id);
    if (!found) {
      const issuer = new URL(provider.issuer);
      found = oidc.discovery(issuer, provider.clientId, undefined, oidc.ClientSecretBasic(provider.clientSecret), {
        timeout: timeoutSeconds,
        execute: [
          // The ID token's signature is checked against the provider's JWKS even though it comes straight
          // from the token endpoint (Core §3.1.3.7 step 6 would let TLS stand in for it).
          oidc.enableNonRepudiationChecks,
          // config.ts accepts plain http only for a provider on this machine.
          ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : []),
        ],
      });
      configurations.set(provider.id, found);
      found.catch(() => configurations.delete(provider.id));
    }
    return found;
  }

  async function recordFailure(
    context: AuditContext,
    provider: string,
    failure: SsoFailure,
    userId: string | null = null,
  ) {
    await audit.record(context, {
      action: 'account.sign_in',
      outcome: failure.reason === 'suspended' || failure.reason === 'not_allowed' ? 'DENIED' : 'FAILURE',
      actorId: null,
      target: userId ? { type: 'user', id: userId } : null,
      details: {
        method: 'sso',
        provider,
        reason: failure.reason,
        ...(failure.detail ? { detail: failure.detail } : {}),
      },
    });
  }

  /** A free handle for a new account: the address's local part, then with -2, -3… or a random suffix. */
  async function freeHandle(email: string): Promise<string> {
    const base = handleBaseFor(email);
    const candidates = [base, ...[2, 3, 4, 5].map((n) => `${base}-${n}`), `${base}-${randomBytes(3).toString('hex')}`];
    const valid = candidates.filter((candidate) => HANDLE_PATTERN.test(candidate));
    const taken = await db.user.findMany({ where: { handle: { in: valid } }, select: { handle: true } });
    const takenSet = new Set(taken.map((row) => row.handle.toLowerCase()));
    return valid.find((candidate) => !takenSet.has(candidate)) ?? `persona-${randomBytes(6).toString('hex')}`;
  }

  /** The account of a verified address: linked when it exists, created (as at sign-up) when not. */
  async function accountFor(
    identity: SsoIdentity & { email: string },
    provider: OidcProviderConfig,
    locale: Locale,
    context: AuditContext,
  ): Promise<{ id: string; created: boolean }> {
    const existing = await db.user.findUnique({
      where: { email: identity.email },
      select: { id: true, status: true, emailVerifiedAt: true },
    });
    if (existing) {
      if (existing.status !== 'ACTIVE') throw new SsoFailure('suspended');
      if (existing.emailVerifiedAt === null) {
        // The provider proved the address; whoever signed up with it unproven (maybe not its owner) loses
        // the password they chose and their sessions.
        await db.$transaction([
          db.user.update({ where: { id: existing.id }, data: { emailVerifiedAt: new Date(), passwordHash: '' } }),
          db.session.deleteMany({ where: { userId: existing.id } }),
        ]);
      }
      return { id: existing.id, created: false };
    }
    const organization = await db.organization.findFirst({
      where: { emailDomains: { has: emailDomain(identity.email) } },
      select: { id: true },
    });
    if (!organization) {
      const settings = await db.siteSettings.findUnique({ where: { id: 1 }, select: { citizenSignupEnabled: true } });
      if (!settings?.citizenSignupEnabled) throw new SsoFailure('not_allowed');
    }
    const handle = await freeHandle(identity.email);
    const displayName = identity.name ?? identity.email.slice(0, identity.email.indexOf('@')).slice(0, 80);
    const kind = organization ? 'EMPLOYEE' : 'CITIZEN';
    const user = await db.$transaction(async (tx) => {
      const departmentId =
        organization && identity.department
          ? (
              await tx.department.upsert({
                where: { organizationId_name: { organizationId: organization.id, name: identity.department } },
                create: { organizationId: organization.id, name: identity.department },
                update: {},
                select: { id: true },
              })
            ).id
          : null;
      const created = await tx.user.create({
        data: {
          email: identity.email,
          emailVerifiedAt: new Date(),
          // No password: this account signs in through its provider (a reset link can add one, unless SSO-only).
          passwordHash: '',
          handle,
          displayName,
          kind,
          organizationId: organization?.id ?? null,
          departmentId,
          // The provider's word for the person's language when it is one of ours, else the browser's.
          locale: identity.locale ?? locale,
        },
        select: { id: true },
      });
      await audit.record(
        context,
        {
          action: 'account.sign_up',
          outcome: 'SUCCESS',
          actorId: created.id,
          target: { type: 'user', id: created.id },
          details: { kind, method: 'sso', provider: provider.id },
        },
        tx,
      );
      return created;
    });
    return { id: user.id, created: true };
  }

  return {
    /** The providers for the sign-in page's buttons, in the order configured. */
    listProviders(): { id: string; name: string }[] {
      return providers.map(({ id, name }) => ({ id, name }));
    },

    /**
     * Starts a sign-in with provider `providerId`: stores what its callback must match (state, nonce,
     * PKCE verifier: RFC 7636 §4.1) under a hash of `state`, bound to a random browser key the caller
     * puts in a cookie. Returns the authorization URL to redirect to (RFC 6749 §4.1.1).
     * Throws NotFound for an unknown provider, SsoFailure('provider_unavailable') when its discovery
     * document cannot be read (audited).
     */
    async startSignIn(
      providerId: string,
      returnTo: string | null,
      context: AuditContext,
    ): Promise<{ authorizationUrl: string; browserKey: string }> {
      const provider = providerById(providerId);
      let configuration: oidc.Configuration;
      try {
        configuration = await configurationFor(provider);
      } catch (error) {
        const failure = failureOf(error, 'discovery');
        await recordFailure(context, provider.id, failure);
        throw failure;
      }
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const browserKey = randomBytes(32).toString('base64url');
      const now = Date.now();
      await db.ssoSignInAttempt.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
      await db.ssoSignInAttempt.create({
        data: {
          stateHash: sha256(state),
          browserKeyHash: sha256(browserKey),
          provider: provider.id,
          nonce,
          codeVerifier,
          returnTo,
          expiresAt: new Date(now + SSO_ATTEMPT_TTL_MS),
        },
      });
      const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: callbackUrl(provider).href,
        scope: provider.scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { authorizationUrl: authorizationUrl.href, browserKey };
    },

    /**
     * Finishes a sign-in at the callback: the attempt of `state` is used up (a replay finds nothing), the
     * code is exchanged and the ID token checked by openid-client, the e-mail must be verified, then the
     * account is linked or created and a session opened like a password sign-in. `search` is the
     * callback's query string; `browserKey` the cookie set by startSignIn.
     * Throws NotFound for an unknown provider, SsoFailure for everything else that goes wrong (audited;
     * nothing is created).
     */
    async completeSignIn(
      providerId: string,
      search: string,
      browserKey: string | null,
      locale: Locale,
      context: AuditContext,
    ): Promise<SsoSignedIn> {
      const provider = providerById(providerId);
      try {
        const current = callbackUrl(provider);
        current.search = search;
        const state = current.searchParams.get('state');
        if (!state || !browserKey) throw new SsoFailure('state_unknown', state ? 'no browser key' : 'no state');
        const attempt = await db.ssoSignInAttempt.findUnique({ where: { stateHash: sha256(state) } });
        // Used once: of two callbacks racing with one state, only the one that deletes the row goes on.
        const claimed = attempt
          ? await db.ssoSignInAttempt.deleteMany({ where: { stateHash: attempt.stateHash } })
          : null;
        if (!attempt || claimed?.count !== 1) throw new SsoFailure('state_unknown', 'no attempt for this state');
        if (attempt.provider !== provider.id) throw new SsoFailure('state_unknown', 'another provider');
        if (!sameHash(attempt.browserKeyHash, sha256(browserKey)))
          throw new SsoFailure('state_unknown', 'another browser');
        if (attempt.expiresAt.getTime() < Date.now()) throw new SsoFailure('state_unknown', 'expired');

        let configuration: oidc.Configuration;
        try {
          configuration = await configurationFor(provider);
        } catch (error) {
          throw failureOf(error, 'discovery');
        }
        let claims: Record<string, unknown>;
        let idToken: string;
        try {
          const tokens = await oidc.authorizationCodeGrant(configuration, current, {
            pkceCodeVerifier: attempt.codeVerifier,
            expectedState: state,
            expectedNonce: attempt.nonce,
            idTokenExpected: true,
          });
          const idClaims = tokens.claims();
          if (!idClaims || !tokens.id_token) throw new SsoFailure('invalid_response', 'no ID token');
          idToken = tokens.id_token;
          // Claims the provider keeps for the userinfo endpoint (Core §5.3); the ID token's win.
          const userinfo = configuration.serverMetadata().userinfo_endpoint
            ? await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)
            : {};
          claims = { ...userinfo, ...idClaims };
        } catch (error) {
          throw failureOf(error, 'callback');
        }
        const identity = readSsoIdentity(claims, provider.claims);
        if (!identity.email || !identity.emailVerified) {
          throw new SsoFailure('email_unverified', identity.email ? 'email_verified is not true' : 'no e-mail claim');
        }
        const email = identity.email;
        let account: { id: string; created: boolean };
        try {
          account = await accountFor({ ...identity, email }, provider, locale, context);
        } catch (error) {
          if (error instanceof SsoFailure) {
            const user = await db.user.findUnique({ where: { email }, select: { id: true } });
            await recordFailure(context, provider.id, error, user?.id ?? null);
            throw Object.assign(error, { recorded: true });
          }
          throw error;
        }
        const cookie = await auth.startSession(account.id, {
          ...sessionMetaOf(context),
          sso: { provider: provider.id, idToken },
        });
        await audit.record(context, {
          action: 'account.sign_in',
          outcome: 'SUCCESS',
          actorId: account.id,
          target: { type: 'user', id: account.id },
          details: {
            method: 'sso',
            provider: provider.id,
            subject: identity.subject,
            account: account.created ? 'created' : 'linked',
            ...(identity.organization ? { organizationClaim: identity.organization } : {}),
          },
        });
        return { cookie, returnTo: attempt.returnTo, userId: account.id, created: account.created };
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        if (!(error as SsoFailure & { recorded?: boolean }).recorded) await recordFailure(context, provider.id, error);
        throw error;
      }
    },

    /**
     * Where to send a browser whose session came from `providerId`, so the provider's session ends too
     * (RP-Initiated Logout 1.0 §2: id_token_hint, post_logout_redirect_uri, client_id); null when the
     * provider has no end_session_endpoint, is unknown or cannot be reached (Ágora's session ends anyway).
     */
    async endSessionUrl(providerId: string, idToken: string | null, postLogoutPath: string): Promise<string | null> {
      const provider = providers.find((candidate) => candidate.id === providerId);
      if (!provider) return null;
      try {
        const configuration = await configurationFor(provider);
        if (!configuration.serverMetadata().end_session_endpoint) return null;
        return oidc.buildEndSessionUrl(configuration, {
          post_logout_redirect_uri: new URL(postLogoutPath, publicUrl).href,
          client_id: provider.clientId,
          ...(idToken ? { id_token_hint: idToken } : {}),
        }).href;
      } catch {
        return null;
      }
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
