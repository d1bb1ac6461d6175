import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { cookieHeader, openForm, signInAs, submitForm } from '../support/forms.js';
import { startTestOidcProvider, type TestOidcProvider, unusedPort } from '../support/oidc-provider.js';

// Single sign-on against a real OpenID provider (oidc-provider) on 127.0.0.1: each test runs the whole
// authorization code flow like a browser, through Ágora and the provider.

const AGORA_URL = 'http://localhost:3000';

let t: TestApp;
let idp: TestOidcProvider;
let domain: string;
let organizationId: string;
let ssoOnlyDomain: string;

beforeAll(async () => {
  idp = await startTestOidcProvider(AGORA_URL, 'idp');
  const downPort = await unusedPort();
  t = await createTestApp({
    PUBLIC_URL: AGORA_URL,
    OIDC_PROVIDERS: JSON.stringify([
      {
        id: 'idp',
        name: 'Diputació de Proves',
        issuer: idp.issuer,
        clientId: idp.client.clientId,
        clientSecret: idp.client.clientSecret,
        claims: { organization: 'organization', department: 'department' },
      },
      { id: 'down', name: 'Caído', issuer: `http://127.0.0.1:${downPort}`, clientId: 'agora', clientSecret: 'secret' },
      // Ágora registered under another client id than the one the provider knows it by.
      { id: 'idp-wrong', name: 'Mal configurado', issuer: idp.issuer, clientId: 'agora-unknown', clientSecret: 'x' },
    ]),
  });
  const organization = await createOrganization(t.db, { name: 'Ayuntamiento SSO' });
  domain = organization.emailDomains[0] ?? '';
  organizationId = organization.id;
  const ssoOnly = await createOrganization(t.db, { name: 'Diputación solo SSO' });
  await t.db.organization.update({ where: { id: ssoOnly.id }, data: { ssoOnly: true } });
  ssoOnlyDomain = ssoOnly.emailDomains[0] ?? '';
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const unique = () => randomBytes(4).toString('hex');

/** A browser's sign-in: the button, the provider's pages, the callback. Returns the callback's answer. */
async function signInThroughProvider(provider = 'idp', returnTo?: string) {
  const start = await t.app.inject({
    method: 'GET',
    url: `/sign-in/sso/${provider}${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`,
  });
  if (start.statusCode !== 303) return { start, callback: null, callbackUrl: null, cookie: '' };
  const cookie = cookieHeader(start);
  const back = await idp.authorize(String(start.headers.location));
  const callbackUrl = `${back.pathname}${back.search}`;
  const callback = await t.app.inject({ method: 'GET', url: callbackUrl, headers: { cookie } });
  return { start, callback, callbackUrl, cookie };
}

function sessionOf(response: LightMyRequestResponse | null): string | null {
  const session = response?.cookies.find((cookie) => cookie.name === 'session' && cookie.value);
  return session ? `session=${session.value}` : null;
}

async function lastSsoAudit(since: Date) {
  return t.db.auditEntry.findMany({
    where: { action: 'account.sign_in', at: { gte: since }, details: { path: ['method'], equals: 'sso' } },
    orderBy: { at: 'desc' },
  });
}

async function expectFailurePage(response: LightMyRequestResponse | null, status: number, words: RegExp) {
  expect(response?.statusCode).toBe(status);
  expect(response?.body).toContain('No se ha podido entrar');
  expect(response?.body).toMatch(words);
  expect(response?.body).toContain('No se ha creado ni cambiado nada');
  expect(sessionOf(response)).toBeNull();
}

describe('signing in through an identity provider', () => {
  it('shows one button per provider on the sign-in page, a plain link that works without JavaScript', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/sign-in?returnTo=/communities' });
    expect(page.body).toContain('href="/sign-in/sso/idp?returnTo=%2Fcommunities">Entrar con Diputació de Proves</a>');
    expect(page.body).toContain('href="/sign-in/sso/down');
    // The sign-out form may be redirected to the providers (RP-initiated logout): CSP allows their origins.
    expect(page.headers['content-security-policy']).toContain(`form-action 'self' ${idp.issuer}`);
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const start = await t.app.inject({ method: 'GET', url: '/sign-in/sso/idp' });
    expect(start.statusCode).toBe(303);
    const url = new URL(String(start.headers.location));
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe('agora');
    expect(url.searchParams.get('redirect_uri')).toBe(`${AGORA_URL}/sign-in/sso/idp/callback`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(start.cookies.find((cookie) => cookie.name === 'sso-attempt')).toMatchObject({
      path: '/sign-in/sso',
      httpOnly: true,
      sameSite: 'Lax',
    });
  });

  it('creates an employee of the organization whose domain the verified address has, with a session', async () => {
    const since = new Date();
    const email = `ana.lopez.${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, {
      email,
      email_verified: true,
      name: 'Ana López',
      organization: 'Ayuntamiento SSO',
      department: 'Urbanismo',
    });
    const { callback } = await signInThroughProvider('idp', '/communities');
    expect(callback?.statusCode).toBe(303);
    expect(callback?.headers.location).toBe('/communities');
    const session = sessionOf(callback);
    expect(session).not.toBeNull();

    const user = await t.db.user.findUniqueOrThrow({ where: { email }, include: { department: true } });
    expect(user).toMatchObject({ kind: 'EMPLOYEE', organizationId, displayName: 'Ana López', passwordHash: '' });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(user.handle).toMatch(/^ana-lopez/);
    expect(user.department?.name).toBe('Urbanismo');

    const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: session ?? '' } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain(email);
    const [entry] = await lastSsoAudit(since);
    expect(entry).toMatchObject({ outcome: 'SUCCESS', actorId: user.id });
    expect(entry?.details).toMatchObject({ provider: 'idp', account: 'created' });
    expect(await t.db.ssoSignInAttempt.count({ where: { createdAt: { gte: since } } })).toBe(0);
  });

  it('links an existing account by its verified address, and a password it never proved stops working', async () => {
    const org = await createOrganization(t.db);
    const existing = await createUser(t.db, {
      email: `existente-${unique()}@${org.emailDomains[0]}`,
      organizationId: org.id,
      verified: false,
    });
    idp.signInAs(`sub-${unique()}`, { email: existing.email.toUpperCase(), email_verified: true, name: 'Otro nombre' });
    const users = await t.db.user.count();
    const { callback } = await signInThroughProvider();
    expect(callback?.statusCode).toBe(303);
    expect(await t.db.user.count()).toBe(users);
    const linked = await t.db.user.findUniqueOrThrow({ where: { id: existing.id } });
    expect(linked.emailVerifiedAt).not.toBeNull();
    expect(linked.displayName).toBe(existing.displayName);
    const session = await t.db.session.findFirstOrThrow({ where: { userId: existing.id } });
    expect(session).toMatchObject({ ssoProvider: 'idp' });
    expect(session.ssoIdToken).toMatch(/^ey/);
    // Whoever chose the password of an address they never proved cannot use it any more.
    const password = await submitForm(t.app, '/sign-in', { email: existing.email, password: TEST_PASSWORD });
    expect(password.statusCode).toBe(401);
  });

  it('refuses an address the provider does not say is verified: nothing created, audited', async () => {
    const since = new Date();
    const email = `sin-verificar-${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: false, name: 'Sin Verificar' });
    const { callback } = await signInThroughProvider();
    await expectFailurePage(callback, 403, /no confirma que su correo electrónico esté verificado/);
    expect(await t.db.user.findUnique({ where: { email } })).toBeNull();
    const [entry] = await lastSsoAudit(since);
    expect(entry).toMatchObject({ outcome: 'FAILURE', actorId: null });
    expect(entry?.details).toMatchObject({ provider: 'idp', reason: 'email_unverified' });
  });

  it('refuses a replayed state (the same callback twice), and a callback in another browser', async () => {
    const email = `replay-${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: true });
    const { callback, callbackUrl, cookie } = await signInThroughProvider();
    expect(callback?.statusCode).toBe(303);
    const since = new Date();
    const sessions = await t.db.session.count();
    const replay = await t.app.inject({ method: 'GET', url: String(callbackUrl), headers: { cookie } });
    await expectFailurePage(replay, 400, /ya se usó, caducó o empezó en otro navegador/);
    expect(await t.db.session.count()).toBe(sessions);
    const [entry] = await lastSsoAudit(since);
    expect(entry?.details).toMatchObject({ reason: 'state_unknown' });

    // A fresh state, but the callback arrives without the browser's cookie (someone else's browser).
    const start = await t.app.inject({ method: 'GET', url: '/sign-in/sso/idp' });
    const back = await idp.authorize(String(start.headers.location));
    const elsewhere = await t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
    await expectFailurePage(elsewhere, 400, /otro navegador/);
  });

  it('refuses an ID token issued for another client (wrong audience): nothing created, audited', async () => {
    const since = new Date();
    const email = `audiencia-${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: true });
    idp.issueIdTokensFor(idp.otherClient.clientId);
    try {
      const { callback } = await signInThroughProvider();
      await expectFailurePage(callback, 400, /no ha superado las comprobaciones de seguridad/);
    } finally {
      idp.issueIdTokensFor(null);
    }
    expect(await t.db.user.findUnique({ where: { email } })).toBeNull();
    const [entry] = await lastSsoAudit(since);
    expect(entry?.details).toMatchObject({
      reason: 'invalid_response',
      detail: expect.stringMatching(/OAUTH_JWT_CLAIM_COMPARISON_FAILED.*"aud"/),
    });
  });

  it('fails cleanly when Ágora is configured with a client id the provider does not know', async () => {
    const since = new Date();
    const start = await t.app.inject({ method: 'GET', url: '/sign-in/sso/idp-wrong' });
    expect(start.statusCode).toBe(303);
    // The provider refuses to authorize an unknown client: it never comes back with a code.
    const answer = await fetch(String(start.headers.location), { redirect: 'manual' });
    expect(answer.status).toBe(400);
    // A forged callback carrying the attempt's state still cannot exchange anything.
    const state = new URL(String(start.headers.location)).searchParams.get('state') ?? '';
    const forged = await t.app.inject({
      method: 'GET',
      url: `/sign-in/sso/idp-wrong/callback?code=forged&state=${state}&iss=${encodeURIComponent(idp.issuer)}`,
      headers: { cookie: cookieHeader(start) },
    });
    await expectFailurePage(forged, 400, /no ha completado la entrada/);
    const [entry] = await lastSsoAudit(since);
    expect(entry?.details).toMatchObject({ provider: 'idp-wrong', reason: 'provider_refused' });
  });

  it('refuses an ID token whose signature does not match the keys it published (a key swapped under the same kid)', async () => {
    // A first sign-in fetches the provider's published keys.
    idp.signInAs(`sub-${unique()}`, { email: `firma-ok-${unique()}@${domain}`, email_verified: true });
    expect((await signInThroughProvider()).callback?.statusCode).toBe(303);
    const since = new Date();
    const email = `firma-${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: true });
    idp.swapSigningKey(true);
    try {
      const { callback } = await signInThroughProvider();
      await expectFailurePage(callback, 400, /no ha superado las comprobaciones de seguridad/);
    } finally {
      idp.swapSigningKey(false);
    }
    expect(await t.db.user.findUnique({ where: { email } })).toBeNull();
    const [entry] = await lastSsoAudit(since);
    expect(entry?.details).toMatchObject({
      reason: 'invalid_response',
      detail: expect.stringMatching(/signature verification failed/),
    });
  });

  it('says the provider is not answering when it is down: no redirect, audited', async () => {
    const since = new Date();
    const { start } = await signInThroughProvider('down');
    await expectFailurePage(start, 502, /no responde ahora/);
    const [entry] = await lastSsoAudit(since);
    expect(entry).toMatchObject({ outcome: 'FAILURE' });
    expect(entry?.details).toMatchObject({ provider: 'down', reason: 'provider_unavailable' });
  });

  it('answers 404 for a provider that is not configured', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/sign-in/sso/nadie' });
    expect(response.statusCode).toBe(404);
  });
});

describe('organizations that sign in through single sign-on only', () => {
  it('are chosen by a site admin on the organization form, audited', async () => {
    const organization = await createOrganization(t.db);
    const admin = await createUser(t.db, { role: 'ADMIN', email: `admin-${unique()}@${domain}` });
    const cookie = await signInAs(t.app, admin.email);
    const fields = {
      name: organization.name,
      slug: organization.slug,
      kind: organization.kind,
      emailDomains: organization.emailDomains.join('\n'),
    };
    const edit = `/admin/organizations/${organization.id}/edit`;
    const on = await submitForm(
      t.app,
      `/admin/organizations/${organization.id}`,
      { ...fields, ssoOnly: 'on' },
      { cookie, formUrl: edit },
    );
    expect(on.statusCode).toBe(303);
    expect((await t.db.organization.findUniqueOrThrow({ where: { id: organization.id } })).ssoOnly).toBe(true);
    const form = await t.app.inject({ method: 'GET', url: edit, headers: { cookie } });
    expect(form.body).toMatch(/name="ssoOnly" type="checkbox" value="on" checked/);
    const off = await submitForm(t.app, `/admin/organizations/${organization.id}`, fields, { cookie, formUrl: edit });
    expect(off.statusCode).toBe(303);
    expect((await t.db.organization.findUniqueOrThrow({ where: { id: organization.id } })).ssoOnly).toBe(false);
    const entry = await t.db.auditEntry.findFirst({
      where: { action: 'admin.organization_update', targetId: organization.id },
      orderBy: { at: 'desc' },
    });
    expect(entry?.details).toMatchObject({ changes: { ssoOnly: { from: true, to: false } } });
  });

  it('refuse a password sign-in for their addresses, pointing to the button', async () => {
    const user = await createUser(t.db, { email: `solo-sso-${unique()}@${ssoOnlyDomain}` });
    const response = await submitForm(t.app, '/sign-in', { email: user.email, password: TEST_PASSWORD });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('entran con la cuenta corporativa');
    expect(response.body).toContain('Entrar con Diputació de Proves');
    expect(sessionOf(response)).toBeNull();
    const entry = await t.db.auditEntry.findFirst({
      where: { action: 'account.sign_in', details: { path: ['reason'], equals: 'sso_only' } },
      orderBy: { at: 'desc' },
    });
    expect(entry).toMatchObject({ outcome: 'DENIED' });
  });

  it('refuse a password reset for their addresses, and sign-ups', async () => {
    const email = `reset-${unique()}@${ssoOnlyDomain}`;
    const reset = await submitForm(t.app, '/password-reset', { email });
    expect(reset.statusCode).toBe(403);
    expect(reset.body).toContain('no tienen contraseña en Ágora');
    const signUp = await submitForm(t.app, '/sign-up', {
      email,
      displayName: 'Solo SSO',
      handle: `solo-${unique()}`,
      password: TEST_PASSWORD,
    });
    expect(signUp.statusCode).toBe(422);
    expect(await t.db.user.findUnique({ where: { email } })).toBeNull();
  });

  it('still let their people in through the provider', async () => {
    const email = `entra-${unique()}@${ssoOnlyDomain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: true, name: 'Entra Por SSO' });
    const { callback } = await signInThroughProvider();
    expect(callback?.statusCode).toBe(303);
    expect(sessionOf(callback)).not.toBeNull();
  });
});

