/// <reference lib="dom" />
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_MAX } from '../../src/threads/threads.schemas.js';
import {
  expectAccessible,
  launchChromium,
  openPerson,
  type Person,
  signInThroughForm,
  startTestServer,
  type TestServer,
} from '../support/browser.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// Issue 14, items 2 and 5, as a person meets them in Chromium: the focus on what went wrong after a
// refused form, counters and no silent cutting, the preview without JavaScript, @mention suggestions by
// keyboard alone, and a draft kept in the browser until sent. axe on every page.

let server: TestServer;
let browser: Browser;
let townHall: { id: string; name: string };

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Compositores', kind: 'MUNICIPALITY' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const kit = threadTestKit(
  () => server,
  () => townHall,
);

/** A community with an owner and a writer (signed in through HTTP for the setup), and a thread in it. */
async function setting(names: { writer: string }) {
  const owner = await kit.person({ displayName: 'Olga Dueña Prado' });
  const community = await createCommunity(server.db, {
    organizationId: townHall.id,
    ownerId: owner.user.id,
    name: 'Técnicos de padrón',
    audience: 'INTERNAL',
  });
  const writer = await createUser(server.db, { organizationId: townHall.id, displayName: names.writer });
  await addMembership(server.db, community.id, writer.id);
  const thread = await kit.openThread(community.slug, owner.cookie, { title: 'Altas en el padrón por internet' });
  return { owner, community, writer, threadUrl: `${server.baseUrl}${thread.url}` };
}

async function signedIn(user: { email: string; displayName: string }, options: { javaScriptEnabled?: boolean } = {}) {
  const person = await openPerson(browser, options);
  await signInThroughForm(person.page, server.baseUrl, user);
  return person;
}

/** Whether the focused element is the one found by `selector`, and whether it is in the viewport. */
function focusOf(page: Page, selector: string) {
  return page.evaluate((css) => {
    const element = document.querySelector(css);
    const box = element?.getBoundingClientRect();
    return {
      focused: element !== null && document.activeElement === element,
      inView: box !== undefined && box.top >= 0 && box.bottom <= window.innerHeight,
    };
  }, selector);
}

const replyBody = (page: Page) =>
  page.getByRole('region', { name: 'Su respuesta' }).getByRole('textbox', { name: 'Texto', exact: true });

