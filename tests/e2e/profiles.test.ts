/// <reference lib="dom" />
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, startTestServer, type TestServer } from '../support/browser.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';

let server: TestServer;
let browser: Browser;
let files: string;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  files = await mkdtemp(path.join(tmpdir(), 'agora-profiles-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (files) await rm(files, { recursive: true, force: true });
});

describe('a profile, in Chromium', () => {
  it('edits the profile, uploads a photo, sees them on the profile page and signs out', async () => {
    const organization = await createOrganization(server.db, { name: 'Ayuntamiento de Perfiles' });
    await server.db.department.create({ data: { organizationId: organization.id, name: 'Urbanismo' } });
    const user = await createUser(server.db, { organizationId: organization.id, displayName: 'Persona Inicial' });
    const photo = path.join(files, 'foto.png');
    await writeFile(
      photo,
      await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 200, g: 90, b: 40 } } })
        .png()
        .toBuffer(),
    );
    const disguised = path.join(files, 'no-soy-una-foto.png');
    await writeFile(disguised, 'solo texto, aunque el nombre diga png\n');

    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      await page.goto(`${server.baseUrl}/sign-in`);
      await page.getByLabel('Correo electrónico').fill(user.email);
      await page.getByLabel('Contraseña').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Iniciar sesión' }).click();

      // The header leads to one's own profile, which leads to the editor.
      await page.getByRole('link', { name: 'Mi perfil' }).click();
      await page.getByRole('heading', { level: 1, name: 'Persona Inicial' }).waitFor();
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Editar mi perfil' }).click();
      await page.getByRole('heading', { level: 1, name: 'Editar el perfil' }).waitFor();
      await expectAccessible(page);

      // A mistake first: the message appears beside the field, and everything typed stays.
      await page.getByRole('textbox', { name: 'Nombre y apellidos' }).fill('Elena Sanz Roig');
      await page.getByRole('textbox', { name: 'Cargo' }).fill('Técnica de urbanismo');
      await page.getByRole('combobox', { name: 'Unidad o departamento' }).selectOption({ label: 'Urbanismo' });
      await page
        .getByRole('textbox', { name: 'Presentación' })
        .fill('Llevo **licencias de obra** y planeamiento.\n\n- Catastro\n- Disciplina urbanística');
      await page.getByRole('textbox', { name: 'Temas de especialidad' }).fill(`urbanismo, ${'x'.repeat(41)}`);
      await page.getByRole('checkbox', { name: 'Cargo' }).check();
      await page.getByRole('button', { name: 'Guardar el perfil' }).click();
      await page.getByText('Cada tema puede tener como máximo 40 caracteres.').first().waitFor();
      expect(await page.getByRole('textbox', { name: 'Cargo' }).inputValue()).toBe('Técnica de urbanismo');
      expect(await page.getByRole('textbox', { name: 'Presentación' }).inputValue()).toContain('**licencias de obra**');
      expect(await page.getByRole('checkbox', { name: 'Cargo' }).isChecked()).toBe(true);
      await expectAccessible(page);

      await page
        .getByRole('textbox', { name: 'Temas de especialidad' })
        .fill('urbanismo, licencias de obra, Urbanismo');
      await page.getByRole('button', { name: 'Guardar el perfil' }).click();
      await page.getByText('Perfil guardado.').waitFor();
      expect(await page.getByRole('textbox', { name: 'Temas de especialidad' }).inputValue()).toBe(
        'urbanismo, licencias de obra',
      );
      await expectAccessible(page);

      // A file that only pretends to be a PNG is refused beside the field.
      await page.getByLabel('Nueva foto').setInputFiles(disguised);
      await page.getByRole('button', { name: 'Subir la foto' }).click();
      await page.getByText('no es una imagen PNG, JPEG ni WebP', { exact: false }).first().waitFor();
      await expectAccessible(page);

      await page.getByLabel('Nueva foto').setInputFiles(photo);
      await page.getByRole('button', { name: 'Subir la foto' }).click();
      await page.getByText('Foto de perfil actualizada.').waitFor();
      await page.getByRole('img', { name: 'Elena Sanz Roig' }).waitFor();
      await expectAccessible(page);

      await page.getByRole('link', { name: 'Ver mi perfil' }).click();
      await page.getByRole('heading', { level: 1, name: 'Elena Sanz Roig' }).waitFor();
      expect(await page.getByText('Técnica de urbanismo').count()).toBe(1);
      expect(await page.getByText('Ayuntamiento de Perfiles').count()).toBe(1);
      expect(await page.locator('strong', { hasText: 'licencias de obra' }).count()).toBe(1);
      expect(await page.getByRole('listitem').filter({ hasText: 'Catastro' }).count()).toBe(1);
      const avatar = page.getByRole('img', { name: 'Elena Sanz Roig' });
      // Loaded under the CSP, as the 256-pixel square it was turned into.
      await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);
      await expectAccessible(page);
      const profileUrl = page.url();

      await page.getByRole('button', { name: 'Cerrar sesión', exact: true }).click();
      await page.getByText('Ha cerrado la sesión.').waitFor();

      // Signed out, only what was made public: the name and the job title.
      await page.goto(profileUrl);
      await page.getByRole('heading', { level: 1, name: 'Elena Sanz Roig' }).waitFor();
      expect(await page.getByText('Técnica de urbanismo').count()).toBe(1);
      expect(await page.getByText('Ayuntamiento de Perfiles').count()).toBe(0);
      expect(await page.getByText('licencias de obra').count()).toBe(0);
      expect(await page.getByRole('img', { name: 'Elena Sanz Roig' }).count()).toBe(0);
      await expectAccessible(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