describe('signing out', () => {
  it('ends the Ágora session and sends the browser to the provider to end its own (RP-initiated logout)', async () => {
    const email = `salida-${unique()}@${domain}`;
    idp.signInAs(`sub-${unique()}`, { email, email_verified: true });
    const { callback } = await signInThroughProvider();
    const session = sessionOf(callback) ?? '';
    const form = await openForm(t.app, '/account', { cookie: session });
    const signOut = await t.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: [session, form.cookie].filter(Boolean).join('; ') },
      payload: { _csrf: form.csrf },
    });
    expect(signOut.statusCode).toBe(303);
    const logout = new URL(String(signOut.headers.location));
    expect(`${logout.origin}${logout.pathname}`).toBe(`${idp.issuer}/session/end`);
    expect(logout.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${AGORA_URL}/?notice=signed-out`);
    expect(logout.searchParams.get('client_id')).toBe('agora');

    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(0);
    const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: session } });
    expect(account.statusCode).toBe(303);

    // The provider accepts the hint and, once the person confirms, comes back to Ágora.
    const back = await idp.endSession(logout.href);
    expect(back.href).toBe(`${AGORA_URL}/?notice=signed-out`);
  });

  it('signs a password session out of Ágora only', async () => {
    const user = await createUser(t.db, { email: `clave-${unique()}@${domain}`, organizationId });
    const signIn = await submitForm(t.app, '/sign-in', { email: user.email, password: TEST_PASSWORD });
    const session = sessionOf(signIn) ?? '';
    const form = await openForm(t.app, '/account', { cookie: session });
    const signOut = await t.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: [session, form.cookie].filter(Boolean).join('; ') },
      payload: { _csrf: form.csrf },
    });
    expect(signOut.headers.location).toBe('/?notice=signed-out');
  });
});
