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
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';

// Issue 12 as a person meets it: an employee of one town hall searches without accents, finds a question
// another administration solved, opens the expert's profile, follows them, and sees their next post on
// their home page. Axe on every page of the way.

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function post(cookie: string, url: string, fields: Record<string, string>, formUrl: string) {
  const response = await submitForm(server.app, url, fields, { cookie, formUrl });
  expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
  return String(response.headers.location);
}

describe('finding an answer and its expert in Chromium', () => {
  it('searches without accents, opens the solved question and the expert, follows them, and sees their next post', async () => {
    const vilanova = await createOrganization(server.db, { name: 'Ayuntamiento de Vilanova' });
    const girona = await createOrganization(server.db, { name: 'Diputació de Girona', kind: 'PROVINCE' });
    const elena = await createUser(server.db, { organizationId: vilanova.id, displayName: 'Elena Ruiz' });
    const jordi = await createUser(server.db, { organizationId: girona.id, displayName: 'Jordi Puig' });
    await server.db.user.update({
      where: { id: jordi.id },
      data: { expertise: ['Contratación'], jobTitle: 'Secretario-interventor' },
    });
    const asker = await createUser(server.db, { organizationId: girona.id });
    const procurement = await createCommunity(server.db, {
      organizationId: girona.id,
      ownerId: asker.id,
      name: 'Contratación pública',
      audience: 'INTERADMINISTRATIVE',
    });
    await addMembership(server.db, procurement.id, jordi.id);
    const askerCookie = await signInAs(server.app, asker.email);
    const jordiCookie = await signInAs(server.app, jordi.email);
    const base = `/c/${procurement.slug}`;
    const threadUrl =
      (
        await post(
          askerCookie,
          `${base}/threads`,
          {
            title: 'Contratos menores de mantenimiento',
            kind: 'QUESTION',
            tag: 'PROFESSIONAL',
            body: '¿Cómo justificáis la necesidad en los contratos menores de mantenimiento? #Contratación',
          },
          `${base}/threads/new`,
        )
      ).split('?')[0] ?? '';
    const answerId =
      /#post-([0-9a-f-]{36})/.exec(
        await post(
          jordiCookie,
          `${threadUrl}/replies`,
          {
            tag: 'PROFESSIONAL',
            body: 'Con un informe del servicio que describe la necesidad y el precio de mercado.',
          },
          threadUrl,
        ),
      )?.[1] ?? '';
    const threadId = /threads\/([0-9a-f-]{36})/.exec(threadUrl)?.[1] ?? '';
    await server.db.thread.update({ where: { id: threadId }, data: { acceptedPostId: answerId } });

    const { page, context, problems } = await openPerson(browser);
    try {
      await signInThroughForm(page, server.baseUrl, elena);
      // Home: the feed, empty for now.
      await page.goto(`${server.baseUrl}/`);
      await expectAccessible(page);

      // The header's search box, typed without accents.
      await page.getByRole('searchbox', { name: 'Buscar en Ágora' }).fill('contratacion menores');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search\?q=/);
      const result = page.getByRole('link', { name: 'Contratos menores de mantenimiento' }).first();
      await result.waitFor();
      expect(await page.locator('mark').count()).toBeGreaterThan(0);
      await expectAccessible(page);

      // The solved questions view has it, with the expert beside the answer.
      await page.goto(`${server.baseUrl}/solved?q=${encodeURIComponent('contratacion')}`);
      await page.getByRole('link', { name: 'Contratos menores de mantenimiento' }).waitFor();
      await expectAccessible(page);
      await page.goto(`${server.baseUrl}/solved`);
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Jordi Puig' }).first().click();
      await page.waitForURL(/\/u\//);
      await page.getByRole('heading', { level: 1, name: 'Jordi Puig' }).waitFor();
      await expectAccessible(page);

      // Who knows about it, from the expertise on his profile.
      await page.getByRole('link', { name: 'Contratación' }).click();
      await page.waitForURL(/\/people\?topic=/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Quién sabe de');
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Jordi Puig' }).first().click();

      // Follow him.
      await page.getByRole('button', { name: /^Seguir/ }).click();
      await page.getByRole('status').filter({ hasText: 'Ahora lo sigue' }).waitFor();
      await page.getByRole('button', { name: /Siguiendo/ }).waitFor();
      await expectAccessible(page);

      // His next post, in a community Elena never joined, is on her home page.
      const other = await createCommunity(server.db, {
        organizationId: girona.id,
        ownerId: jordi.id,
        name: 'Administración electrónica',
        audience: 'INTERADMINISTRATIVE',
      });
      await post(
        jordiCookie,
        `/c/${other.slug}/threads`,
        {
          title: 'Plantilla de informe de necesidad',
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
          body: 'Comparto la plantilla que usamos en la Diputació.',
        },
        `/c/${other.slug}/threads/new`,
      );
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Plantilla de informe de necesidad' }).waitFor();
      expect(await page.getByText('Jordi Puig').count()).toBeGreaterThan(0);
      await expectAccessible(page);

      // People, searched without accents.
      await page.goto(`${server.baseUrl}/people?q=${encodeURIComponent('jordi puig')}`);
      await page.getByRole('link', { name: 'Jordi Puig' }).waitFor();
      await expectAccessible(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('works without JavaScript and at 320 pixels: the search page scrolls only vertically', async () => {
    const { page, context } = await openPerson(browser, { javaScriptEnabled: false });
    try {
      await page.setViewportSize({ width: 320, height: 640 });
      for (const url of ['/search?q=contratacion', '/solved', '/people?q=jordi']) {
        await page.goto(`${server.baseUrl}${url}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, url).toBeLessThanOrEqual(320);
      }
      await page.goto(`${server.baseUrl}/search?q=${encodeURIComponent('&|!():*')}`);
      expect(await page.getByRole('alert').textContent()).toContain('Escriba al menos una palabra');
      expect(await page.getByRole('searchbox', { name: 'Qué busca' }).inputValue()).toBe('&|!():*');
    } finally {
      await context.close();
    }
  }, 60_000);
});
