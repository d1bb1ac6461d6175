import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import packagedChromium from '@sparticuz/chromium';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { TEST_PASSWORD } from './factories.js';

// Playwright cannot download its own browsers here (nor on-prem). By default we drive the
// Chromium that the npm package @sparticuz/chromium ships inside it (unpacked to a temporary
// folder on first use, about 2 s): `npm install` is all a fresh machine needs. CHROMIUM_PATH
// names another Chromium (Debian's /usr/bin/chromium, say) and then wins.
const QUIET_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The package's flags are made for one page per process in a serverless function. These would
// make our tests lie or crash: one process dies with its first closed context, and a browser
// without web security would let through what a person's browser refuses.
const UNWANTED_PACKAGED_FLAGS = [
  '--single-process',
  '--in-process-gpu',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--disable-features=',
  '--headless=',
];

/** The browser to launch: `CHROMIUM_PATH` when set (it must exist), else the packaged one. */
export async function findChromium(): Promise<{ executablePath: string; args: string[] }> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist.`);
    return { executablePath: configured, args: QUIET_FLAGS };
  }
  const executablePath = await packagedChromium.executablePath();
  const args = packagedChromium.args.filter(
    (flag) => !UNWANTED_PACKAGED_FLAGS.some((unwanted) => flag.startsWith(unwanted)),
  );
  return { executablePath, args: [...new Set([...args, ...QUIET_FLAGS])] };
}

export async function launchChromium(): Promise<Browser> {
  const { executablePath, args } = await findChromium();
  return chromium.launch({ executablePath, args, headless: true });
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
