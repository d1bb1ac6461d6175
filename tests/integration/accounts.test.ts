import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { cookieHeader, fieldError, openForm } from '../support/forms.js';
import { linksIn, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

let t: TestApp;
let smtp: TestSmtpServer;
let domain: string;
let organizationId: string;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  t = await createTestApp({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    MAIL_FROM: 'Ágora <no-reply@agora.test>',
  });
  const organization = await createOrganization(t.db, { name: 'Ayuntamiento de Pruebas' });
  domain = organization.emailDomains[0] ?? '';
  organizationId = organization.id;
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

let counter = 0;
const uniqueName = () => `p${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Posts a form the way a browser does: after loading the page that holds it. */
async function submit(
  url: string,
  fields: Record<string, string>,
  options: { cookie?: string; formUrl?: string } = {},
) {
  const form = await openForm(t.app, options.formUrl ?? url, options.cookie ? { cookie: options.cookie } : {});
  const cookie = [options.cookie, form.cookie].filter(Boolean).join('; ');
  const response = await t.app.inject({
    method: 'POST',
    url,
    headers: { cookie },
    payload: { _csrf: form.csrf, ...fields },
  });
  return { response, cookie };
}

function sessionCookieOf(response: LightMyRequestResponse) {
  return response.cookies.find((cookie) => cookie.name === 'session');
}

async function signIn(email: string, password = TEST_PASSWORD, cookie?: string) {
  // A signed-in browser has no sign-in page (it redirects); its token comes from any page's form.
  const { response } = await submit('/sign-in', { email, password }, cookie ? { cookie, formUrl: '/account' } : {});
  const session = sessionCookieOf(response);
  return { response, session, cookie: session?.value ? `session=${session.value}` : '' };
}

function mailTo(address: string) {
  return smtp.waitForMessage((message) => message.to.includes(address.toLowerCase()), 10_000);
}

describe('sign up', () => {
  it('an address of an organization makes an unverified employee of it, verified by the e-mailed link', async () => {
    const handle = uniqueName();
    const email = `${handle}@${domain}`;
    const { response } = await submit('/sign-up', {
      email,
      displayName: 'Lucía Pérez',
      handle,
      password: TEST_PASSWORD,
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/sign-up/sent?to=${encodeURIComponent(email)}`);
    expect(sessionCookieOf(response)).toBeUndefined();

    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({ kind: 'EMPLOYEE', organizationId, emailVerifiedAt: null, handle, locale: 'es' });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const mail = await mailTo(email);
    expect(mail.subject).toMatch(/confirm|activ/i);
    const link = linksIn(mail.text).find((href) => href.includes('/verify-email?token='));
    expect(link).toBeDefined();
    const linkPath = new URL(link ?? '').pathname + new URL(link ?? '').search;
    // Opening the link signed out changes nothing: it asks to sign in, then comes back.
    const opened = await t.app.inject({ method: 'GET', url: linkPath });
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe(`/sign-in?notice=verify-sign-in&returnTo=${encodeURIComponent(linkPath)}`);
    expect((await t.db.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
    const signedIn = await submit('/sign-in', { email, password: TEST_PASSWORD, returnTo: linkPath });
    expect(signedIn.response.headers.location).toBe(linkPath);
    const cookie = `session=${sessionCookieOf(signedIn.response)?.value}`;
    // Opening it signed in only shows the question; the button confirms.
    const page = await t.app.inject({ method: 'GET', url: linkPath, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(email);
    expect((await t.db.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
    const token = new URL(link ?? '').searchParams.get('token') ?? '';
    const verify = await submit('/verify-email', { token }, { cookie, formUrl: linkPath });
    expect(verify.response.statusCode).toBe(303);
    expect(verify.response.headers.location).toBe('/account?notice=email-verified');
    expect((await t.db.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).not.toBeNull();
    // Only a hash of the token was stored.
    expect(await t.db.oneTimeToken.count({ where: { tokenHash: token } })).toBe(0);

    const again = await t.app.inject({ method: 'GET', url: linkPath, headers: { cookie } });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('ya se ha usado');
  });

  it('refuses other addresses while citizen sign-up is off, and accepts them as citizens when on', async () => {
    await t.db.siteSettings.upsert({
      where: { id: 1 },
      create: { id: 1, citizenSignupEnabled: false },
      update: { citizenSignupEnabled: false },
    });
    const handle = uniqueName();
    const email = `${handle}@correo-personal.example`;
    const refused = await submit('/sign-up', { email, displayName: 'Vecina', handle, password: TEST_PASSWORD });
    expect(refused.response.statusCode).toBe(422);
    expect(fieldError(refused.response.body, 'email')).toContain('Por ahora solo puede registrarse el personal');
    expect(refused.response.body).toContain(`value="${email}"`);
    expect(refused.response.body).not.toContain(TEST_PASSWORD);
    expect(await t.db.user.count({ where: { email } })).toBe(0);

    await t.db.siteSettings.update({ where: { id: 1 }, data: { citizenSignupEnabled: true } });
    const accepted = await submit('/sign-up', { email, displayName: 'Vecina', handle, password: TEST_PASSWORD });
    expect(accepted.response.statusCode).toBe(303);
    expect(await t.db.user.findUniqueOrThrow({ where: { email } })).toMatchObject({
      kind: 'CITIZEN',
      organizationId: null,
    });
  });

  it('explains each bad field beside it, keeps what was typed (not the password) and creates nothing', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ email: '' }, 'email', /Escriba su correo/],
      [{ email: 'no-es-un-correo' }, 'email', /correo electrónico válido/],
      [{ displayName: '' }, 'displayName', /Escriba su nombre/],
      [{ displayName: 'x'.repeat(81) }, 'displayName', /80 caracteres/],
      [{ handle: 'a' }, 'handle', /de 3 a 30/],
      [{ handle: 'con espacio' }, 'handle', /de 3 a 30/],
      [{ password: 'corta' }, 'password', /al menos 12/],
      [{ password: 'x'.repeat(257) }, 'password', /más de 256/],
      [{ password: 'password1234' }, 'password', /más usadas/],
    ];
    for (const [override, field, message] of cases) {
      const handle = uniqueName();
      const fields = {
        email: `${handle}@${domain}`,
        displayName: 'Nombre Válido',
        handle,
        password: TEST_PASSWORD,
        ...override,
      };
      const { response } = await submit('/sign-up', fields);
      expect(response.statusCode, JSON.stringify(override)).toBe(422);
      expect(fieldError(response.body, field), field).toMatch(message);
      expect(response.body).toMatch(new RegExp(`href="#field-${field}"`));
      expect(response.body).toMatch(new RegExp(`aria-describedby="[^"]*field-${field}-error"`));
      if (field !== 'displayName') expect(response.body).toContain('value="Nombre Válido"');
      if (fields.password.length > 5) expect(response.body).not.toContain(fields.password);
      expect(await t.db.user.count({ where: { handle } })).toBe(0);
    }
  });

  it('says a handle is taken', async () => {
    const existing = await createUser(t.db);
    const handle = uniqueName();
    const { response } = await submit('/sign-up', {
      email: `${handle}@${domain}`,
      displayName: 'Otra',
      handle: existing.handle.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'handle')).toContain('ya está en uso');
  });

  it('an address that has an account gets the same page, and an e-mail instead of a second account', async () => {
    const existing = await createUser(t.db, { email: `${uniqueName()}@${domain}` });
    const handle = uniqueName();
    const { response } = await submit('/sign-up', {
      email: existing.email.toUpperCase(),
      displayName: 'Impostora',
      handle,
      password: TEST_PASSWORD,
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/sign-up/sent?to=${encodeURIComponent(existing.email.toUpperCase())}`);
    expect(await t.db.user.count({ where: { handle } })).toBe(0);
    const mail = await mailTo(existing.email);
    expect(linksIn(mail.text).some((href) => href.endsWith('/password-reset'))).toBe(true);
  });

  it('changes nothing without the CSRF token', async () => {
    const form = await openForm(t.app, '/sign-up');
    const handle = uniqueName();
    const response = await t.app.inject({
      method: 'POST',
      url: '/sign-up',
      headers: { cookie: form.cookie },
      payload: { email: `${handle}@${domain}`, displayName: 'Sin token', handle, password: TEST_PASSWORD },
    });
    expect(response.statusCode).toBe(403);
    expect(await t.db.user.count({ where: { handle } })).toBe(0);
  });
});

describe('a verification link proves an address only to the account that asked, by its owner’s deliberate act', () => {
  it('someone who signs up with another person’s address never gets it proven by that person’s clicks', async () => {
    const handle = uniqueName();
    const victim = `${handle}@${domain}`;
    const signUp = await submit('/sign-up', {
      email: victim,
      displayName: 'Suplantador',
      handle,
      password: TEST_PASSWORD,
    });
    expect(signUp.response.statusCode).toBe(303);
    const mail = await mailTo(victim);
    const link = new URL(linksIn(mail.text).find((href) => href.includes('/verify-email?token=')) ?? 'http://x/');
    const linkPath = `${link.pathname}${link.search}`;
    const token = link.searchParams.get('token') ?? '';
    const unverified = async () =>
      (await t.db.user.findUniqueOrThrow({ where: { email: victim } })).emailVerifiedAt === null;

    // The address's owner, or a mail gateway's scanner, opens the link: twice, signed out.
    for (let i = 0; i < 2; i++) {
      const opened = await t.app.inject({ method: 'GET', url: linkPath });
      expect(opened.statusCode).toBe(303);
      expect(String(opened.headers.location)).toMatch(/^\/sign-in\?/);
    }
    expect(await unverified()).toBe(true);

    // Signed in to an account of their own, the owner is told the link is not theirs, and confirming does nothing.
    const owner = await createUser(t.db, { organizationId });
    const { cookie } = await signIn(owner.email);
    const page = await t.app.inject({ method: 'GET', url: linkPath, headers: { cookie } });
    expect(page.statusCode).toBe(400);
    expect(page.body).not.toContain(victim);
    const posted = await submit('/verify-email', { token }, { cookie, formUrl: '/account' });
    expect(posted.response.statusCode).toBe(400);
    expect(await unverified()).toBe(true);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: owner.id } })).email).toBe(owner.email);
  });
});

describe('sign in and out', () => {
  it('starts a session in an HttpOnly, SameSite=Lax cookie, storing only its hash', async () => {
    const user = await createUser(t.db);
    const { response, session } = await signIn(user.email);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    expect(session?.path).toBe('/');
    expect(session?.secure).toBeFalsy(); // plain http here; see the HTTPS test
    const stored = await t.db.session.findMany({ where: { userId: user.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id).toBe(
      createHash('sha256')
        .update(session?.value ?? '')
        .digest('hex'),
    );
    expect(stored[0]?.id).not.toBe(session?.value);

    const account = await t.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: `session=${session?.value}` },
    });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain(user.email);
    const audit = await t.db.auditEntry.findFirst({
      where: { action: 'account.sign_in', actorId: user.id, outcome: 'SUCCESS' },
    });
    expect(audit?.requestId).toBeTruthy();
  });

  it('signing in again replaces the session: the previous cookie stops working', async () => {
    const user = await createUser(t.db);
    const first = await signIn(user.email);
    const second = await signIn(user.email, TEST_PASSWORD, first.cookie);
    expect(second.session?.value).not.toBe(first.session?.value);
    const old = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: first.cookie } });
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toBe('/sign-in?returnTo=%2Faccount');
    expect(
      (await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: second.cookie } })).statusCode,
    ).toBe(200);
  });

  it('answers an unknown address and a wrong password alike, and audits both without the password', async () => {
    const user = await createUser(t.db);
    const wrong = await signIn(user.email, 'no es la contraseña correcta');
    const unknown = await signIn(`${uniqueName()}@${domain}`, 'no es la contraseña correcta');
    expect(wrong.response.statusCode).toBe(401);
    expect(unknown.response.statusCode).toBe(401);
    expect(wrong.session).toBeUndefined();
    const message = 'El correo o la contraseña no son correctos.';
    expect(wrong.response.body).toContain(message);
    expect(unknown.response.body).toContain(message);
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    expect(strip(wrong.response.body)).toBe(strip(unknown.response.body));
    const entries = await t.db.auditEntry.findMany({ where: { action: 'account.sign_in', outcome: 'FAILURE' } });
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(entries.map((entry) => entry.details))).not.toContain('no es la contraseña correcta');
  });

  it('locks an account out after repeated failures, with 429 and Retry-After, even for the right password', async () => {
    const user = await createUser(t.db);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const { response } = await signIn(user.email, 'contraseña equivocada 123');
      expect(response.statusCode, `attempt ${attempt}`).toBe(401);
    }
    const locked = await signIn(user.email);
    expect(locked.response.statusCode).toBe(429);
    expect(Number(locked.response.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.response.body).toContain('Demasiados intentos fallidos');
    expect(locked.session).toBeUndefined();
  });

  it('a suspended account cannot sign in, and its sessions stop working', async () => {
    const user = await createUser(t.db);
    const before = await signIn(user.email);
    await t.db.user.update({ where: { id: user.id }, data: { status: 'SUSPENDED' } });
    const after = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: before.cookie } });
    expect(after.statusCode).toBe(303);
    const attempt = await signIn(user.email);
    expect(attempt.response.statusCode).toBe(403);
    expect(attempt.response.body).toContain('suspendida');
    expect(attempt.session).toBeUndefined();
  });

  it('sign-out ends the session on the server', async () => {
    const user = await createUser(t.db);
    const { cookie } = await signIn(user.email);
    const { response } = await submit('/sign-out', {}, { cookie, formUrl: '/account' });
    expect(response.statusCode).toBe(303);
    expect(sessionCookieOf(response)?.value).toBe('');
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } })).statusCode).toBe(303);
  });

  it('lists one’s sessions, ends another one, and signs out everywhere', async () => {
    const user = await createUser(t.db);
    const laptop = await signIn(user.email);
    const phone = await signIn(user.email);
    const page = await t.app.inject({ method: 'GET', url: '/account/sessions', headers: { cookie: laptop.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/name="sessionId"/g)).toHaveLength(2);
    expect(page.body).toContain('este dispositivo');

    const phoneId = createHash('sha256')
      .update(phone.session?.value ?? '')
      .digest('hex');
    const ended = await submit(
      '/account/sessions/end',
      { sessionId: phoneId },
      { cookie: laptop.cookie, formUrl: '/account/sessions' },
    );
    expect(ended.response.headers.location).toBe('/account/sessions?notice=session-ended');
    expect((await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: phone.cookie } })).statusCode).toBe(
      303,
    );

    // Someone else's session cannot be ended from here.
    const other = await createUser(t.db);
    const theirs = await signIn(other.email);
    const theirId = createHash('sha256')
      .update(theirs.session?.value ?? '')
      .digest('hex');
    await submit(
      '/account/sessions/end',
      { sessionId: theirId },
      { cookie: laptop.cookie, formUrl: '/account/sessions' },
    );
    expect(await t.db.session.count({ where: { id: theirId } })).toBe(1);

    const tablet = await signIn(user.email);
    await submit('/account/sign-out-everywhere', {}, { cookie: laptop.cookie, formUrl: '/account/sessions' });
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(
      (await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: tablet.cookie } })).statusCode,
    ).toBe(303);
  });

  it('a session ends when idle too long or older than the absolute limit', async () => {
    const user = await createUser(t.db);
    const idle = await signIn(user.email);
    const old = await signIn(user.email);
    const hash = (cookie: string) => createHash('sha256').update(cookie.replace('session=', '')).digest('hex');
    await t.db.session.update({ where: { id: hash(idle.cookie) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await t.db.session.update({
      where: { id: hash(old.cookie) },
      data: { createdAt: new Date(Date.now() - 13 * 3_600_000) },
    });
    for (const cookie of [idle.cookie, old.cookie]) {
      const response = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      expect(response.statusCode).toBe(303);
      expect(sessionCookieOf(response)?.value).toBe('');
    }
  });
});

describe('password reset', () => {
  it('says the same for unknown addresses, and e-mails a one-time, 30-minute link for known ones', async () => {
    const unknown = `${uniqueName()}@${domain}`;
    const { response: unknownResponse } = await submit('/password-reset', { email: unknown });
    expect(unknownResponse.statusCode).toBe(200);
    expect(unknownResponse.body).toContain('30 minutos');

    const user = await createUser(t.db, { verified: false });
    const old = await signIn(user.email);
    const { response } = await submit('/password-reset', { email: user.email });
    const same = (html: string, email: string) => html.replaceAll(email, '…').replace(/value="[^"]*"/g, '');
    expect(response.statusCode).toBe(200);
    expect(same(response.body, user.email)).toBe(same(unknownResponse.body, unknown));
    const mail = await mailTo(user.email);
    const link = new URL(linksIn(mail.text).find((href) => href.includes('/password-reset/new?token=')) ?? 'http://x/');
    const token = link.searchParams.get('token') ?? '';
    const row = await t.db.oneTimeToken.findFirstOrThrow({
      where: { userId: user.id, purpose: 'PASSWORD_RESET', usedAt: null },
    });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(30 * 60_000);

    const formPage = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(formPage.statusCode).toBe(200);
    const weak = await submit(
      '/password-reset/new',
      { token, password: 'short' },
      { formUrl: `${link.pathname}${link.search}` },
    );
    expect(weak.response.statusCode).toBe(422);
    expect(fieldError(weak.response.body, 'password')).toContain('al menos 12');

    const newPassword = 'otra frase larga distinta';
    const done = await submit(
      '/password-reset/new',
      { token, password: newPassword },
      { formUrl: `${link.pathname}${link.search}` },
    );
    expect(done.response.statusCode).toBe(303);
    expect(done.response.headers.location).toBe('/sign-in?notice=password-reset');
    expect((await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: old.cookie } })).statusCode).toBe(
      303,
    );
    expect((await signIn(user.email, newPassword)).response.statusCode).toBe(303);
    expect((await signIn(user.email, TEST_PASSWORD)).response.statusCode).toBe(401);
    // Following the link proved the address.
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).not.toBeNull();

    const reused = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(reused.statusCode).toBe(410);
  });

  it('refuses forged and expired links', async () => {
    const forged = await t.app.inject({ method: 'GET', url: `/password-reset/new?token=${'A'.repeat(43)}` });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('no es válido');
    const user = await createUser(t.db);
    await submit('/password-reset', { email: user.email });
    const mail = await mailTo(user.email);
    const link = new URL(linksIn(mail.text).find((href) => href.includes('token=')) ?? 'http://x/');
    await t.db.oneTimeToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    const expired = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('ha caducado');
  });
});

describe('changing password and e-mail', () => {
  it('changing the password asks for the current one and ends the other sessions', async () => {
    const user = await createUser(t.db);
    const here = await signIn(user.email);
    const elsewhere = await signIn(user.email);
    const wrong = await submit(
      '/account/password',
      { currentPassword: 'no es esta contraseña', newPassword: 'nueva frase muy larga' },
      { cookie: here.cookie },
    );
    expect(wrong.response.statusCode).toBe(422);
    expect(fieldError(wrong.response.body, 'currentPassword')).toContain('no es correcta');

    const { response } = await submit(
      '/account/password',
      { currentPassword: TEST_PASSWORD, newPassword: 'nueva frase muy larga' },
      { cookie: here.cookie },
    );
    expect(response.statusCode).toBe(303);
    const renewed = sessionCookieOf(response)?.value ?? '';
    expect(renewed).not.toBe('');
    expect(
      (await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: elsewhere.cookie } })).statusCode,
    ).toBe(303);
    expect((await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: here.cookie } })).statusCode).toBe(
      303,
    );
    expect(
      (await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `session=${renewed}` } })).statusCode,
    ).toBe(200);
  });

  it('changing the e-mail asks for the password and takes effect when the new address is verified', async () => {
    const user = await createUser(t.db, { kind: 'CITIZEN', email: `${uniqueName()}@correo-personal.example` });
    const { cookie } = await signIn(user.email);
    const newEmail = `${uniqueName()}@${domain}`;
    const wrong = await submit('/account/email', { newEmail, password: 'no es esta contraseña' }, { cookie });
    expect(wrong.response.statusCode).toBe(422);
    expect(wrong.response.body).toContain(`value="${newEmail}"`);

    const { response } = await submit('/account/email', { newEmail, password: TEST_PASSWORD }, { cookie });
    expect(response.headers.location).toBe('/account?notice=email-change-sent');
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    const mail = await mailTo(newEmail);
    const link = new URL(linksIn(mail.text).find((href) => href.includes('/verify-email?token=')) ?? 'http://x/');
    await submit(
      '/verify-email',
      { token: link.searchParams.get('token') ?? '' },
      { cookie, formUrl: `${link.pathname}${link.search}` },
    );
    // The new address belongs to an administration: the citizen is now its employee.
    expect(await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      email: newEmail,
      kind: 'EMPLOYEE',
      organizationId,
    });
  });
});

describe('rate limits on sensitive forms', () => {
  it('limits reset requests per mailbox (not per client address), with 429 and Retry-After', async () => {
    const limited = await createTestApp({ RATE_LIMIT_SENSITIVE_MAX: '2' });
    try {
      const statuses: number[] = [];
      // The same mailbox three times, then another one from the same client address.
      for (const email of [
        'nadie@prueba.example',
        'NADIE@prueba.example',
        'nadie@prueba.example',
        'otra@prueba.example',
      ]) {
        const form = await openForm(limited.app, '/password-reset');
        const response = await limited.app.inject({
          method: 'POST',
          url: '/password-reset',
          headers: { cookie: form.cookie },
          payload: { _csrf: form.csrf, email },
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([200, 200, 429, 200]);
    } finally {
      await limited.close();
    }
  });
});

describe('over HTTPS', () => {
  it('the session cookie is __Host- prefixed and Secure', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://agora.example.org' });
    try {
      const user = await createUser(secure.db);
      const form = await openForm(secure.app, '/sign-in');
      const response = await secure.app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie: form.cookie },
        payload: { _csrf: form.csrf, email: user.email, password: TEST_PASSWORD },
      });
      expect(response.statusCode).toBe(303);
      const session = response.cookies.find((cookie) => cookie.name === '__Host-session');
      expect(session?.secure).toBe(true);
      expect(session?.httpOnly).toBe(true);
      expect(session?.path).toBe('/');
      expect(cookieHeader(response)).not.toContain('Domain');
    } finally {
      await secure.close();
    }
  });
});
