import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS } from '../../src/notifications/notification-rules.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, fieldError, openForm, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Galician and Basque through HTTP, a language code Ágora does not have, and times shown in the
// reader's time zone (the Canary Islands are an hour behind Madrid all year).

let t: TestApp;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Concello de Proba', kind: 'MUNICIPALITY' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

/** The text of the first `<time>` whose datetime is `iso`. */
function timeText(html: string, iso: string): string | undefined {
  return new RegExp(`<time datetime="${iso}">([^<]*)</time>`).exec(html)?.[1];
}

/** A thread with a post written at a known instant: noon in Madrid, eleven in the Canaries (summer time). */
async function threadAt(at: Date) {
  const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
  const thread = await kit.openThread(c.slug, owner.cookie);
  await t.db.post.updateMany({ where: { threadId: thread.id }, data: { createdAt: at } });
  return { c, owner, member, thread };
}

describe('the language switch', () => {
  it.each([
    ['gl', 'Saltar ao contido', 'Comunidades'],
    ['eu', 'Joan edukira', 'Komunitateak'],
  ])('switches a signed-out visitor to %s and keeps it', async (locale, skipLink, communities) => {
    const form = await openForm(t.app, '/communities');
    expect(form.page.body).toMatch(/<button[^>]+value="gl"[^>]+lang="gl"[^>]*>Galego<\/button>/);
    expect(form.page.body).toMatch(/<button[^>]+value="eu"[^>]+lang="eu"[^>]*>Euskara<\/button>/);
    const switched = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: form.cookie },
      payload: { _csrf: form.csrf, locale, returnTo: '/communities' },
    });
    expect(switched.statusCode).toBe(303);
    expect(switched.headers.location).toBe('/communities');
    const page = await t.app.inject({
      method: 'GET',
      url: '/communities',
      headers: { cookie: `${form.cookie}; ${cookieHeader(switched)}` },
    });
    expect(page.body).toContain(`<html lang="${locale}">`);
    expect(page.body).toContain(skipLink);
    expect(page.body).toContain(`<h1>${communities}</h1>`);
    expect(page.body).toMatch(new RegExp(`<button[^>]+value="${locale}"[^>]+aria-pressed="true"`));
  });

  it("stores a signed-in person's choice of Basque, so it follows them", async () => {
    const someone = await kit.person();
    const switched = await submitForm(
      t.app,
      '/language',
      { locale: 'eu', returnTo: '/account' },
      { cookie: someone.cookie },
    );
    expect(switched.statusCode).toBe(303);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: someone.user.id } })).locale).toBe('eu');
    // Another browser, without the cookie: the stored choice.
    const account = await kit.get('/account', someone.cookie);
    expect(account.body).toContain('<html lang="eu">');
    expect(account.body).toContain('<h1>Nire kontua</h1>');
    expect(account.body).toContain('Hizkuntza: Euskara.');
  });

  it('follows Accept-Language to Galician and Basque', async () => {
    const gl = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'accept-language': 'gl-ES,gl;q=0.9,es;q=0.8' },
    });
    expect(gl.body).toContain('<html lang="gl">');
    const eu = await t.app.inject({ method: 'GET', url: '/', headers: { 'accept-language': 'eu,es;q=0.5' } });
    expect(eu.body).toContain('<html lang="eu">');
  });

  it.each(['fr', 'pt-BR', 'GL', 'galego', '', 'x'.repeat(500)])(
    'answers the code %j with a clear message, the five languages and the way back, changing nothing',
    async (code) => {
      const someone = await kit.person({ locale: 'gl' });
      const response = await submitForm(
        t.app,
        '/language',
        { locale: code, returnTo: '/communities?q=urbanismo' },
        { cookie: someone.cookie },
      );
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('<h1>Idioma non dispoñible</h1>');
      expect(response.body).toContain(`«${code.slice(0, 35)}» non é ningún dos idiomas de Ágora`);
      for (const name of ['Español', 'Català', 'Galego', 'Euskara', 'English'])
        expect(response.body).toContain(`>${name}</button>`);
      expect(response.body).toContain('href="/communities?q=urbanismo"');
      expect(response.body).toContain('name="returnTo" value="/communities?q=urbanismo"');
      expect(response.cookies.find((cookie) => cookie.name === 'lang')).toBeUndefined();
      expect((await t.db.user.findUniqueOrThrow({ where: { id: someone.user.id } })).locale).toBe('gl');
    },
  );
});

