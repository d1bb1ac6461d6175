/// <reference lib="dom" />
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalanceRollup } from '../../src/balance/balance-rollup.js';
import {
  expectAccessible,
  launchChromium,
  openPerson,
  signInThroughForm,
  startTestServer,
  type TestServer,
} from '../support/browser.js';
import { createCommunity, createOrganization, createUser } from '../support/factories.js';

// A community's balance in Chromium (issue 13, item 3): its owner follows the link from the community,
// reads the tables beside the charts, types a tag that does not exist and gets the message beside the
// field, then shows the balance publicly; a signed-out reader without JavaScript reads it. Axe on the
// pages with JavaScript (the helper waits for scripts).

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

describe('the balance, in Chromium', () => {
  it('an owner reads it with its tables, gets bad input explained, and shows it to readers without JavaScript', async () => {
    const townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Riberalta' });
    const province = await createOrganization(server.db, { name: 'Diputación de Prueba' });
    const owner = await createUser(server.db, { organizationId: townHall.id, displayName: 'Elena Soto' });
    const other = await createUser(server.db, { organizationId: province.id, displayName: 'Pau Ferrer' });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'OPEN',
      name: 'Contratación pública',
    });
    // A question two days ago, answered an hour later by someone of another organization.
    const asked = new Date(Date.now() - 2 * 86_400_000);
    const thread = await server.db.thread.create({
      data: {
        communityId: community.id,
        authorId: owner.id,
        title: '¿Cláusulas sociales en la limpieza viaria?',
        kind: 'QUESTION',
        tag: 'PROFESSIONAL',
        createdAt: asked,
      },
    });
    const post = (authorId: string, isOpening: boolean, at: Date) =>
      server.db.post.create({
        data: {
          threadId: thread.id,
          authorId,
          isOpening,
          source: 'texto',
          html: '<p>texto</p>',
          tag: 'PROFESSIONAL',
          createdAt: at,
        },
      });
    await post(owner.id, true, asked);
    await post(other.id, false, new Date(asked.getTime() + 3_600_000));
    await createBalanceRollup({ db: server.db, timeZone: server.config.timeZone }).catchUp();

    const o = await openPerson(browser);
    const reader = await openPerson(browser, { javaScriptEnabled: false });
    try {
      await signInThroughForm(o.page, server.baseUrl, owner);
      await o.page.goto(`${server.baseUrl}/c/${community.slug}`);
      await o.page.getByRole('link', { name: 'Equilibrio de la comunidad' }).click();
      await o.page.getByRole('heading', { level: 1, name: 'Equilibrio de Contratación pública' }).waitFor();
      await o.page.getByRole('table', { name: 'Tipos de mensaje por semana: datos por semana' }).waitFor();
      const crossing = o.page.getByRole('table', { name: 'Conversación entre organizaciones: datos por semana' });
      expect(await crossing.getByRole('cell', { name: '100 %' }).count()).toBe(1);
      const questions = o.page.getByRole('table', { name: 'Preguntas y respuestas: datos por semana' });
      expect(await questions.getByRole('cell', { name: '1', exact: true }).count()).toBe(3); // asked, answered, median 1 h
      // The chart is an image the browser drew (CSP allows it), its text pointing at the table.
      const chart = o.page.getByRole('img', { name: /Gráfico: Tipos de mensaje por semana/ });
      await chart.waitFor();
      expect(
        await chart.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)),
      ).toBeGreaterThan(0);
      expect(await o.page.getByRole('link', { name: /Descargar «Tipos de mensaje por semana» en CSV/ }).count()).toBe(
        1,
      );
      expect(await o.page.getByRole('heading', { name: 'Rechazos, retenciones y avisos por regla' }).count()).toBe(1);
      await expectAccessible(o.page);

      await o.page.goto(`${server.baseUrl}/c/${community.slug}/balance?tag=chisme`);
      const tag = o.page.getByRole('combobox', { name: 'Tipo de mensaje' });
      expect(await tag.inputValue()).toBe('chisme');
      expect(await o.page.getByText('«chisme» no es un tipo de mensaje').count()).toBeGreaterThan(0);
      await expectAccessible(o.page);

      // Not shown publicly yet: a signed-out reader is told there is no such page.
      const hidden = await reader.page.goto(`${server.baseUrl}/c/${community.slug}/balance`);
      expect(hidden?.status()).toBe(404);
      await o.page.goto(`${server.baseUrl}/c/${community.slug}/balance`);
      await o.page.getByRole('button', { name: 'Mostrarlo a quien puede leer la comunidad' }).click();
      await o.page.getByRole('button', { name: 'Dejar de mostrarlo' }).waitFor();

      const shown = await reader.page.goto(`${server.baseUrl}/c/${community.slug}/balance`);
      expect(shown?.status()).toBe(200);
      await reader.page.getByRole('table', { name: 'Personas y organizaciones: datos por semana' }).waitFor();
      expect(await reader.page.getByRole('heading', { name: 'Rechazos, retenciones y avisos por regla' }).count()).toBe(
        0,
      );
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
      await reader.context.close();
    }
  });
});
