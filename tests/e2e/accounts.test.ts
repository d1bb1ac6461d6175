/// <reference lib="dom" />
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, startTestServer, type TestServer } from '../support/browser.js';
import { createOrganization } from '../support/factories.js';
import { linksIn, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

describe('an employee’s account, in Chromium', () => {
  it('signs up, verifies the address from the e-mail, signs in, sees the sessions and signs out', async () => {
    const organization = await createOrganization(server.db, { name: 'Ayuntamiento de Navegadores' });
    const email = `elena@${organization.emailDomains[0]}`;
    const password = 'mi frase secreta de navegador';
    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Crear una cuenta' }).click();
      await expectAccessible(page);

      // A mistake first: the message appears beside the field, and what was typed stays.
      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByLabel('Nombre y apellidos').fill('Elena Sanz');
      await page.getByLabel('Nombre de usuario').fill('elena-sanz');
      await page.getByLabel('Contraseña').fill('corta');
      await page.getByRole('button', { name: 'Crear la cuenta' }).click();
      await expect
        .poll(() => page.getByText('La contraseña debe tener al menos 12 caracteres.').count())
        .toBeGreaterThan(0);
      expect(await page.getByLabel('Correo electrónico').inputValue()).toBe(email);
      expect(await page.getByLabel('Contraseña').inputValue()).toBe('');
      await expectAccessible(page);

      await page.getByLabel('Contraseña').fill(password);
      await page.getByRole('button', { name: 'Crear la cuenta' }).click();
      await page.getByRole('heading', { name: 'Revise su correo' }).waitFor();
      await expectAccessible(page);

      const mail = await smtp.waitForMessage((message) => message.to.includes(email), 10_000);
      const link = linksIn(mail.text).find((href) => href.includes('/verify-email?token='));
      expect(link).toBeDefined();
      const url = new URL(link ?? '');
      await page.goto(`${server.baseUrl}${url.pathname}${url.search}`);
      await page.getByText('Su dirección de correo está confirmada.').waitFor();
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await expectAccessible(page);

      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByLabel('Contraseña').fill(password);
      await page.getByRole('button', { name: 'Iniciar sesión' }).click();
      await page.getByRole('link', { name: 'Cuenta de Elena Sanz' }).click();
      await page.getByRole('heading', { name: 'Mi cuenta' }).waitFor();
      expect(await page.getByText('verificado', { exact: true }).count()).toBe(1);
      await expectAccessible(page);

      await page.getByRole('link', { name: 'Sesiones abiertas' }).click();
      await page.getByText('este dispositivo', { exact: true }).waitFor();
      await expectAccessible(page);

      await page.getByRole('button', { name: 'Cerrar sesión', exact: true }).click();
      await page.getByText('Ha cerrado la sesión.').waitFor();
      expect(await page.getByRole('link', { name: 'Iniciar sesión' }).count()).toBe(1);
      const cookies = await context.cookies();
      expect(cookies.find((cookie) => cookie.name === 'session')).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('the sign-in and password-reset pages are accessible', async () => {
    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    try {
      for (const path of ['/sign-in', '/password-reset']) {
        await page.goto(`${server.baseUrl}${path}`);
        await expectAccessible(page);
      }
    } finally {
      await context.close();
    }
  });
});
