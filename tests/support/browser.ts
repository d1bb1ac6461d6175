import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { TEST_PASSWORD } from './factories.js';

// Playwright cannot download its own browsers here (nor on-prem): we drive Debian's Chromium.
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist.`);
    return configured;
  }
  const found = CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error('Chromium not found: install it with `sudo apt-get install chromium` or set CHROMIUM_PATH.');
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestServer extends TestApp {
  readonly baseUrl: string;
}

/** Ágora listening on a free loopback port, on this test file's own database. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testApp = await createTestApp(env);
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('server has no address');
  return { ...testApp, baseUrl: `http://127.0.0.1:${address.port}` };
}

/** axe-core finds nothing against the WCAG 2.1 A and AA rules on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map(
    (violation) =>
      `${page.url()} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
  );
  expect(found).toEqual([]);
}

/** One person's browser: a fresh context in Spanish, its page, and the script errors the page raised. */
export interface Person {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
}

export async function openPerson(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<Person> {
  const context = await browser.newContext({ locale: 'es-ES', javaScriptEnabled: options.javaScriptEnabled ?? true });
  const page = await context.newPage();
  // A step that cannot happen fails within seconds, naming what it waited for.
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  return { context, page, problems };
}

/** Signs in through the sign-in form, as a person does, and waits for the account link. */
export async function signInThroughForm(page: Page, baseUrl: string, user: { email: string; displayName: string }) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Correo electrónico').fill(user.email);
  await page.getByLabel('Contraseña').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await page.getByRole('link', { name: `Cuenta de ${user.displayName}` }).waitFor();
}
