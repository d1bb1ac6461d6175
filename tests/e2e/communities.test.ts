/// <reference lib="dom" />
import type { Browser, Locator, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import communitiesEs from '../../src/i18n/communities.es.json' with { type: 'json' };
import {
  expectAccessible,
  launchChromium,
  openPerson,
  signInThroughForm,
  startTestServer,
  type TestServer,
} from '../support/browser.js';
import { createCommunity, createOrganization, createUser } from '../support/factories.js';

let server: TestServer;
let browser: Browser;
let townHall: { id: string };
let province: { id: string };

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  townHall = await createOrganization(server.db, { name: 'Ayuntamiento de Villacomunidad', kind: 'MUNICIPALITY' });
  province = await createOrganization(server.db, { name: 'Diputación de Comunidades', kind: 'PROVINCE' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const personIn = (options: { javaScriptEnabled?: boolean } = {}) => openPerson(browser, options);
const signIn = (page: Page, user: { email: string; displayName: string }) =>
  signInThroughForm(page, server.baseUrl, user);

/** The header's "Comunidades" link, then the directory. */
async function openDirectory(page: Page) {
  await page.getByRole('banner').getByRole('link', { name: 'Comunidades', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Comunidades' }).waitFor();
}

async function searchDirectory(page: Page, text: string) {
  await page.getByRole('searchbox', { name: 'Buscar por nombre o descripción' }).fill(text);
  await page.getByRole('button', { name: 'Buscar', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('q') === text);
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

const NAME = 'Red comarcal de urbanismo';
const SLUG = 'red-comarcal-urbanismo';
const DESCRIPTION = 'Técnicos de urbanismo de los ayuntamientos y la diputación.';
const RULES = 'Sea **amable** y cite la normativa.';

describe('communities, in Chromium', () => {
  // Four people's pages and fourteen accessibility checks: more than the default minute on a busy machine.
  it('an employee creates a private inter-administrative community; another administration asks to join; the owner approves', {
    timeout: 120_000,
  }, async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id, displayName: 'Marta Ruiz Villa' });
    const applicant = await createUser(server.db, { organizationId: province.id, displayName: 'Jorge Alonso Prado' });

    // 1. The town-hall employee creates the community.
    const first = await personIn();
    const second = await personIn();
    try {
      const page = first.page;
      await signIn(page, owner);
      await openDirectory(page);
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Crear una comunidad' }).click();
      await page.getByRole('heading', { level: 1, name: 'Crear una comunidad' }).waitFor();
      await expectAccessible(page);

      // A mistake first: an address with capitals and a space.
      await page.getByRole('textbox', { name: 'Nombre', exact: true }).fill(NAME);
      await page.getByRole('textbox', { name: 'Dirección', exact: true }).fill('Urbanismo Comarcal');
      await page.getByRole('radio', { name: /^Interadministrativa/ }).check();
      await page.getByRole('textbox', { name: 'Descripción', exact: true }).fill(DESCRIPTION);
      await page.getByRole('textbox', { name: 'Normas', exact: true }).fill(RULES);
      await page.getByRole('radio', { name: /^Privada/ }).check();
      await page.getByRole('button', { name: 'Crear la comunidad' }).click();
      const slugField = page.getByRole('textbox', { name: 'Dirección', exact: true });
      await expect.poll(() => slugField.getAttribute('aria-invalid')).toBe('true');
      const slugMessage = 'Use letras minúsculas sin acentos, números y guiones (hasta 60)';
      expect(await descriptionOf(slugField)).toContain(slugMessage);
      expect(await page.getByRole('alert').getByRole('link', { name: slugMessage }).count()).toBe(1);
      expect(await slugField.inputValue()).toBe('Urbanismo Comarcal');
      expect(await page.getByRole('textbox', { name: 'Nombre', exact: true }).inputValue()).toBe(NAME);
      expect(await page.getByRole('textbox', { name: 'Descripción', exact: true }).inputValue()).toBe(DESCRIPTION);
      expect(await page.getByRole('textbox', { name: 'Normas', exact: true }).inputValue()).toBe(RULES);
      expect(await page.getByRole('radio', { name: /^Interadministrativa/ }).isChecked()).toBe(true);
      expect(await page.getByRole('radio', { name: /^Privada/ }).isChecked()).toBe(true);
      expect(await server.db.community.count({ where: { name: NAME } })).toBe(0);
      await expectAccessible(page);

      await slugField.fill(SLUG);
      await page.getByRole('button', { name: 'Crear la comunidad' }).click();
      await page.getByRole('status').filter({ hasText: 'Comunidad creada.' }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/c/${SLUG}`);
      await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
      expect(await page.getByText('Interadministrativa', { exact: true }).count()).toBe(1);
      expect(await page.getByText('Privada', { exact: true }).count()).toBe(1);
      // The owner's title is still being worded: take it from the catalog rather than pin it here.
      const ownerRole = communitiesEs['communities.role.OWNER'];
      expect(await page.getByText(`Participa como: ${ownerRole}.`).count()).toBe(1);
      await expectAccessible(page);
      const created = await server.db.community.findUniqueOrThrow({ where: { slug: SLUG } });
      expect(created).toMatchObject({
        audience: 'INTERADMINISTRATIVE',
        visibility: 'PRIVATE',
        ownerOrganizationId: townHall.id,
      });

      // 2. The province employee finds it, sees who it is for but not who is in it, and asks to join.
      const other = second.page;
      await signIn(other, applicant);
      await openDirectory(other);
      await searchDirectory(other, 'comarcal de urbanismo');
      expect(await other.getByRole('status').textContent()).toBe('1 comunidad.');
      await expectAccessible(other);
      await other.getByRole('link', { name: NAME }).click();
      await other.getByRole('heading', { level: 1, name: NAME }).waitFor();
      expect(await other.getByText(DESCRIPTION).count()).toBe(1);
      expect(await other.getByText('Solo sus miembros pueden leer esta comunidad.').count()).toBe(1);
      expect(await other.getByText('Marta Ruiz Villa').count()).toBe(0);
      expect(await other.getByRole('link', { name: /^Miembros/ }).count()).toBe(0);
      expect(await other.getByRole('heading', { name: 'Normas' }).count()).toBe(0);
      await expectAccessible(other);
      await other.getByRole('button', { name: 'Pedir unirse' }).click();
      await other.getByText('Solicitud enviada; la moderación la revisará.').waitFor();
      expect(await other.getByText('Su solicitud está pendiente de aprobación.').count()).toBe(1);
      expect(await other.getByRole('button', { name: 'Pedir unirse' }).count()).toBe(0);
      expect(await other.getByText('Solo sus miembros pueden leer esta comunidad.').count()).toBe(1);
      await expectAccessible(other);

      // 3. The owner sees the request among the members and approves it.
      await page.goto(`${server.baseUrl}/c/${SLUG}`);
      await page.getByRole('link', { name: 'Miembros (1)' }).click();
      await page.getByRole('heading', { level: 1, name: `Miembros de ${NAME}` }).waitFor();
      const requests = page.getByRole('region', { name: 'Solicitudes para unirse' });
      const request = requests.getByRole('listitem').filter({ hasText: 'Jorge Alonso Prado' });
      expect(await request.getByText('Diputación de Comunidades').count()).toBe(1);
      await expectAccessible(page);
      await request.getByRole('button', { name: 'Aprobar' }).click();
      await page.getByText('Solicitud aprobada.').waitFor();
      expect(await page.getByRole('region', { name: 'Solicitudes para unirse' }).count()).toBe(0);
      const members = page.getByRole('region', { name: 'Miembros (2)' });
      expect(await members.getByRole('listitem').filter({ hasText: 'Jorge Alonso Prado' }).count()).toBe(1);
      expect(await members.getByRole('listitem').filter({ hasText: 'Marta Ruiz Villa' }).count()).toBe(1);
      await expectAccessible(page);

      // 4. The new member opens the community again and now reads it.
      await openDirectory(other);
      await other.getByRole('link', { name: 'Mis comunidades' }).click();
      await other.getByRole('heading', { level: 1, name: 'Mis comunidades' }).waitFor();
      expect(
        await other.getByRole('listitem').filter({ hasText: NAME }).getByText('Miembro', { exact: true }).count(),
      ).toBe(1);
      await expectAccessible(other);
      await other.getByRole('link', { name: NAME }).click();
      await other.getByRole('heading', { level: 1, name: NAME }).waitFor();
      expect(await other.getByText('Participa como: Miembro.').count()).toBe(1);
      expect(await other.getByText('Su solicitud está pendiente de aprobación.').count()).toBe(0);
      expect(await other.getByText('Solo sus miembros pueden leer esta comunidad.').count()).toBe(0);
      await other.getByRole('heading', { level: 2, name: 'Normas' }).waitFor();
      expect(await other.getByRole('region', { name: 'Normas' }).locator('strong', { hasText: 'amable' }).count()).toBe(
        1,
      );
      const moderation = other.getByRole('region', { name: 'Propiedad y moderación' });
      expect(await moderation.getByRole('link', { name: 'Marta Ruiz Villa' }).count()).toBe(1);
      expect(await other.getByRole('button', { name: 'Salir de la comunidad' }).count()).toBe(1);
      expect(await other.getByRole('link', { name: 'Ajustes' }).count()).toBe(0);
      await expectAccessible(other);
      await other.getByRole('link', { name: 'Miembros (2)' }).click();
      await other.getByRole('heading', { level: 1, name: `Miembros de ${NAME}` }).waitFor();
      const seen = other.getByRole('region', { name: 'Miembros (2)' });
      expect(await seen.getByRole('link', { name: 'Marta Ruiz Villa' }).count()).toBe(1);
      expect(await seen.getByRole('link', { name: 'Jorge Alonso Prado' }).count()).toBe(1);
      // A plain member moderates nothing.
      expect(await other.getByRole('button', { name: 'Expulsar' }).count()).toBe(0);
      await expectAccessible(other);

      expect(first.problems).toEqual([]);
      expect(second.problems).toEqual([]);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it('a citizen sees only the communities open to the public in the directory', async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id });
    const citizen = await createUser(server.db, { kind: 'CITIZEN', displayName: 'Lucía Vecina Gómez' });
    const open = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'OPEN',
      visibility: 'PUBLIC',
      name: 'Huertos urbanos vecinales',
    });
    const internal = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERNAL',
      visibility: 'PUBLIC',
      name: 'Huertos: gestión interna del servicio',
    });
    const shared = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERADMINISTRATIVE',
      visibility: 'PUBLIC',
      name: 'Huertos: coordinación entre administraciones',
    });

    const { context, page, problems } = await personIn();
    try {
      await signIn(page, citizen);
      await openDirectory(page);
      // Citizens cannot create communities: the link is not offered.
      expect(await page.getByRole('link', { name: 'Crear una comunidad' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: open.name }).count()).toBe(1);
      expect(await page.getByRole('link', { name: internal.name }).count()).toBe(0);
      expect(await page.getByRole('link', { name: shared.name }).count()).toBe(0);
      expect(await page.getByRole('link', { name: NAME }).count()).toBe(0);
      // Every community listed is an open one.
      const listed = await page.getByRole('main').getByRole('heading', { level: 2 }).allTextContents();
      expect(listed.length).toBeGreaterThan(0);
      const audiences = await server.db.community.findMany({
        where: { name: { in: listed.map((name) => name.trim()) } },
        select: { audience: true },
      });
      expect(audiences.map((community) => community.audience)).toEqual(listed.map(() => 'OPEN'));
      await expectAccessible(page);

      // Searching for all three finds only the open one.
      await searchDirectory(page, 'Huertos');
      expect(await page.getByRole('status').textContent()).toBe('1 comunidad.');
      expect(await page.getByRole('link', { name: open.name }).count()).toBe(1);
      expect(await page.getByRole('link', { name: internal.name }).count()).toBe(0);
      expect(await page.getByRole('link', { name: shared.name }).count()).toBe(0);
      await expectAccessible(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a secret community does not exist for someone outside it', async () => {
    const owner = await createUser(server.db, { organizationId: townHall.id });
    const outsider = await createUser(server.db, { organizationId: province.id, displayName: 'Pilar Ajena Soto' });
    const secret = await createCommunity(server.db, {
      organizationId: townHall.id,
      ownerId: owner.id,
      audience: 'INTERNAL',
      visibility: 'SECRET',
      name: 'Mesa reservada de contratación',
      description: 'Preparación confidencial de pliegos.',
    });

    const { context, page, problems } = await personIn();
    try {
      await signIn(page, outsider);
      await openDirectory(page);
      expect(await page.getByRole('link', { name: secret.name }).count()).toBe(0);
      await searchDirectory(page, secret.name);
      expect(await page.getByRole('status').textContent()).toBe('0 comunidades.');
      expect(await page.getByRole('link', { name: secret.name }).count()).toBe(0);
      expect(await page.getByText('Preparación confidencial de pliegos.').count()).toBe(0);
      await expectAccessible(page);

      const response = await page.goto(`${server.baseUrl}/c/${secret.slug}`);
      expect(response?.status()).toBe(404);
      await page.getByRole('heading', { level: 1, name: 'Página no encontrada' }).waitFor();
      expect(await page.getByText(secret.name).count()).toBe(0);
      await expectAccessible(page);
      expect((await page.goto(`${server.baseUrl}/c/${secret.slug}/members`))?.status()).toBe(404);

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    // The same address and search work for its owner: the outsider's 404 is not a broken link.
    const own = await personIn();
    try {
      await signIn(own.page, owner);
      await openDirectory(own.page);
      await searchDirectory(own.page, secret.name);
      await own.page.getByRole('link', { name: secret.name }).click();
      await own.page.getByRole('heading', { level: 1, name: secret.name }).waitFor();
      expect(await own.page.getByText('Secreta', { exact: true }).count()).toBe(1);
      await expectAccessible(own.page);
      expect(own.problems).toEqual([]);
    } finally {
      await own.context.close();
    }
  });
});