describe('forms that never lose or hide a word', () => {
  it('lands on the error summary, in view, after a refused empty reply, with and without JavaScript', {
    timeout: 90_000,
  }, async () => {
    const { writer, threadUrl } = await setting({ writer: 'Rita Vacía Soler' });
    for (const javaScriptEnabled of [true, false]) {
      const person: Person = await signedIn(writer, { javaScriptEnabled });
      try {
        const { page } = person;
        await page.goto(threadUrl);
        await page
          .getByRole('region', { name: 'Su respuesta' })
          .getByRole('button', { name: 'Responder', exact: true })
          .click();
        await page.getByRole('alert').filter({ hasText: 'Revise lo siguiente' }).waitFor();
        await expect.poll(() => focusOf(page, '[data-error-summary]')).toEqual({ focused: true, inView: true });
        expect(await page.getByRole('alert').getByRole('link', { name: 'Escriba el texto.' }).count()).toBe(1);
        // axe runs as a script: on the page with JavaScript, the same page.
        if (javaScriptEnabled) await expectAccessible(page);
        if (!javaScriptEnabled) {
          // Without a script the field is the server's markup alone: a text that starts with a line break
          // and is refused (over the limit) comes back with that line break.
          const indented = `\n    ${'x'.repeat(BODY_MAX + 10)}`;
          await replyBody(page).fill(indented);
          await page
            .getByRole('region', { name: 'Su respuesta' })
            .getByRole('button', { name: 'Responder', exact: true })
            .click();
          await page.locator('#field-body-error').filter({ hasText: 'no puede pasar de' }).waitFor();
          expect(await replyBody(page).inputValue()).toBe(indented);
        }
        expect(person.problems).toEqual([]);
      } finally {
        await person.context.close();
      }
    }
  });

  it('counts as the person sees it, and refuses an over-long text beside the field with every word kept', {
    timeout: 90_000,
  }, async () => {
    const { writer, threadUrl } = await setting({ writer: 'Luis Cuenta Pérez' });
    const person = await signedIn(writer);
    try {
      const { page } = person;
      await page.goto(threadUrl);
      const body = replyBody(page);
      await body.fill('Dos líneas\nque cuentan un salto 🏛');
      const counter = page.locator('#field-body-count');
      const counted = counter.locator('[aria-hidden="true"]');
      // 33 characters: the line break once, the emoji once (34 UTF-16 units).
      expect(await counted.textContent()).toBe(`33 / ${BODY_MAX}`);
      expect(await counter.textContent()).toContain(`33 de ${BODY_MAX} caracteres`);
      await expectAccessible(page);
      // A paste far over the limit is kept whole: no maxlength cuts it.
      const long = `${'palabra '.repeat(2_600)}ÚLTIMA`;
      await body.fill(long);
      expect(await body.inputValue()).toBe(long);
      expect(await counted.textContent()).toBe(`${long.length} / ${BODY_MAX}`);
      expect(await counter.getAttribute('class')).toContain('field__count--over');
      await expect
        .poll(() => page.locator('[data-form-announcer]').textContent())
        .toBe(
          `Ha superado el límite en ${long.length - BODY_MAX} caracteres. No se perderá nada, pero hay que acortarlo para enviarlo.`,
        );
      await page
        .getByRole('region', { name: 'Su respuesta' })
        .getByRole('button', { name: 'Responder', exact: true })
        .click();
      await page.getByRole('alert').filter({ hasText: 'Revise lo siguiente' }).waitFor();
      expect(await replyBody(page).inputValue()).toBe(long);
      const error = await page.locator('#field-body-error').textContent();
      expect(error).toContain(`El texto tiene ${long.length} caracteres y no puede pasar de ${BODY_MAX}.`);
      await expect.poll(() => focusOf(page, '[data-error-summary]')).toEqual({ focused: true, inView: true });
      await expectAccessible(page);
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
  });
});

describe('a composer people expect', () => {
  it('previews without JavaScript, keeping every word, and in place with it', { timeout: 90_000 }, async () => {
    const { writer, threadUrl } = await setting({ writer: 'Vera Previa Ruiz' });
    const text = '**Importante**: el plazo acaba el _lunes_.\n\n<script>alert(1)</script>';
    for (const javaScriptEnabled of [false, true]) {
      const person = await signedIn(writer, { javaScriptEnabled });
      try {
        const { page } = person;
        await page.goto(threadUrl);
        await replyBody(page).fill(text);
        await page.getByRole('button', { name: 'Vista previa', exact: true }).click();
        const preview = page.getByRole('region', { name: /^Vista previa/ });
        await preview.waitFor();
        expect(await preview.locator('.prose strong').textContent()).toBe('Importante');
        expect(await preview.locator('.prose em').textContent()).toBe('lunes');
        expect(await preview.locator('script').count()).toBe(0);
        expect(await replyBody(page).inputValue()).toBe(text);
        // With a script the preview comes in place: the page is still the thread's.
        if (javaScriptEnabled) expect(new URL(page.url()).pathname).not.toMatch(/\/replies$/);
        await expect.poll(() => focusOf(page, '#composer-preview').then((f) => f.focused)).toBe(true);
        // axe runs as a script: on the page with JavaScript, the same page.
        if (javaScriptEnabled) await expectAccessible(page);
        expect(person.problems).toEqual([]);
      } finally {
        await person.context.close();
      }
    }
    const thread = await server.db.thread.findFirstOrThrow({
      where: { title: 'Altas en el padrón por internet' },
      select: { replyCount: true, id: true },
    });
    expect(thread.replyCount).toBe(0);
  });

  it('suggests people to mention as one types, chosen by keyboard alone', { timeout: 90_000 }, async () => {
    const { community, writer, threadUrl } = await setting({ writer: 'Marta Menciona Gil' });
    const named = await createUser(server.db, { organizationId: townHall.id, displayName: 'Ánxela Padrón Vidal' });
    await addMembership(server.db, community.id, named.id);
    // Someone who may not read this INTERNAL community is never offered.
    const elsewhere = await createOrganization(server.db, { kind: 'PROVINCE' });
    await createUser(server.db, { organizationId: elsewhere.id, displayName: 'Anxo Fóra Lago' });
    const person = await signedIn(writer);
    try {
      const { page } = person;
      await page.goto(threadUrl);
      const body = replyBody(page);
      await body.focus();
      await page.keyboard.type('Hola @anx');
      const list = page.getByRole('listbox', { name: 'Personas que puede mencionar' });
      await list.waitFor();
      const options = list.getByRole('option');
      await expect.poll(() => options.allInnerTexts()).toEqual([`Ánxela Padrón Vidal @${named.handle}`]);
      expect(await body.getAttribute('aria-activedescendant')).toBe(await options.first().getAttribute('id'));
      expect(await options.first().getAttribute('aria-selected')).toBe('true');
      await expect.poll(() => page.locator('[data-form-announcer]').textContent()).toContain('1 sugerencia.');
      await expectAccessible(page);
      // Escape closes; typing again opens; Enter picks.
      await page.keyboard.press('Escape');
      await list.waitFor({ state: 'hidden' });
      await page.keyboard.type('e');
      await list.waitFor();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await list.waitFor({ state: 'hidden' });
      expect(await body.inputValue()).toBe(`Hola @${named.handle} `);
      await page.keyboard.type('gracias.');
      expect(await body.inputValue()).toBe(`Hola @${named.handle} gracias.`);
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
  });

  it('keeps a draft for its writer only: another person signed in on the same browser never finds it', {
    timeout: 90_000,
  }, async () => {
    const { writer, community, threadUrl } = await setting({ writer: 'Carmen Compartido Gil' });
    const other = await createUser(server.db, { organizationId: townHall.id, displayName: 'Lucía Siguiente Mora' });
    await addMembership(server.db, community.id, other.id);
    const person = await signedIn(writer);
    try {
      const { page } = person;
      await page.goto(threadUrl);
      await replyBody(page).fill('Mi DNI es 12345678Z y lo escribo en un ordenador compartido.');
      await page.waitForTimeout(600);
      // The session ends without "Cerrar sesión" (a closed tab, an expired session): the next person signs in.
      await person.context.clearCookies();
      await signInThroughForm(page, server.baseUrl, other);
      await page.goto(threadUrl);
      await replyBody(page).waitFor();
      expect(await replyBody(page).inputValue()).toBe('');
      expect(await page.getByText('Se ha recuperado un borrador').count()).toBe(0);
      expect(await page.evaluate(() => Object.values(localStorage).join(' '))).not.toContain('12345678Z');
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
  });

  it('keeps a draft in the browser: restored after a reload, discarded on request, cleared once sent', {
    timeout: 90_000,
  }, async () => {
    const { writer, threadUrl } = await setting({ writer: 'Pablo Borrador Ríos' });
    const person = await signedIn(writer);
    try {
      const { page } = person;
      await page.goto(threadUrl);
      const draft = 'Nosotros lo tramitamos con cita previa y certificado electrónico; el volante sale al momento.';
      await replyBody(page).fill(draft);
      await page.waitForTimeout(600);
      await page.reload();
      const notice = page.getByRole('status').filter({ hasText: 'Se ha recuperado un borrador' });
      await notice.waitFor();
      expect(await replyBody(page).inputValue()).toBe(draft);
      await expectAccessible(page);

      // Discarded: the field is as the page gave it, and a reload brings nothing back.
      await notice.getByRole('button', { name: 'Descartar el borrador' }).click();
      expect(await replyBody(page).inputValue()).toBe('');
      await page.reload();
      await replyBody(page).waitFor();
      expect(await page.getByText('Se ha recuperado un borrador').count()).toBe(0);

      // A draft over the limit: refused by the server with the message, kept whole in the browser, and
      // restored whole with its counter over the limit.
      const tooLong = `${'x'.repeat(BODY_MAX)} ${draft}`;
      await replyBody(page).fill(tooLong);
      await page.waitForTimeout(600);
      await page
        .getByRole('region', { name: 'Su respuesta' })
        .getByRole('button', { name: 'Responder', exact: true })
        .click();
      await page.getByRole('alert').filter({ hasText: 'Revise lo siguiente' }).waitFor();
      expect(await replyBody(page).inputValue()).toBe(tooLong);
      await page.goto(threadUrl);
      await page.getByRole('status').filter({ hasText: 'Se ha recuperado un borrador' }).waitFor();
      expect(await replyBody(page).inputValue()).toBe(tooLong);
      expect(await page.locator('#field-body-count').getAttribute('class')).toContain('field__count--over');
      await page.getByRole('button', { name: 'Descartar el borrador' }).click();

      // Written again and sent: published, and gone from the browser.
      await replyBody(page).fill(draft);
      await page.waitForTimeout(600);
      await page
        .getByRole('region', { name: 'Su respuesta' })
        .getByRole('button', { name: 'Responder', exact: true })
        .click();
      await page.getByRole('status').filter({ hasText: 'Respuesta publicada.' }).waitFor();
      expect(await replyBody(page).inputValue()).toBe('');
      await page.goto(threadUrl);
      await replyBody(page).waitFor();
      expect(await page.getByText('Se ha recuperado un borrador').count()).toBe(0);
      expect(
        await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('agora:draft:'))),
      ).toEqual([]);
      expect(person.problems).toEqual([]);
    } finally {
      await person.context.close();
    }
  });
});
