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
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

describe('notifications, in Chromium', () => {
  it('one employee mentions another, who sees the bell, opens the notification, lands on the post and unsubscribes by the e-mail link', async () => {
    const townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Avisos' });
    const writer = await createUser(server.db, { organizationId: townHall.id, displayName: 'Marta Ruiz' });
    const reader = await createUser(server.db, { organizationId: townHall.id, displayName: 'Jordi Vidal' });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: writer.id,
      name: 'Urbanismo',
    });
    await addMembership(server.db, community.id, reader.id);
    const a = await openPerson(browser);
    const b = await openPerson(browser, { javaScriptEnabled: false });
    const c = await openPerson(browser);
    try {
      // 1. Marta opens a conversation that mentions Jordi.
      await signInThroughForm(a.page, server.baseUrl, writer);
      await a.page.goto(`${server.baseUrl}/c/${community.slug}/threads/new`);
      await a.page.getByLabel('Título').fill('Informe de la licencia de la calle Mayor');
      await a.page.getByRole('radio', { name: 'Pregunta' }).check();
      await a.page
        .getByRole('textbox', { name: 'Texto', exact: true })
        .fill(`@${reader.handle}, ¿puedes revisar el informe técnico de la licencia de la calle Mayor?`);
      await a.page.getByRole('radio', { name: 'Profesional' }).check();
      await a.page.getByRole('button', { name: 'Publicar' }).click();
      await a.page.getByRole('heading', { level: 1, name: 'Informe de la licencia de la calle Mayor' }).waitFor();
      const post = await server.db.post.findFirstOrThrow({ where: { authorId: writer.id, isOpening: true } });
      // Jordi has been away for an hour: the mention is also e-mailed at once.
      await server.db.user.update({ where: { id: reader.id }, data: { lastSeenAt: new Date(Date.now() - 3_600_000) } });
      await server.app.jobs.queue.drain();

      // 2. Jordi, without JavaScript, sees the bell's number and opens the notification.
      await signInThroughForm(b.page, server.baseUrl, reader);
      const bell = b.page.getByRole('link', { name: /Notificaciones/ });
      expect(await bell.textContent()).toContain('1');
      expect(await bell.getByText('Notificaciones: 1 sin leer').count()).toBe(1);
      await bell.click();
      await b.page.getByRole('heading', { level: 1, name: 'Notificaciones' }).waitFor();
      await b.page
        .getByRole('link', {
          // Names and titles are isolated (U+2068 … U+2069) so that a right-to-left name keeps its place.
          name: /^\u2068?Marta Ruiz\u2069? le ha mencionado en «\u2068?Informe de la licencia de la calle Mayor\u2069?»$/,
        })
        .click();
      await b.page.getByRole('heading', { level: 1, name: 'Informe de la licencia de la calle Mayor' }).waitFor();
      expect(new URL(b.page.url()).hash).toBe(`#post-${post.id}`);
      expect(await b.page.getByRole('link', { name: /Notificaciones/ }).textContent()).not.toMatch(/\d/);

      // 3. The e-mail's unsubscribe link: a page that says what stops, and a button.
      const mail = await smtp.waitForMessage((message) => message.to.includes(reader.email), 10_000);
      const link = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'] ?? '')?.[1] ?? '';
      const url = new URL(link);
      await a.page.goto(`${server.baseUrl}${url.pathname}`);
      await a.page.getByRole('heading', { level: 1, name: 'Dejar de recibir correos' }).waitFor();
      await expectAccessible(a.page);
      await a.page.getByRole('button', { name: 'Dejar de recibirlos' }).click();
      await a.page.getByText('Hecho: ya no recibirá estos correos.').waitFor();
      await expectAccessible(a.page);
      const pref = await server.db.notificationPreference.findUniqueOrThrow({
        where: { userId_kind: { userId: reader.id, kind: 'MENTION' } },
      });
      expect(pref.delivery).toBe('IN_APP');

      // 4. The pages, with JavaScript, are accessible: the list, the preferences, the thread's watch form.
      await c.page.clock.install();
      await signInThroughForm(c.page, server.baseUrl, reader);
      await c.page.goto(`${server.baseUrl}/notifications`);
      await c.page.getByRole('heading', { level: 1, name: 'Notificaciones' }).waitFor();
      await expectAccessible(c.page);
      // A page left open learns of new notifications: the script asks for the number every minute.
      const cBell = c.page.getByRole('link', { name: /Notificaciones/ }).first();
      expect(await cBell.textContent()).not.toMatch(/\d/);
      await a.page.goto(`${server.baseUrl}/c/${community.slug}/threads/${post.threadId}`);
      await a.page.getByRole('textbox', { name: 'Texto', exact: true }).fill(`@${reader.handle}, otra cosa.`);
      await a.page.getByRole('radio', { name: 'Profesional' }).check();
      await a.page.getByRole('button', { name: 'Responder', exact: true }).click();
      await a.page.getByRole('status').filter({ hasText: 'Respuesta publicada.' }).waitFor();
      await server.app.jobs.queue.drain();
      await c.page.clock.runFor(61_000);
      await expect.poll(() => cBell.textContent()).toContain('1');
      expect(await c.page.getByText('Notificaciones: 1 sin leer').count()).toBe(1);
      await c.page.getByRole('link', { name: 'Preferencias de notificación' }).click();
      await c.page.getByRole('heading', { level: 1, name: 'Preferencias de notificación' }).waitFor();
      expect(await c.page.getByLabel('Cuando alguien me menciona').inputValue()).toBe('IN_APP');
      await c.page.getByLabel('Zona horaria').fill('Marte/Olympus');
      await c.page.getByRole('button', { name: 'Guardar las preferencias' }).click();
      await c.page.getByText('no es una zona horaria conocida').first().waitFor();
      expect(await c.page.getByLabel('Zona horaria').inputValue()).toBe('Marte/Olympus');
      await expectAccessible(c.page);
      await c.page.goto(`${server.baseUrl}/c/${community.slug}/threads/${post.threadId}`);
      await c.page.getByLabel('Avisos de esta conversación').selectOption('MUTED');
      await c.page.getByRole('button', { name: 'Cambiar los avisos' }).click();
      await c.page.getByRole('status').filter({ hasText: 'Avisos cambiados.' }).waitFor();
      expect(await c.page.getByLabel('Avisos de esta conversación').inputValue()).toBe('MUTED');
      await expectAccessible(c.page);
      // At 320 CSS pixels the header (with the bell) and the new pages scroll only vertically.
      await c.page.setViewportSize({ width: 320, height: 640 });
      for (const url of ['/notifications', '/account/notifications', `/c/${community.slug}/threads/${post.threadId}`]) {
        await c.page.goto(`${server.baseUrl}${url}`);
        const widths = await c.page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
        }));
        expect(widths.scroll, url).toBeLessThanOrEqual(widths.client);
      }
      expect([...a.problems, ...c.problems]).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  });
});