describe('times in the reader’s time zone', () => {
  const NOON_IN_MADRID = new Date('2026-07-01T10:00:00.000Z');

  it('shows a post at 12:00 to a reader in Madrid and 11:00 to one in the Canary Islands, without a zone label', async () => {
    const { thread } = await threadAt(NOON_IN_MADRID);
    const madrid = await kit.person();
    const canary = await kit.person();
    await t.db.user.update({ where: { id: canary.user.id }, data: { timeZone: 'Atlantic/Canary' } });

    const inMadrid = timeText((await kit.get(thread.url, madrid.cookie)).body, NOON_IN_MADRID.toISOString());
    const inCanary = timeText((await kit.get(thread.url, canary.cookie)).body, NOON_IN_MADRID.toISOString());
    expect(inMadrid).toBe('1 de julio de 2026 a las 12:00');
    expect(inCanary).toBe('1 de julio de 2026 a las 11:00');
  });

  it('tells a signed-out visitor which zone the time is in (the site’s)', async () => {
    const { thread } = await threadAt(NOON_IN_MADRID);
    const page = await kit.get(thread.url);
    expect(page.statusCode).toBe(200);
    expect(timeText(page.body, NOON_IN_MADRID.toISOString())).toBe(
      '1 de julio de 2026 a las 12:00 (hora de Europa central)',
    );
    const galician = await t.app.inject({ method: 'GET', url: thread.url, headers: { cookie: 'lang=gl' } });
    expect(timeText(galician.body, NOON_IN_MADRID.toISOString())).toBe(
      '1 de xullo de 2026, 12:00 (hora de Europa Central)',
    );
  });

  it('sets the zone on the notification settings page, linked from the account page, and uses it at once', async () => {
    const { thread } = await threadAt(NOON_IN_MADRID);
    const someone = await kit.person();
    const account = await kit.get('/account', someone.cookie);
    expect(account.body).toContain('en la zona horaria Europe/Madrid');
    expect(account.body).toContain('href="/account/notifications#field-timeZone"');

    const settings = await kit.get('/account/notifications', someone.cookie);
    expect(settings.body).toContain('Las fechas y horas de Ágora y la hora de su resumen se le muestran en esta zona.');
    const fields = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [`delivery.${kind}`, 'IN_APP']));
    const saved = await submitForm(
      t.app,
      '/account/notifications',
      { ...fields, digestFrequency: 'DAILY', digestHour: '8', timeZone: 'Atlantic/Canary' },
      { cookie: someone.cookie },
    );
    expect(saved.statusCode, saved.body.slice(0, 300)).toBe(303);
    expect(timeText((await kit.get(thread.url, someone.cookie)).body, NOON_IN_MADRID.toISOString())).toBe(
      '1 de julio de 2026 a las 11:00',
    );
    expect((await kit.get('/account', someone.cookie)).body).toContain('en la zona horaria Atlantic/Canary');
  });

  it('refuses an unknown zone beside the field, keeps every typed field and changes nothing', async () => {
    const someone = await kit.person({ locale: 'gl' });
    const fields = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [`delivery.${kind}`, 'OFF']));
    const bad = await submitForm(
      t.app,
      '/account/notifications',
      { ...fields, digestFrequency: 'WEEKLY', digestHour: '17', timeZone: 'Atlantic/Canarias' },
      { cookie: someone.cookie },
    );
    expect(bad.statusCode).toBe(422);
    expect(fieldError(bad.body, 'timeZone')).toBe(
      '«Atlantic/Canarias» non é un fuso horario coñecido. Escriba un como Europe/Madrid ou Atlantic/Canary.',
    );
    expect(bad.body).toContain('value="Atlantic/Canarias"');
    expect(bad.body).toMatch(/<option value="WEEKLY" selected>/);
    expect(bad.body).toMatch(/<option value="17" selected>/);
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: someone.user.id } });
    expect(stored).toMatchObject({ timeZone: 'Europe/Madrid', digestFrequency: 'DAILY', digestHour: 8 });
  });
});
