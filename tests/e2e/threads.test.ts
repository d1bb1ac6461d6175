/// <reference lib="dom" />
import type { Browser, Locator, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import policyEs from '../../src/i18n/policy.es.json' with { type: 'json' };
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
let townHall: { id: string; name: string };
let province: { id: string; name: string };

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Villaconversa', kind: 'MUNICIPALITY' });
  province = await createOrganization(server.db, { name: 'Diputación de Conversaciones', kind: 'PROVINCE' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const personIn = (options: { javaScriptEnabled?: boolean } = {}) => openPerson(browser, options);
const signIn = (page: Page, user: { email: string; displayName: string }) =>
  signInThroughForm(page, server.baseUrl, user);

async function openCommunity(page: Page, community: { slug: string; name: string }) {
  await page.goto(`${server.baseUrl}/c/${community.slug}`);
  await page.getByRole('heading', { level: 1, name: community.name }).waitFor();
}

/** From the community page, the "Nueva conversación" link to the form. */
async function openNewThreadForm(page: Page) {
  await page.getByRole('region', { name: 'Conversaciones' }).getByRole('link', { name: 'Nueva conversación' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nueva conversación' }).waitFor();
}

/** The text that assistive technology reads as the field's description (hint and error beside it). */
function descriptionOf(field: Locator): Promise<string> {
  return field.evaluate((element) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

/** The words of a text, for checking that none of them was lost. */
function wordsOf(text: string): string[] {
  return text.split(/[\s,.:;¿?¡!()«»*#%]+/u).filter(Boolean);
}

/** A post on the thread page: an <article> named by its byline, which starts with the author's name. */
function postBy(scope: Page | Locator, displayName: string): Locator {
  return scope.getByRole('article', { name: new RegExp(`^${displayName}\\b`) });
}

// The tags' names and the policy's messages are still being worded: take them from the catalog.
const TAG = {
  PERSONAL: policyEs['policy.tag.PERSONAL'],
  PROFESSIONAL: policyEs['policy.tag.PROFESSIONAL'],
  ORGANIZATIONAL: policyEs['policy.tag.ORGANIZATIONAL'],
};

function policyMessage(key: keyof typeof policyEs, params: Record<string, string> = {}): string {
  return policyEs[key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);
}

const THREAD_PATH = /^\/c\/[^/]+\/threads\/[0-9a-f-]{36}$/;

const QUESTION_TITLE = '¿Cómo computan los áticos retranqueados en la edificabilidad?';
const QUESTION_BODY = [
  'Estamos revisando una licencia de obra mayor en suelo urbano consolidado y dudamos si computan los áticos retranqueados.',
  '',
  '¿Qué criterio técnico aplican ustedes? #urbanismo',
].join('\n');
const QUESTION_EDITED =
  'Estamos revisando una licencia de obra mayor en suelo urbano consolidado. ¿Qué criterio técnico aplican ustedes con los áticos retranqueados? #urbanismo';
const REPLY_BODY =
  'En nuestro servicio aplicamos la ordenanza municipal: los áticos retranqueados no computan si no superan el 50 % de la planta inferior.';
const ANSWER_BODY =
  'Coincido con ese criterio técnico; en nuestro servicio además comprobamos la altura de cornisa en la licencia.';

describe('threads and replies, in Chromium', () => {
  // Three people's pages, one without JavaScript, and a dozen accessibility checks.
  it('an employee asks a question; another answers it without JavaScript; a third answers that reply; the asker accepts it', {
    timeout: 180_000,
  }, async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id, displayName: 'Olga Propietaria Sanz' });
    const asker = await createUser(server.db, { organizationId: townHall.id, displayName: 'Ana Pregunta Ríos' });
    const replier = await createUser(server.db, { organizationId: province.id, displayName: 'Bruno Responde Gil' });
    const answerer = await createUser(server.db, { organizationId: townHall.id, displayName: 'Carla Matiza León' });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PRIVATE',
      name: 'Técnicos de licencias urbanísticas',
    });
    for (const member of [asker, replier, answerer]) await addMembership(server.db, community.id, member.id);

    const a = await personIn();
    // The reply is written with JavaScript off: the pages work without it.
    const b = await personIn({ javaScriptEnabled: false });
    const c = await personIn();
    try {
      // 1. A opens a question from the community page.
      await signIn(a.page, asker);
      await openCommunity(a.page, community);
      expect(await a.page.getByText('Todavía no hay conversaciones aquí.').count()).toBe(1);
      await expectAccessible(a.page);
      await openNewThreadForm(a.page);
      await expectAccessible(a.page);
      // The title forgotten first: the form says so and keeps the rest.
      await a.page.getByRole('radio', { name: 'Pregunta', exact: true }).check();
      await a.page.getByRole('textbox', { name: 'Texto', exact: true }).fill(QUESTION_BODY);
      await a.page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await a.page.getByRole('button', { name: 'Publicar', exact: true }).click();
      const titleField = a.page.getByRole('textbox', { name: 'Título', exact: true });
      await expect.poll(() => titleField.getAttribute('aria-invalid')).toBe('true');
      expect(await descriptionOf(titleField)).toContain('Escriba un título.');
      expect(await a.page.getByRole('alert').getByRole('link', { name: 'Escriba un título.' }).count()).toBe(1);
      expect(await a.page.getByRole('textbox', { name: 'Texto', exact: true }).inputValue()).toBe(QUESTION_BODY);
      expect(await a.page.getByRole('radio', { name: 'Pregunta', exact: true }).isChecked()).toBe(true);
      expect(await a.page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).isChecked()).toBe(true);
      expect(await server.db.thread.count({ where: { communityId: community.id } })).toBe(0);
      await expectAccessible(a.page);
      await titleField.fill(QUESTION_TITLE);
      await a.page.getByRole('button', { name: 'Publicar', exact: true }).click();
      await a.page.getByRole('status').filter({ hasText: 'Conversación publicada.' }).waitFor();
      expect(new URL(a.page.url()).pathname).toMatch(THREAD_PATH);
      const threadUrl = new URL(a.page.url()).pathname;
      await a.page.getByRole('heading', { level: 1, name: QUESTION_TITLE }).waitFor();
      expect(await a.page.getByText('Sin respuesta aceptada', { exact: true }).count()).toBe(1);
      const opening = postBy(a.page, asker.displayName);
      expect(await opening.getByText('dudamos si computan los áticos retranqueados', { exact: false }).count()).toBe(1);
      expect(await opening.getByRole('link', { name: '#urbanismo' }).getAttribute('href')).toBe('/t/urbanismo');
      // The tag is a disclosure that explains itself.
      const badge = opening.getByText(`${TAG.PROFESSIONAL} — ${policyEs['policy.badge.why']}`, { exact: true });
      const why = opening.getByText(policyMessage('policy.badge.chosen', { tag: TAG.PROFESSIONAL }), { exact: true });
      expect(await why.isVisible()).toBe(false);
      await badge.click();
      await why.waitFor({ state: 'visible' });
      expect(await a.page.getByRole('heading', { level: 2, name: '0 respuestas' }).count()).toBe(1);
      await expectAccessible(a.page);
      const thread = await server.db.thread.findFirstOrThrow({ where: { title: QUESTION_TITLE } });
      expect(thread).toMatchObject({ kind: 'QUESTION', tag: 'PROFESSIONAL', communityId: community.id });

      // The community page lists it.
      await openCommunity(a.page, community);
      const list = a.page.getByRole('region', { name: 'Conversaciones' });
      const card = list.getByRole('listitem').filter({ has: a.page.getByRole('link', { name: QUESTION_TITLE }) });
      expect(await card.getByText('Pregunta', { exact: true }).count()).toBe(1);
      expect(await card.getByText(TAG.PROFESSIONAL, { exact: true }).count()).toBe(1);
      expect(await card.getByText('0 respuestas', { exact: false }).count()).toBe(1);
      await expectAccessible(a.page);

      // 2. B, without JavaScript, answers with the form at the bottom of the thread page.
      await signIn(b.page, replier);
      await openCommunity(b.page, community);
      await b.page.getByRole('link', { name: QUESTION_TITLE }).click();
      await b.page.getByRole('heading', { level: 1, name: QUESTION_TITLE }).waitFor();
      const replyForm = b.page.getByRole('region', { name: 'Su respuesta' });
      await replyForm.getByRole('textbox', { name: 'Texto', exact: true }).fill(REPLY_BODY);
      await replyForm.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await replyForm.getByRole('button', { name: 'Responder', exact: true }).click();
      await b.page.getByRole('status').filter({ hasText: 'Respuesta publicada.' }).waitFor();
      expect(new URL(b.page.url()).pathname).toBe(threadUrl);
      const reply = postBy(b.page, replier.displayName);
      expect(await reply.getByText('los áticos retranqueados no computan', { exact: false }).count()).toBe(1);
      expect(await reply.getByText(province.name).count()).toBe(1);
      expect(await b.page.getByRole('heading', { level: 2, name: '1 respuesta' }).count()).toBe(1);
      // Only the asker (or the moderation) accepts an answer.
      expect(await b.page.getByRole('button', { name: 'Aceptar como respuesta' }).count()).toBe(0);
      // The reply form is empty again, ready for another one.
      expect(await replyForm.getByRole('textbox', { name: 'Texto', exact: true }).inputValue()).toBe('');
      // (axe runs its script in the page: it is checked below in a page with JavaScript.)
      const replyPost = await server.db.post.findFirstOrThrow({ where: { threadId: thread.id, authorId: replier.id } });
      expect(replyPost).toMatchObject({ parentId: null, tag: 'PROFESSIONAL' });

      // 3. C answers B's reply: its "Responder a esta respuesta" leads to the thread's reply form, answering it.
      await signIn(c.page, answerer);
      await c.page.goto(`${server.baseUrl}${threadUrl}`);
      await c.page.getByRole('heading', { level: 1, name: QUESTION_TITLE }).waitFor();
      await postBy(c.page, replier.displayName).getByRole('link', { name: 'Responder a esta respuesta' }).click();
      const answerForm = c.page.getByRole('region', { name: 'Su respuesta a una respuesta' });
      await answerForm.waitFor();
      expect(await answerForm.getByText('Está respondiendo a una respuesta.').count()).toBe(1);
      await expectAccessible(c.page);
      await answerForm.getByRole('textbox', { name: 'Texto', exact: true }).fill(ANSWER_BODY);
      await answerForm.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await answerForm.getByRole('button', { name: 'Responder', exact: true }).click();
      await c.page.getByRole('status').filter({ hasText: 'Respuesta publicada.' }).waitFor();
      expect(new URL(c.page.url()).pathname).toBe(threadUrl);
      const nested = c.page.getByRole('list', { name: `Respuestas a ${replier.displayName}` });
      const answer = postBy(nested, answerer.displayName);
      expect(await answer.getByText('comprobamos la altura de cornisa', { exact: false }).count()).toBe(1);
      // An answer to an answer cannot be answered again: one link, on B's reply.
      expect(await c.page.getByRole('link', { name: 'Responder a esta respuesta' }).count()).toBe(1);
      await expectAccessible(c.page);
      const answerPost = await server.db.post.findFirstOrThrow({
        where: { threadId: thread.id, authorId: answerer.id },
      });
      expect(answerPost.parentId).toBe(replyPost.id);

      // 4. A accepts B's reply.
      await a.page.goto(`${server.baseUrl}${threadUrl}`);
      await a.page.getByRole('heading', { level: 1, name: QUESTION_TITLE }).waitFor();
      expect(
        await postBy(a.page, asker.displayName).getByRole('button', { name: 'Aceptar como respuesta' }).count(),
      ).toBe(0);
      await expectAccessible(a.page);
      await postBy(a.page, replier.displayName).getByRole('button', { name: 'Aceptar como respuesta' }).click();
      await a.page.getByRole('status').filter({ hasText: 'Respuesta aceptada.' }).waitFor();
      const accepted = postBy(a.page, replier.displayName);
      expect(await accepted.getByText('Respuesta aceptada', { exact: true }).count()).toBe(1);
      expect(await accepted.getByRole('button', { name: 'Quitar como aceptada' }).count()).toBe(1);
      expect(await postBy(a.page, answerer.displayName).getByText('Respuesta aceptada', { exact: true }).count()).toBe(
        0,
      );
      expect(await a.page.getByText('Resuelta', { exact: true }).count()).toBe(1);
      expect(await a.page.getByRole('link', { name: 'Ir a la respuesta aceptada' }).getAttribute('href')).toBe(
        `#post-${replyPost.id}`,
      );
      await expectAccessible(a.page);
      expect((await server.db.thread.findUniqueOrThrow({ where: { id: thread.id } })).acceptedPostId).toBe(
        replyPost.id,
      );

      // Everyone sees it accepted, B too (no JavaScript).
      await b.page.goto(`${server.baseUrl}${threadUrl}`);
      expect(await postBy(b.page, replier.displayName).getByText('Respuesta aceptada', { exact: true }).count()).toBe(
        1,
      );

      // The question no longer shows among the unanswered ones.
      await openCommunity(a.page, community);
      await a.page.getByRole('checkbox', { name: /^Sin responder/ }).check();
      await a.page.getByRole('button', { name: 'Filtrar', exact: true }).click();
      await a.page.waitForURL((url) => url.searchParams.get('unanswered') === '1');
      expect(await a.page.getByRole('link', { name: QUESTION_TITLE }).count()).toBe(0);
      await expectAccessible(a.page);
      await openCommunity(a.page, community);
      const answered = a.page
        .getByRole('region', { name: 'Conversaciones' })
        .getByRole('listitem')
        .filter({ has: a.page.getByRole('link', { name: QUESTION_TITLE }) });
      expect(await answered.getByText('Resuelta', { exact: true }).count()).toBe(1);

      // 5. A edits the question: the edit page, then the post marked as edited.
      await a.page.goto(`${server.baseUrl}${threadUrl}`);
      await postBy(a.page, asker.displayName).getByRole('link', { name: 'Editar', exact: true }).click();
      await a.page.getByRole('heading', { level: 1, name: 'Editar publicación' }).waitFor();
      expect(await a.page.getByRole('textbox', { name: 'Título', exact: true }).inputValue()).toBe(QUESTION_TITLE);
      expect(await a.page.getByRole('textbox', { name: 'Texto', exact: true }).inputValue()).toBe(QUESTION_BODY);
      expect(await a.page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).isChecked()).toBe(true);
      await expectAccessible(a.page);
      await a.page.getByRole('textbox', { name: 'Texto', exact: true }).fill(QUESTION_EDITED);
      await a.page.getByRole('button', { name: 'Guardar cambios' }).click();
      await a.page.getByRole('status').filter({ hasText: 'Cambios guardados.' }).waitFor();
      expect(new URL(a.page.url()).pathname).toBe(threadUrl);
      const edited = postBy(a.page, asker.displayName);
      expect(await edited.getByText('editada', { exact: true }).count()).toBe(1);
      expect(await edited.getByText('con los áticos retranqueados?', { exact: false }).count()).toBe(1);
      // The accepted answer and the nested one are still there.
      expect(await postBy(a.page, replier.displayName).getByText('Respuesta aceptada', { exact: true }).count()).toBe(
        1,
      );
      expect(
        await postBy(
          a.page.getByRole('list', { name: `Respuestas a ${replier.displayName}` }),
          answerer.displayName,
        ).count(),
      ).toBe(1);
      await expectAccessible(a.page);

      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
      expect(c.problems).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  });

  it('an employee who is not an official voice cannot speak for an organization nor open an announcement', {
    timeout: 120_000,
  }, async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id });
    const member = await createUser(server.db, { organizationId: townHall.id, displayName: 'Diego Llano Pardo' });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERNAL',
      name: 'Servicios técnicos municipales',
    });
    await addMembership(server.db, community.id, member.id);
    const title = 'Corte de agua en el edificio de servicios técnicos';
    const body = [
      'El **martes** se cortará el suministro de agua de 9 a 12 por obras en la acometida.',
      '',
      'Lleven agua embotellada si la necesitan.',
    ].join('\n');

    const { context, page, problems } = await personIn();
    try {
      await signIn(page, member);
      await openCommunity(page, community);
      await openNewThreadForm(page);

      // The organizational tag is offered but disabled, saying why.
      const organizational = page.getByRole('radio', { name: TAG.ORGANIZATIONAL, exact: true });
      expect(await organizational.isDisabled()).toBe(true);
      expect(await descriptionOf(organizational)).toContain('(No disponible para usted aquí.)');
      expect(await page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).isEnabled()).toBe(true);
      expect(await page.getByRole('radio', { name: TAG.PERSONAL, exact: true }).isEnabled()).toBe(true);
      // Nor may they say on whose behalf.
      expect(await page.getByRole('combobox', { name: 'En nombre de' }).count()).toBe(0);

      // An announcement, which only the moderation, the owners and official voices open: refused.
      await page.getByRole('textbox', { name: 'Título', exact: true }).fill(title);
      await page.getByRole('radio', { name: 'Anuncio', exact: true }).check();
      await page.getByRole('textbox', { name: 'Texto', exact: true }).fill(body);
      await page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await page.getByRole('button', { name: 'Publicar', exact: true }).click();
      const refusal = page.getByRole('alert').filter({ hasText: policyEs['policy.refused.title'] });
      await refusal.waitFor();
      expect(new URL(page.url()).pathname).toBe(`/c/${community.slug}/threads`);
      expect(await refusal.textContent()).toContain(policyEs['policy.rule.announcement-opening-restricted']);
      expect(await refusal.textContent()).toContain(policyEs['policy.refused.kept']);
      // Every word written is still in the form.
      expect(await page.getByRole('textbox', { name: 'Título', exact: true }).inputValue()).toBe(title);
      const kept = await page.getByRole('textbox', { name: 'Texto', exact: true }).inputValue();
      expect(kept).toBe(body);
      for (const word of wordsOf(body)) expect(kept).toContain(word);
      expect(await page.getByRole('radio', { name: 'Anuncio', exact: true }).isChecked()).toBe(true);
      expect(await server.db.thread.count({ where: { title } })).toBe(0);
      expect(await server.db.thread.count({ where: { communityId: community.id } })).toBe(0);
      await expectAccessible(page);

      // They follow the advice: a discussion instead, with the same text and tag.
      await page.getByRole('radio', { name: 'Debate', exact: true }).check();
      expect(
        await page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).isEnabled(),
        'after a refused announcement, the tags a discussion allows must still be choosable',
      ).toBe(true);
      await page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await page.getByRole('button', { name: 'Publicar', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Conversación publicada.' }).waitFor();
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      expect(await server.db.thread.findFirstOrThrow({ where: { title } })).toMatchObject({
        kind: 'DISCUSSION',
        tag: 'PROFESSIONAL',
      });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("an official voice's organizational post is refused where the community stopped welcoming that tag; the text stays", {
    timeout: 120_000,
  }, async () => {
    const owner = await createUser(server.db, { organizationId: province.id });
    const voice = await createUser(server.db, { organizationId: townHall.id, displayName: 'Elena Portavoz Mora' });
    await server.db.officialVoice.create({ data: { userId: voice.id, organizationId: townHall.id } });
    const community = await createCommunity(server.db, {
      organizationId: province.id,
      ownerId: owner.id,
      audience: 'INTERADMINISTRATIVE',
      name: 'Atención ciudadana en la provincia',
    });
    await addMembership(server.db, community.id, voice.id);
    const title = 'Nueva sede de atención ciudadana';
    const body = [
      'El Ayuntamiento informa de que la nueva oficina de atención ciudadana abrirá el lunes 3 de marzo en la plaza Mayor.',
      '',
      'Horario: de 8 a 15 h.',
    ].join('\n');

    const { context, page, problems } = await personIn();
    try {
      await signIn(page, voice);
      await openCommunity(page, community);
      await openNewThreadForm(page);
      // As an official voice, the organizational tag is hers to choose, on behalf of her town hall.
      const organizational = page.getByRole('radio', { name: TAG.ORGANIZATIONAL, exact: true });
      expect(await organizational.isEnabled()).toBe(true);
      expect(await descriptionOf(organizational)).not.toContain('(No disponible para usted aquí.)');
      const onBehalfOf = page.getByRole('combobox', { name: 'En nombre de' });
      expect(await onBehalfOf.locator('option:checked').textContent()).toBe(townHall.name);
      await page.getByRole('textbox', { name: 'Título', exact: true }).fill(title);
      await page.getByRole('radio', { name: 'Debate', exact: true }).check();
      await page.getByRole('textbox', { name: 'Texto', exact: true }).fill(body);
      await organizational.check();
      await onBehalfOf.selectOption({ label: townHall.name });

      // While she writes, the community's owners stop welcoming organizational posts.
      await server.db.community.update({
        where: { id: community.id },
        data: { welcomedTags: ['PERSONAL', 'PROFESSIONAL'] },
      });

      await page.getByRole('button', { name: 'Publicar', exact: true }).click();
      const refusal = page.getByRole('alert').filter({ hasText: policyEs['policy.refused.title'] });
      await refusal.waitFor();
      expect(new URL(page.url()).pathname).toBe(`/c/${community.slug}/threads`);
      expect(await refusal.textContent()).toContain(
        policyMessage('policy.rule.tag-not-welcomed', {
          tag: TAG.ORGANIZATIONAL,
          welcomed: `${TAG.PERSONAL}, ${TAG.PROFESSIONAL}`,
        }),
      );
      expect(await refusal.textContent()).toContain(policyEs['policy.refused.kept']);
      expect(await page.getByRole('textbox', { name: 'Título', exact: true }).inputValue()).toBe(title);
      const kept = await page.getByRole('textbox', { name: 'Texto', exact: true }).inputValue();
      expect(kept).toBe(body);
      for (const word of wordsOf(body)) expect(kept).toContain(word);
      expect(await server.db.thread.count({ where: { title } })).toBe(0);
      expect(await server.db.post.count({ where: { authorId: voice.id } })).toBe(0);
      // The form now says the organizational tag is not available here.
      expect(await organizational.isDisabled()).toBe(true);
      expect(await descriptionOf(organizational)).toContain('(No disponible para usted aquí.)');
      await expectAccessible(page);

      // She publishes it as professional instead.
      await page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true }).check();
      await page.getByRole('button', { name: 'Publicar', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Conversación publicada.' }).waitFor();
      expect(await server.db.thread.findFirstOrThrow({ where: { title } })).toMatchObject({ tag: 'PROFESSIONAL' });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
  it('the script pre-selects the suggested tag as a person writes; moderators read the history, the decisions and a topic', {
    timeout: 120_000,
  }, async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id, displayName: 'Marta Modera Sáez' });
    const writer = await createUser(server.db, { organizationId: townHall.id, displayName: 'Pedro Escribe Vidal' });
    const community = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      name: 'Administración electrónica',
    });
    await addMembership(server.db, community.id, writer.id);
    const { context, page, problems } = await personIn();
    try {
      await signIn(page, writer);
      await openCommunity(page, community);
      await openNewThreadForm(page);
      const personal = page.getByRole('radio', { name: TAG.PERSONAL, exact: true });
      const professional = page.getByRole('radio', { name: TAG.PROFESSIONAL, exact: true });
      await personal.check();
      // A choice the person made is theirs: the script only says what it would suggest…
      await page
        .getByRole('textbox', { name: 'Texto', exact: true })
        .fill(
          '¿Qué plataforma de tramitación electrónica usan para los expedientes de licencias? Buscamos un modelo de pliego.',
        );
      await page.getByText(/^Sugerencia: Profesional/).waitFor();
      expect(await personal.isChecked()).toBe(true);

      // …while a form nobody has chosen a tag in follows the suggestion.
      await page.reload();
      await page
        .getByRole('textbox', { name: 'Texto', exact: true })
        .fill('Me encanta mi equipo y quería daros las gracias por la comida de despedida de ayer, fue muy emotiva.');
      await page.getByText(/^Sugerencia: Personal/).waitFor();
      expect(await personal.isChecked()).toBe(true);
      expect(await professional.isChecked()).toBe(false);

      await page.getByRole('textbox', { name: 'Título', exact: true }).fill('Gracias por la despedida #equipo');
      await page.getByRole('radio', { name: 'Debate', exact: true }).check();
      await page.getByRole('button', { name: 'Publicar', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Conversación publicada.' }).waitFor();

      // The writer edits it; the moderator reads the earlier version and the decisions.
      await page.getByRole('link', { name: 'Editar', exact: true }).click();
      await page
        .getByRole('textbox', { name: 'Texto', exact: true })
        .fill('Me encanta mi equipo y quería daros las gracias por la comida de despedida de ayer. #equipo');
      await page.getByRole('button', { name: 'Guardar cambios' }).click();
      await page.getByRole('status').filter({ hasText: 'Cambios guardados.' }).waitFor();
      const threadUrl = page.url().split('?')[0] ?? '';

      const moderator = await personIn();
      try {
        await signIn(moderator.page, owner);
        await moderator.page.goto(threadUrl);
        await moderator.page.getByRole('link', { name: 'Versiones anteriores' }).click();
        await moderator.page.getByRole('heading', { level: 1, name: 'Versiones anteriores' }).waitFor();
        await moderator.page.getByText('fue muy emotiva').waitFor();
        await expectAccessible(moderator.page);

        await openCommunity(moderator.page, community);
        await moderator.page.getByRole('link', { name: 'Decisiones de etiquetado' }).click();
        await moderator.page.getByRole('heading', { level: 1, name: 'Decisiones de etiquetado' }).waitFor();
        expect(await moderator.page.getByRole('row').count()).toBe(3);
        await expectAccessible(moderator.page);

        await moderator.page.goto(`${server.baseUrl}/t/equipo`);
        await moderator.page.getByRole('link', { name: 'Gracias por la despedida #equipo' }).waitFor();
        await expectAccessible(moderator.page);
        expect(moderator.problems).toEqual([]);
      } finally {
        await moderator.context.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
