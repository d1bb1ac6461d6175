/// <reference lib="dom" />
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, startTestServer, type TestServer } from '../support/browser.js';
import { createOrganization } from '../support/factories.js';

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

async function withPage<T>(
  options: { javaScriptEnabled?: boolean; locale?: string },
  work: (page: Page) => Promise<T>,
) {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: options.locale ?? 'es-ES',
  });
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

describe('home page in Chromium', () => {
  it('shows Ágora and the administrations on it, with no console errors', async () => {
    await createOrganization(server.db, { name: 'Diputación de Pruebas de Navegador', kind: 'PROVINCE' });
    await withPage({}, async (page) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      const response = await page.goto(`${server.baseUrl}/`);
      expect(response?.status()).toBe(200);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ágora');
      const organization = page.getByRole('listitem').filter({ hasText: 'Diputación de Pruebas de Navegador' });
      expect(await organization.textContent()).toContain('Diputación provincial');
      // The strict CSP lets our stylesheet and script load; anything blocked would be a console error.
      expect(await page.evaluate(() => getComputedStyle(document.body).display)).toBe('flex');
      expect(problems).toEqual([]);
    });
  });

  it('the first Tab reaches the skip link, which moves focus to the content', async () => {
    await withPage({}, async (page) => {
      await page.goto(`${server.baseUrl}/`);
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: 'Saltar al contenido' });
      expect(await skip.evaluate((element) => element === document.activeElement)).toBe(true);
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    });
  });

  it('switches language without JavaScript and keeps the choice', async () => {
    await withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${server.baseUrl}/`);
      expect(await page.locator('html').getAttribute('lang')).toBe('es');
      await page.getByRole('button', { name: 'Català' }).click();
      await page.waitForURL(`${server.baseUrl}/`);
      expect(await page.locator('html').getAttribute('lang')).toBe('ca');
      expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe(
        'Cada missatge diu en quina qualitat parla',
      );
      await page.getByRole('button', { name: 'English' }).click();
      await page.goto(`${server.baseUrl}/`);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
    });
  });
});

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  for (const [name, path, locale] of [
    ['home page', '/', 'es-ES'],
    ['home page in Catalan', '/', 'ca-ES'],
    ['home page in Galician', '/', 'gl-ES'],
    ['home page in Basque', '/', 'eu-ES'],
    ['home page in English', '/', 'en-GB'],
    ['not-found page', '/no-such-page', 'es-ES'],
  ] as const) {
    it(`${name} has no violations`, async () => {
      await withPage({ locale }, async (page) => {
        await page.goto(`${server.baseUrl}${path}`);
        await expectAccessible(page);
      });
    });
  }
});
