/// <reference lib="dom" />
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  launchChromium,
  openPerson,
  signInThroughForm,
  startTestServer,
  type TestServer,
} from '../support/browser.js';
import { createOrganization, createUser } from '../support/factories.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('data-protection rights, in Chromium', () => {
  it('an employee asks for a copy of their data and finds the erasure page; an admin sets retention; axe on each page', async () => {
    const townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Datos' });
    const person = await createUser(server.db, { organizationId: townHall.id, displayName: 'Nuria Gil' });
    const admin = await createUser(server.db, {
      role: 'ADMIN',
      organizationId: townHall.id,
      displayName: 'Admin Datos',
    });
    const p = await openPerson(browser);
    const a = await openPerson(browser);
    try {
      await signInThroughForm(p.page, server.baseUrl, person);
      await p.page.goto(`${server.baseUrl}/account`);
      await p.page.getByRole('link', { name: 'Sus datos personales' }).click();
      await p.page.getByRole('heading', { level: 1, name: 'Sus datos personales' }).waitFor();
      await expectAccessible(p.page);
      await p.page.getByRole('button', { name: 'Pedir una copia de mis datos' }).click();
      await p.page.getByRole('heading', { level: 1, name: 'Sus datos personales' }).waitFor();
      await server.app.jobs.queue.drain();
      await p.page.reload();
      await expectAccessible(p.page);
      expect(await server.db.dataExport.count({ where: { userId: person.id } })).toBe(1);
      await p.page.goto(`${server.baseUrl}/account/data/erase`);
      await p.page.getByRole('button', { name: 'Borrar mi cuenta definitivamente' }).click();
      await p.page.getByText('Revise lo siguiente').waitFor();
      await expectAccessible(p.page);
      expect((await server.db.user.findUniqueOrThrow({ where: { id: person.id } })).erasedAt).toBeNull();

      await signInThroughForm(a.page, server.baseUrl, admin);
      await a.page.goto(`${server.baseUrl}/admin/retention`);
      await a.page.getByRole('heading', { level: 1, name: 'Conservación de datos' }).waitFor();
      await a.page.getByLabel('Registro de auditoría (meses)').fill('121');
      await a.page.getByRole('button', { name: 'Guardar' }).click();
      await a.page.getByText('Revise lo siguiente').waitFor();
      expect(await a.page.getByLabel('Registro de auditoría (meses)').inputValue()).toBe('121');
      await expectAccessible(a.page);
    } finally {
      await p.context.close();
      await a.context.close();
    }
  }, 120_000);
});
