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

describe('moderation, in Chromium', () => {
  it('holds a citizen-facing post with an IBAN; a moderator approves one and rejects it with reasons; its author appeals; an admin decides', async () => {
    const townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Riberalta' });
    const owner = await createUser(server.db, { organizationId: townHall.id, displayName: 'Elena Soto' });
    const moderator = await createUser(server.db, { organizationId: townHall.id, displayName: 'Pau Ferrer' });
    const citizen = await createUser(server.db, { kind: 'CITIZEN', displayName: 'Lucía Marín' });
    const admin = await createUser(server.db, {
      role: 'ADMIN',
      organizationId: townHall.id,
      displayName: 'Admin Sitio',
    });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'OPEN',
      name: 'Participación ciudadana',
    });
    await addMembership(server.db, community.id, moderator.id, 'ACTIVE', 'MODERATOR');
    await addMembership(server.db, community.id, citizen.id);
    const a = await openPerson(browser);
    const m = await openPerson(browser);
    const s = await openPerson(browser);
    try {
      // 1. Lucía, a citizen, asks twice; the second question carries her IBAN.
      await signInThroughForm(a.page, server.baseUrl, citizen);
      const ask = async (title: string, body: string) => {
        await a.page.goto(`${server.baseUrl}/c/${community.slug}/threads/new`);
        await a.page.getByLabel('Título').fill(title);
        await a.page.getByRole('radio', { name: 'Pregunta' }).check();
        await a.page.getByRole('textbox', { name: 'Texto', exact: true }).fill(body);
        await a.page.getByRole('radio', { name: 'Personal', exact: true }).check();
        await a.page.getByRole('button', { name: 'Publicar' }).click();
        await a.page.getByRole('heading', { level: 1, name: title }).waitFor();
      };
      await ask(
        'Ayuda para el alquiler joven',
        'Quería saber cuándo se abre la convocatoria de ayudas al alquiler joven. Mi correo es lucia.marin@correo.example.',
      );
      await ask(
        'Devolución de la tasa de la piscina',
        'Pagué dos veces la tasa de la piscina municipal. ¿Me la pueden devolver a la cuenta ES91 2100 0418 4502 0005 1332?',
      );
      expect(await a.page.getByText('Pendiente de revisión', { exact: true }).count()).toBe(1);
      expect(await a.page.getByText('El texto parece contener datos personales: IBAN ****1332.').count()).toBe(1);
      await expectAccessible(a.page);

      // 2. Pau, a moderator, sees the header's count, approves the first and rejects the second with reasons.
      await signInThroughForm(m.page, server.baseUrl, moderator);
      const review = m.page.getByRole('link', { name: /Revisión/ });
      expect(await review.textContent()).toContain('2');
      await review.click();
      await m.page.getByRole('heading', { level: 1, name: 'Cola de revisión' }).waitFor();
      await expectAccessible(m.page);
      const first = m.page.getByRole('listitem').filter({ hasText: 'Ayuda para el alquiler joven' });
      await first.getByRole('button', { name: 'Aprobar y publicar' }).click();
      await m.page.getByText('Decisión registrada.').waitFor();
      const second = m.page.getByRole('listitem').filter({ hasText: 'Devolución de la tasa de la piscina' });
      // Without a ground, nothing happens and the words stay.
      await second.getByLabel('Declaración de motivos').fill('Publica un IBAN completo.');
      await second.getByRole('button', { name: 'Rechazar' }).click();
      await m.page.getByText('Elija el motivo de la decisión.').first().waitFor();
      const again = m.page.getByRole('listitem').filter({ hasText: 'Devolución de la tasa de la piscina' });
      expect(await again.getByLabel('Declaración de motivos').inputValue()).toBe('Publica un IBAN completo.');
      await expectAccessible(m.page);
      await again.getByLabel('Motivo de la decisión').selectOption('PERSONAL_DATA');
      await again
        .getByLabel('Declaración de motivos')
        .fill('Publica un IBAN completo en una comunidad abierta. Escriba a la sede electrónica para la devolución.');
      await again.getByRole('button', { name: 'Rechazar' }).click();
      await m.page.getByText('Decisión registrada.').waitFor();
      await m.page.getByText('No hay nada pendiente de revisión.').waitFor();

      // Pau's other pages: a post's moderation page, the report form (on Lucía's published question), the
      // community's watched words (not his: he is no owner).
      const approved = await server.db.post.findFirstOrThrow({
        where: { authorId: citizen.id, thread: { title: 'Ayuda para el alquiler joven' } },
      });
      await m.page.goto(`${server.baseUrl}/c/${community.slug}/review/posts/${approved.id}`);
      await m.page.getByRole('heading', { level: 1, name: 'Moderar una publicación' }).waitFor();
      await expectAccessible(m.page);
      await m.page.goto(
        `${server.baseUrl}/c/${community.slug}/threads/${approved.threadId}/posts/${approved.id}/report`,
      );
      await m.page.getByRole('heading', { level: 1, name: 'Denunciar una publicación' }).waitFor();
      await expectAccessible(m.page);

      // 3. Lucía is told by the bell, reads the statement of reasons and appeals.
      await server.app.jobs.queue.drain();
      await a.page.goto(`${server.baseUrl}/notifications`);
      await a.page.getByRole('link', { name: /ha tomado una decisión sobre su participación/ }).click();
      await a.page.getByRole('heading', { level: 1, name: 'Decisiones de moderación' }).waitFor();
      await a.page.getByRole('heading', { level: 1, name: 'Decisiones de moderación' }).waitFor();
      expect(await a.page.getByText('Publica un IBAN completo en una comunidad abierta.').count()).toBe(1);
      expect(await a.page.getByText('Lo detectaron automáticamente').count()).toBe(1);
      await expectAccessible(a.page);
      await a.page.getByLabel('Por qué recurre').fill('La cuenta es del ayuntamiento, no mía: la copié del recibo.');
      await a.page.getByRole('button', { name: 'Enviar el recurso' }).click();
      await a.page.getByText('Recurso enviado').waitFor();
      expect(await a.page.getByText(/pendiente de resolución/).count()).toBe(1);

      // Elena, the owner, keeps the community's watched words.
      const o = await openPerson(browser);
      try {
        await signInThroughForm(o.page, server.baseUrl, owner);
        await o.page.goto(`${server.baseUrl}/c/${community.slug}/watched-words`);
        await o.page.getByLabel('Palabra o frase').fill('chiringuito');
        await o.page.getByRole('radio', { name: 'Retener para revisión' }).check();
        await o.page.getByRole('button', { name: 'Añadir a la lista' }).click();
        await o.page.getByRole('button', { name: 'Quitar «chiringuito»' }).waitFor();
        await expectAccessible(o.page);
      } finally {
        await o.context.close();
      }

      // 4. The site admin decides the appeal from the site's queue (Pau took the decision: not him).
      await signInThroughForm(s.page, server.baseUrl, admin);
      await s.page.goto(`${server.baseUrl}/admin/review`);
      await s.page.getByRole('heading', { level: 1, name: 'Cola de revisión del sitio' }).waitFor();
      await expectAccessible(s.page);
      await s.page.getByRole('radio', { name: 'Mantener la decisión' }).check();
      await s.page
        .getByLabel('Motivo de la resolución')
        .fill('Un IBAN, aunque sea de otra persona, no se publica aquí: use la sede electrónica.');
      await s.page.getByRole('button', { name: 'Resolver el recurso' }).click();
      await s.page.getByText('Decisión registrada.').waitFor();

      await a.page.goto(`${server.baseUrl}/account/moderation`);
      expect(await a.page.getByText(/se mantiene la decisión/).count()).toBe(1);
      expect(await a.page.getByText('Un IBAN, aunque sea de otra persona').count()).toBe(1);
      await expectAccessible(a.page);
      // The approved question is public; the rejected one exists for nobody else.
      const visitor = await openPerson(browser);
      try {
        await visitor.page.goto(`${server.baseUrl}/c/${community.slug}`);
        expect(await visitor.page.getByText('Ayuda para el alquiler joven').count()).toBe(1);
        expect(await visitor.page.getByText('Devolución de la tasa de la piscina').count()).toBe(0);
        await expectAccessible(visitor.page);
      } finally {
        await visitor.context.close();
      }
    } finally {
      await a.context.close();
      await m.context.close();
      await s.context.close();
    }
  }, 120_000);
});
