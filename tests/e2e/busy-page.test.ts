import pg from 'pg';
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

// A reply sent while another writer holds its thread past the transaction's time (src/db/unavailable.ts
// isDatabaseBusy) comes back as a person meets it in Chromium at 320 CSS pixels:
// a page that says Ágora is busy, the words in a field to send again, axe clean; sent again, it is published.

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ RATE_LIMIT_MAX: '100000' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const WORDS = 'Os paso la ordenanza de veladores que aprobamos en marzo: «terrazas» & <mesas> en la vía pública.';

describe('the busy page', () => {
  it('gives a reply back to send again, readable at 320 px, axe clean', {
    timeout: 60_000,
  }, async () => {
    const townHall = await createOrganization(server.db);
    const owner = await createUser(server.db, { organizationId: townHall.id });
    const member = await createUser(server.db, { organizationId: townHall.id, displayName: 'Marta Ocupada Ruiz' });
    const community = await createCommunity(server.db, { organizationId: townHall.id, ownerId: owner.id });
    await addMembership(server.db, community.id, member.id);
    const opened = await submitForm(
      server.app,
      `/c/${community.slug}/threads`,
      {
        title: 'Veladores en la vía pública',
        kind: 'DISCUSSION',
        body: '¿Quién tiene una ordenanza reciente?',
        tag: 'PROFESSIONAL',
      },
      { cookie: await signInAs(server.app, owner.email), formUrl: `/c/${community.slug}/threads/new` },
    );
    const threadPath = new URL(opened.headers.location as string, server.baseUrl).pathname;
    const threadId = threadPath.split('/').at(-1) as string;

    // With scripts on, for axe: the busy page itself is a plain form that needs none.
    const { context, page, problems } = await openPerson(browser);
    try {
      await page.setViewportSize({ width: 320, height: 800 });
      await signInThroughForm(page, server.baseUrl, member);
      await page.goto(`${server.baseUrl}${threadPath}`);
      const replyForm = page.getByRole('region', { name: 'Su respuesta' });
      await replyForm.getByRole('textbox', { name: 'Texto', exact: true }).fill(WORDS);

      const writer = new pg.Client({ connectionString: server.database.url });
      await writer.connect();
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM threads WHERE id = $1 FOR NO KEY UPDATE', [threadId]);
      const release = setTimeout(() => void writer.query('COMMIT').then(() => writer.end()), 5_600);
      try {
        await replyForm.getByRole('button', { name: 'Responder', exact: true }).click();
        await page.getByRole('heading', { level: 1, name: 'Ágora está ocupada en este momento' }).waitFor();
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 200));
        clearTimeout(release);
        await writer.query('COMMIT').catch(() => undefined);
        await writer.end().catch(() => undefined);
      }
      expect(await page.getByRole('textbox', { name: 'Texto' }).inputValue()).toBe(WORDS);
      expect(await server.db.post.count({ where: { threadId, isOpening: false } })).toBe(0);
      // Nothing wider than the screen: the page scrolls only vertically (WCAG 1.4.10).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      await expectAccessible(page);

      await page.getByRole('button', { name: 'Enviar de nuevo' }).click();
      await page.waitForURL((url) => url.pathname === threadPath);
      expect(await page.getByText('«terrazas» & <mesas>', { exact: false }).count()).toBeGreaterThan(0);
      expect(await server.db.post.count({ where: { threadId, isOpening: false } })).toBe(1);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
