import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/accounts/one-time-tokens.js';
import { verifyPassword } from '../../src/accounts/password.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { fieldError, submitForm } from '../support/forms.js';
import { linksIn, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

let t: TestApp;
let smtp: TestSmtpServer;
let adminCookie: string;
let partner: Awaited<ReturnType<typeof createOrganization>>;

const unique = () => randomBytes(4).toString('hex');
const NEW_PASSWORD = 'colaborar es mejor que competir';

const submit = (url: string, fields: Record<string, string>, options: { cookie?: string; formUrl?: string } = {}) =>
  submitForm(t.app, url, fields, options);

/** Has the admin invite an address; returns the path and query of the link e-mailed to it. */
async function invite(email: string, organizationId = partner.id): Promise<string> {
  const response = await submit('/admin/invitations', { email, organizationId }, { cookie: adminCookie });
  expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
  const mail = await smtp.waitForMessage((message) => message.to.includes(email.toLowerCase()), 10_000);
  const link = linksIn(mail.text).find((href) => href.includes('/invitation?token='));
  if (!link) throw new Error(`no invitation link in:\n${mail.text}`);
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

const tokenIn = (path: string) => new URL(path, 'http://x').searchParams.get('token') ?? '';

/** Fills in the invitation form as the invitee's browser would. */
function accept(path: string, fields: Record<string, string>) {
  return submit('/invitation', { token: tokenIn(path), ...fields }, { formUrl: path });
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  t = await createTestApp({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    MAIL_FROM: 'Ágora <no-reply@agora.test>',
    PUBLIC_URL: 'http://agora.test',
  });
  partner = await createOrganization(t.db, { name: 'Fundación Colaboradora', kind: 'PARTNER', emailDomains: [] });
  const admin = await createUser(t.db, { role: 'ADMIN', displayName: 'Marta Administradora' });
  const signIn = await submit('/sign-in', { email: admin.email, password: TEST_PASSWORD });
  const session = signIn.cookies.find((cookie) => cookie.name === 'session');
  adminCookie = `session=${session?.value ?? ''}`;
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

describe('partner invitations', () => {
  it('an e-mailed invitation creates a verified partner of the organization, once', async () => {
    const email = `socia-${unique()}@colabora.example`;
    const path = await invite(email);
    const mail = smtp.messages.find((message) => message.to.includes(email)) ?? { text: '', subject: '' };
    // The address is unproven: the mail carries no text an admin typed, neither their name nor the
    // organization's (issue 9); the invitation's page names the organization.
    expect(mail.text).not.toContain('Marta Administradora');
    expect(mail.text).not.toContain('Fundación Colaboradora');
    expect(mail.text).toMatch(/\b7\b/);
    expect(path).toMatch(/^\/invitation\?token=[\w-]{43}$/);
    expect((await t.app.inject({ method: 'GET', url: path })).body).toContain('Fundación Colaboradora');
    // Only the token's hash is stored, with the admin as its author and a 7-day life.
    const row = await t.db.oneTimeToken.findUniqueOrThrow({ where: { tokenHash: hashToken(tokenIn(path)) } });
    expect(row).toMatchObject({
      purpose: 'PARTNER_INVITATION',
      email,
      organizationId: partner.id,
      usedAt: null,
      userId: null,
    });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(7 * 24 * 60 * 60_000);
    expect(
      await t.db.auditEntry.findFirst({
        where: { action: 'admin.invitation_send', targetId: partner.id, outcome: 'SUCCESS' },
      }),
    ).not.toBeNull();

    const pending = await t.app.inject({ method: 'GET', url: '/admin/invitations', headers: { cookie: adminCookie } });
    expect(pending.body).toContain(`<th scope="row">${email}</th>`);

    const form = await t.app.inject({ method: 'GET', url: path });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`<dd id="invited-email">${email}</dd>`);
    expect(form.body).not.toMatch(/<input[^>]*name="email"/);
    for (const field of ['displayName', 'handle', 'password'])
      expect(form.body).toContain(`<label for="field-${field}">`);

    const handle = `socia-${unique()}`;
    const done = await accept(path, { displayName: 'Sonia Socia', handle, password: NEW_PASSWORD });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/sign-in?notice=invitation-accepted');
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({
      kind: 'PARTNER',
      organizationId: partner.id,
      role: 'USER',
      status: 'ACTIVE',
      handle,
      displayName: 'Sonia Socia',
    });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await verifyPassword(user.passwordHash, NEW_PASSWORD)).toBe(true);
    expect((await t.db.oneTimeToken.findUniqueOrThrow({ where: { id: row.id } })).usedAt).not.toBeNull();
    expect(
      await t.db.auditEntry.findFirst({
        where: { action: 'account.invitation_accept', actorId: user.id, outcome: 'SUCCESS' },
      }),
    ).not.toBeNull();
    const notice = await t.app.inject({ method: 'GET', url: '/sign-in?notice=invitation-accepted' });
    expect(notice.body).toContain('Su cuenta está creada');
    const signIn = await submit('/sign-in', { email, password: NEW_PASSWORD });
    expect(signIn.statusCode).toBe(303);

    // The link is spent: neither page nor form works again.
    const again = await t.app.inject({ method: 'GET', url: path });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('ya se ha usado');
    const secondHandle = `socia-${unique()}`;
    const reused = await submit(
      '/invitation',
      { token: tokenIn(path), displayName: 'Otra', handle: secondHandle, password: NEW_PASSWORD },
      { formUrl: '/sign-in' },
    );
    expect(reused.statusCode).toBe(410);
    expect(await t.db.user.count({ where: { handle: secondHandle } })).toBe(0);
    const after = await t.app.inject({ method: 'GET', url: '/admin/invitations', headers: { cookie: adminCookie } });
    expect(after.body).not.toContain(email);
  });

  it('bad fields come back with 422 beside them, values kept, e-mail still fixed, link still usable', async () => {
    const email = `socio-${unique()}@colabora.example`;
    const path = await invite(email);
    const existing = await createUser(t.db);
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ displayName: '' }, 'displayName', /Escriba su nombre/],
      [{ handle: 'a' }, 'handle', /de 3 a 30/],
      [{ handle: existing.handle }, 'handle', /ya está en uso/],
      [{ password: 'corta' }, 'password', /al menos 12/],
      [{ password: 'password1234' }, 'password', /más usadas/],
      [{ password: `${email.split('@')[0]} larga` }, 'password', /no puede contener su correo/],
    ];
    for (const [override, field, message] of cases) {
      const handle = `socio-${unique()}`;
      const fields = { displayName: 'Samuel Socio', handle, password: NEW_PASSWORD, ...override };
      const response = await accept(path, fields);
      const label = JSON.stringify(override);
      expect(response.statusCode, label).toBe(422);
      expect(fieldError(response.body, field), label).toMatch(message);
      expect(response.body, label).toMatch(new RegExp(`aria-describedby="[^"]*field-${field}-error"`));
      if (field !== 'displayName') expect(response.body, label).toContain('value="Samuel Socio"');
      expect(response.body, label).not.toContain(NEW_PASSWORD);
      expect(response.body, label).toContain(`<dd id="invited-email">${email}</dd>`);
      expect(response.body, label).toContain(`name="token" value="${tokenIn(path)}"`);
    }
    expect(await t.db.user.count({ where: { email } })).toBe(0);
    const done = await accept(path, {
      displayName: 'Samuel Socio',
      handle: `socio-${unique()}`,
      password: NEW_PASSWORD,
    });
    expect(done.statusCode).toBe(303);
    expect(await t.db.user.count({ where: { email, kind: 'PARTNER' } })).toBe(1);
  });

  it('refuses forged, expired and other kinds of tokens, creating nothing', async () => {
    const forged = await t.app.inject({ method: 'GET', url: `/invitation?token=${'A'.repeat(43)}` });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('no es válido');
    expect((await t.app.inject({ method: 'GET', url: '/invitation' })).statusCode).toBe(400);

    const email = `tarde-${unique()}@colabora.example`;
    const path = await invite(email);
    await t.db.oneTimeToken.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await t.app.inject({ method: 'GET', url: path });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('ha caducado');
    const handle = `tarde-${unique()}`;
    const posted = await accept(path, { displayName: 'Tardía', handle, password: NEW_PASSWORD });
    expect(posted.statusCode).toBe(410);
    expect(await t.db.user.count({ where: { email } })).toBe(0);

    // A password-reset link's token is not an invitation.
    const someone = await createUser(t.db);
    await submit('/password-reset', { email: someone.email });
    const reset = await smtp.waitForMessage((message) => message.to.includes(someone.email.toLowerCase()), 10_000);
    const resetToken = new URL(
      linksIn(reset.text).find((href) => href.includes('token=')) ?? 'http://x/',
    ).searchParams.get('token');
    const wrongKind = await t.app.inject({ method: 'GET', url: `/invitation?token=${resetToken}` });
    expect(wrongKind.statusCode).toBe(400);
  });

  it('a new invitation to the same address replaces the earlier one', async () => {
    const email = `doble-${unique()}@colabora.example`;
    const first = await invite(email);
    await smtp.waitForMessage((message) => message.to.includes(email));
    smtp.messages.splice(0, smtp.messages.length);
    const second = await invite(email);
    expect(second).not.toBe(first);
    expect((await t.app.inject({ method: 'GET', url: first })).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'GET', url: second })).statusCode).toBe(200);
  });

  it('says when the address got an account in the meantime', async () => {
    const email = `ya-${unique()}@colabora.example`;
    const path = await invite(email);
    await createUser(t.db, { email });
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('Ya existe una cuenta con esta dirección');
  });

  it('the admin form refuses an address that has an account, or no organization, beside the field', async () => {
    const existing = await createUser(t.db);
    const taken = await submit(
      '/admin/invitations',
      { email: existing.email, organizationId: partner.id },
      { cookie: adminCookie },
    );
    expect(taken.statusCode).toBe(422);
    expect(fieldError(taken.body, 'email')).toContain('ya tiene una cuenta');
    expect(taken.body).toContain(`<option value="${partner.id}" selected>`);
    const email = `sin-org-${unique()}@colabora.example`;
    const noOrganization = await submit('/admin/invitations', { email, organizationId: '' }, { cookie: adminCookie });
    expect(noOrganization.statusCode).toBe(422);
    expect(fieldError(noOrganization.body, 'organizationId')).toContain('Elija la organización');
    expect(noOrganization.body).toContain(`value="${email}"`);
    const badEmail = await submit(
      '/admin/invitations',
      { email: 'no-es-correo', organizationId: partner.id },
      { cookie: adminCookie },
    );
    expect(badEmail.statusCode).toBe(422);
    expect(fieldError(badEmail.body, 'email')).toContain('correo electrónico válido');
    expect(await t.db.oneTimeToken.count({ where: { email: { in: [existing.email, email] } } })).toBe(0);
  });
});
