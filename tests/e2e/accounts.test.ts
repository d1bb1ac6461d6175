/// <reference lib="dom" />
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, startTestServer, type TestServer } from '../support/browser.js';
import { createOrganization } from '../support/factories.js';
import { linksIn, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtpServer;
let files: string;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  browser = await launchChromium();
  files = await mkdtemp(path.join(tmpdir(), 'agora-accounts-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
  if (files) await rm(files, { recursive: true, force: true });
});

describe('an employee’s account, in Chromium', () => {
  it('signs up, verifies the address from the e-mail, signs in, edits the profile, uploads a photo and signs out', async () => {
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
      // The link asks to sign in to the account, then to confirm with a button: opening it proves nothing.
      await page.goto(`${server.baseUrl}${url.pathname}${url.search}`);
      await page.getByText('Inicie sesión en la cuenta que pidió confirmar la dirección').waitFor();
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await expectAccessible(page);

      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByLabel('Contraseña').fill(password);
      await page.getByRole('button', { name: 'Iniciar sesión' }).click();
      await page.getByRole('heading', { name: 'Confirme su dirección de correo' }).waitFor();
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Confirmar mi dirección' }).click();
      await page.getByText('Su dirección de correo está confirmada.').waitFor();
      await page.getByRole('heading', { name: 'Mi cuenta' }).waitFor();
      expect(await page.getByText('verificado', { exact: true }).count()).toBe(1);
      await expectAccessible(page);

      await page.getByRole('link', { name: 'Sesiones abiertas' }).click();
      await page.getByText('este dispositivo', { exact: true }).waitFor();
      await expectAccessible(page);

      // The profile: edit it, upload a photo, see both on the profile page.
      await page.getByRole('link', { name: 'Mi perfil' }).click();
      await page.getByRole('link', { name: 'Editar mi perfil' }).click();
      await page.getByRole('textbox', { name: 'Cargo' }).fill('Jefa de sección de contratación');
      await page.getByRole('textbox', { name: 'Presentación' }).fill('Preparo pliegos de **contratación pública**.');
      await page.getByRole('button', { name: 'Guardar el perfil' }).click();
      await page.getByText('Perfil guardado.').waitFor();
      await expectAccessible(page);
      const photo = path.join(files, 'foto.jpg');
      await writeFile(
        photo,
        await sharp({ create: { width: 300, height: 500, channels: 3, background: { r: 30, g: 90, b: 160 } } })
          .jpeg()
          .toBuffer(),
      );
      await page.getByLabel('Nueva foto').setInputFiles(photo);
      await page.getByRole('button', { name: 'Subir la foto' }).click();
      await page.getByText('Foto de perfil actualizada.').waitFor();
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Ver mi perfil' }).click();
      await page.getByRole('heading', { level: 1, name: 'Elena Sanz' }).waitFor();
      expect(await page.getByText('Jefa de sección de contratación').count()).toBe(1);
      expect(await page.locator('strong', { hasText: 'contratación pública' }).count()).toBe(1);
      const avatar = page.getByRole('img', { name: 'Elena Sanz' });
      await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);
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
