/// <reference lib="dom" />
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, openPerson, startTestServer, type TestServer } from '../support/browser.js';
import { addMembership, createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// A whole journey in Galician and one in Basque, as a person makes it: choose the language with the
// header's switch, sign in, browse the communities, open a thread and reply; axe on every page seen.

let server: TestServer;
let browser: Browser;
let townHall: { id: string };

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  townHall = await createOrganization(server.db, { name: 'Concello de Linguas', kind: 'MUNICIPALITY' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const kit = threadTestKit(
  () => server,
  () => townHall,
);

/** What a person reads and presses in each language, from the catalogs' words. */
const WORDS = {
  gl: {
    language: 'Galego',
    email: 'Correo electrónico',
    password: 'Contrasinal',
    signIn: 'Iniciar sesión',
    account: (name: string) => `Conta de ${name}`,
    communities: 'Comunidades',
    threads: 'Conversas',
    replyRegion: 'A súa resposta',
    body: 'Texto',
    tag: 'Profesional',
    reply: 'Responder',
    confirm: 'Publicar como Profesional',
    posted: 'Resposta publicada.',
    oneReply: '1 resposta',
    text: 'Nós tramitámolo cunha declaración responsable e o informe técnico asínase na sede electrónica do concello.',
  },
  eu: {
    language: 'Euskara',
    email: 'Helbide elektronikoa',
    password: 'Pasahitza',
    signIn: 'Hasi saioa',
    account: (name: string) => `Kontua: ${name}`,
    communities: 'Komunitateak',
    threads: 'Elkarrizketak',
    replyRegion: 'Zure erantzuna',
    body: 'Testua',
    tag: 'Profesionala',
    reply: 'Erantzun',
    confirm: 'Argitaratu honela: Profesionala',
    posted: 'Erantzuna argitaratu da.',
    oneReply: 'Erantzun 1',
    text: 'Guk erantzukizunpeko adierazpen batekin izapidetzen dugu, eta txosten teknikoa udalaren egoitza elektronikoan sinatzen da.',
  },
} as const;

/** The header's language switch stays within a 320 px wide window (WCAG 1.4.10 reflow). */
async function expectSwitchFits(page: Page) {
  const box = await page.getByRole('group', { name: /Idioma|Hizkuntza|Language|Llengua/ }).boundingBox();
  expect(box).not.toBeNull();
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(320);
}

describe.each(['gl', 'eu'] as const)('a whole journey in %s', (locale) => {
  const w = WORDS[locale];

  it('switch language, sign in, browse communities, open a thread and reply; axe clean on every page', async () => {
    const { c, owner } = await kit.community({ name: `Urbanismo ${locale}` });
    const title = locale === 'gl' ? 'Licenzas de obra menor' : 'Obra txikien lizentziak';
    await kit.openThread(c.slug, owner.cookie, { title, kind: 'DISCUSSION' });
    const reader = await createUser(server.db, { organizationId: townHall.id, displayName: `Lectora ${locale}` });
    await addMembership(server.db, c.id, reader.id);

    const person = await openPerson(browser);
    const { page } = person;
    try {
      // 1. The home page in Spanish, then the switch: five languages, each named in itself.
      await page.setViewportSize({ width: 320, height: 800 });
      await page.goto(`${server.baseUrl}/`);
      for (const name of ['Español', 'Català', 'Galego', 'Euskara', 'English']) {
        expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
      }
      await expectSwitchFits(page);
      await page.getByRole('button', { name: w.language, exact: true }).click();
      await page.waitForURL(`${server.baseUrl}/`);
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      expect(await page.getByRole('button', { name: w.language, exact: true }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      await expectSwitchFits(page);
      await expectAccessible(page);
      await page.setViewportSize({ width: 1280, height: 800 });

      // 2. Sign in, with the form in the chosen language.
      await page.getByRole('link', { name: w.signIn, exact: true }).click();
      await page.getByLabel(w.email).fill(reader.email);
      await page.getByLabel(w.password).fill(TEST_PASSWORD);
      await expectAccessible(page);
      await page.getByRole('button', { name: w.signIn, exact: true }).click();
      await page.getByRole('link', { name: w.account(reader.displayName) }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      await expectAccessible(page);

      // 3. The communities, then one of them.
      await page.getByRole('navigation').first().getByRole('link', { name: w.communities, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: w.communities }).waitFor();
      await expectAccessible(page);
      await page.getByRole('link', { name: c.name, exact: true }).first().click();
      await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
      await expectAccessible(page);

      // 4. The thread, and a reply to it.
      await page.getByRole('region', { name: w.threads }).getByRole('link', { name: title }).click();
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await expectAccessible(page);
      const form = page.getByRole('region', { name: w.replyRegion });
      await form.getByRole('textbox', { name: w.body, exact: true }).fill(w.text);
      await form.getByRole('radio', { name: w.tag, exact: true }).check();
      await form.getByRole('button', { name: w.reply, exact: true }).click();
      // The suggestion may differ from the chosen tag: then the person confirms, as anyone would.
      const posted = page.getByRole('status').filter({ hasText: w.posted });
      const confirm = page.getByRole('button', { name: w.confirm, exact: true });
      await posted.or(confirm).first().waitFor();
      if (await confirm.isVisible()) {
        await expectAccessible(page);
        await confirm.click();
        await posted.waitFor();
      }
      expect(await page.getByRole('heading', { level: 2, name: w.oneReply }).count()).toBe(1);
      expect(await page.getByText(w.text).count()).toBe(1);
      await expectAccessible(page);

      // 5. The account page names the language and the time zone.
      await page.getByRole('link', { name: w.account(reader.displayName) }).click();
      await page.getByText(`${w.language}.`, { exact: false }).first().waitFor();
      await expectAccessible(page);
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
    // Nine pages, each with an axe run: longer than one page's test.
  }, 120_000);
});

describe('a language code that is not one of the five', () => {
  it('gets a page that names it and offers the five, and the way back keeps the page', async () => {
    const person = await openPerson(browser);
    const { page } = person;
    try {
      await page.goto(`${server.baseUrl}/communities?q=urbanismo`);
      // A hand-made or stale form: the switch's button says "fr".
      await page.getByRole('button', { name: 'Galego', exact: true }).evaluate((button) => {
        (button as HTMLButtonElement).value = 'fr';
      });
      await page.getByRole('button', { name: 'Galego', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Idioma no disponible' }).waitFor();
      expect(await page.getByText('«fr» no es uno de los idiomas de Ágora', { exact: false }).count()).toBe(1);
      await expectAccessible(page);
      await page.getByRole('main').getByRole('button', { name: 'Galego', exact: true }).click();
      // The header's switch sends the page's path back (not its query): the same page, now in Galician.
      await page.waitForURL(`${server.baseUrl}/communities`);
      expect(await page.locator('html').getAttribute('lang')).toBe('gl');
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
  });
});
