import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { fieldError, openForm, signInAs, submitForm } from '../support/forms.js';

// Issue 14, item 9: the accessibility statement of RD 1112/2018 at /accesibilidad, linked from every
// page, with its form for communications, requests for accessible information and complaints, and the
// site admins' list of what came in with the 20-working-day deadline.

let t: TestApp;
let adminCookie: string;
beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_MAX: '100000' });
  const org = await createOrganization(t.db, { name: 'Ayuntamiento Accesible' });
  const admin = await createUser(t.db, { role: 'ADMIN', organizationId: org.id });
  adminCookie = await signInAs(t.app, admin.email);
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

describe('the accessibility statement', () => {
  it('is linked from the footer of every page and has the sections of the model', async () => {
    for (const url of ['/', '/communities', '/sign-in', '/accesibilidad', '/no-such-page']) {
      expect((await get(url)).body, url).toContain('<a href="/accesibilidad"');
    }
    const page = await get('/accesibilidad');
    expect(page.statusCode).toBe(200);
    for (const heading of [
      'Situación de cumplimiento',
      'Contenido no accesible',
      'Preparación de la presente declaración de accesibilidad',
      'Observaciones y datos de contacto',
      'Procedimiento de aplicación',
    ]) {
      expect(page.body).toContain(`>${heading}</h2>`);
    }
    expect(page.body).toContain('parcialmente conforme con el RD 1112/2018');
    expect(page.body).toContain('30 de noviembre de 2026');
    expect(page.body).toContain('La administración que gestiona este sitio se ha comprometido');
  });

  it('names the body and the address the site admin gives, and refuses a bad address beside the field', async () => {
    const bad = await submitForm(
      t.app,
      '/admin/settings',
      { siteName: 'Ágora', accessibilityBody: 'El Ayuntamiento de Valdeserra', accessibilityEmail: 'no es correo' },
      { cookie: adminCookie },
    );
    expect(bad.statusCode).toBe(422);
    expect(fieldError(bad.body, 'accessibilityEmail')).toBe('Escriba un correo electrónico válido o déjelo vacío.');
    expect(bad.body).toContain('value="El Ayuntamiento de Valdeserra"');
    const saved = await submitForm(
      t.app,
      '/admin/settings',
      {
        siteName: 'Ágora',
        accessibilityBody: 'El Ayuntamiento de Valdeserra',
        accessibilityEmail: 'accesibilidad@valdeserra.example',
      },
      { cookie: adminCookie },
    );
    expect(saved.statusCode).toBe(303);
    const page = (await get('/accesibilidad')).body;
    expect(page).toContain('El Ayuntamiento de Valdeserra se ha comprometido');
    expect(page).toContain('<a href="mailto:accesibilidad@valdeserra.example">');
    expect(page).toContain('Unidad responsable de accesibilidad de El Ayuntamiento de Valdeserra');
  });
});

describe('its form', () => {
  it('asks a signed-out visitor for an address, keeping every word, and then keeps the message', async () => {
    const description = `No puedo leer el PDF de la convocatoria con mi lector de pantalla ${Date.now()}`;
    const before = await t.db.accessibilityReport.count();
    const noAddress = await submitForm(t.app, '/accesibilidad', { kind: 'INFORMATION', description, pageUrl: '/c/x' });
    expect(noAddress.statusCode).toBe(422);
    expect(fieldError(noAddress.body, 'email')).toBe('Escriba un correo electrónico para poder responderle.');
    expect(noAddress.body).toContain(description);
    expect(noAddress.body).toContain('value="/c/x"');
    const empty = await submitForm(t.app, '/accesibilidad', {
      kind: 'PROBLEM',
      description: ' \u200B ',
      email: 'a@b.es',
    });
    expect(fieldError(empty.body, 'description')).toBe('Cuéntenos qué ha ocurrido o qué necesita.');
    const unknownKind = await submitForm(t.app, '/accesibilidad', { kind: 'WHATEVER', description, email: 'a@b.es' });
    expect(fieldError(unknownKind.body, 'kind')).toBe('Elija qué quiere hacer.');
    const tooLong = await submitForm(t.app, '/accesibilidad', {
      kind: 'PROBLEM',
      description: 'x'.repeat(5001),
      email: 'a@b.es',
    });
    expect(fieldError(tooLong.body, 'description')).toBe('Escriba como mucho 5000 caracteres.');
    expect(await t.db.accessibilityReport.count()).toBe(before);

    const sent = await submitForm(t.app, '/accesibilidad', {
      kind: 'INFORMATION',
      description,
      email: 'vecina@correo.example',
    });
    // Kept, then shown by a redirect, so that a reload sends nothing twice.
    expect(sent.statusCode).toBe(303);
    const shown = await get(String(sent.headers.location));
    expect(shown.body).toContain('Hemos recibido su comunicación.');
    expect(shown.body).toContain('Le responderemos por correo electrónico a más tardar el');
    const stored = await t.db.accessibilityReport.findFirstOrThrow({ where: { description } });
    expect(stored).toMatchObject({ kind: 'INFORMATION', contactEmail: 'vecina@correo.example', userId: null });
  });

  it('keeps a message sent twice from the same form once (a double click, or sent again after a 503)', async () => {
    const person = await createUser(t.db, { email: `dos-veces-${Date.now()}@prueba.example` });
    const cookie = await signInAs(t.app, person.email);
    const form = await openForm(t.app, '/accesibilidad', { cookie });
    const key = /name="submissionKey" value="([^"]+)"/.exec(form.page.body)?.[1] ?? '';
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const send = (description = 'El vídeo no tiene subtítulos.') =>
      t.app.inject({
        method: 'POST',
        url: '/accesibilidad',
        headers: { cookie: [cookie, form.cookie].join('; ') },
        payload: { _csrf: form.csrf, kind: 'COMPLAINT', description, submissionKey: key },
      });
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(303);
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await t.db.accessibilityReport.count({ where: { userId: person.id } })).toBe(1);
    // Other words under the same key (the form changed after going back, or a key copied from elsewhere)
    // are a message of their own, never dropped.
    const edited = await send('Tampoco tiene audiodescripción.');
    expect(edited.statusCode).toBe(303);
    expect(await t.db.accessibilityReport.count({ where: { userId: person.id } })).toBe(2);
    // Another visit to the page is another form: another message.
    const again = await submitForm(
      t.app,
      '/accesibilidad',
      { kind: 'COMPLAINT', description: 'El vídeo no tiene subtítulos.' },
      { cookie },
    );
    expect(again.statusCode).toBe(303);
    expect(await t.db.accessibilityReport.count({ where: { userId: person.id } })).toBe(3);
  });

  it('answers a signed-in person at their account’s address', async () => {
    const person = await createUser(t.db, { email: `lectora-${Date.now()}@prueba.example` });
    const cookie = await signInAs(t.app, person.email);
    const form = (await get('/accesibilidad', cookie)).body;
    expect(form).toContain(`Le responderemos a ${person.email}.`);
    expect(form).not.toContain('name="email"');
    const sent = await submitForm(
      t.app,
      '/accesibilidad',
      { kind: 'COMPLAINT', description: 'El contraste del botón es bajo.' },
      { cookie },
    );
    expect(sent.statusCode).toBe(303);
    const stored = await t.db.accessibilityReport.findFirstOrThrow({ where: { userId: person.id } });
    expect(stored.contactEmail).toBe(person.email);
  });
});

describe('the site admins’ list', () => {
  it('lists messages with their deadline, marks them answered, and is a 404 to anyone else', async () => {
    const report = await t.db.accessibilityReport.create({
      data: {
        kind: 'PROBLEM',
        description: 'El menú no se abre con el teclado.',
        contactEmail: 'x@y.example',
        createdAt: new Date('2026-11-02T10:00:00Z'),
      },
    });
    const list = await get('/admin/accessibility', adminCookie);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('El menú no se abre con el teclado.');
    // 20 working days after Monday 2 November 2026: Monday 30 November.
    expect(list.body).toMatch(
      /(Responder antes del|Fuera de plazo: debía responderse antes del) 30 de noviembre de 2026/,
    );
    const marked = await submitForm(
      t.app,
      `/admin/accessibility/${report.id}/answered`,
      {},
      {
        cookie: adminCookie,
        formUrl: '/admin/accessibility',
      },
    );
    expect(marked.statusCode).toBe(303);
    expect((await t.db.accessibilityReport.findUniqueOrThrow({ where: { id: report.id } })).answeredAt).not.toBeNull();

    const someone = await createUser(t.db);
    const cookie = await signInAs(t.app, someone.email);
    expect((await get('/admin/accessibility', cookie)).statusCode).toBe(404);
    expect((await get('/admin/accessibility')).statusCode).toBe(404);
    const post = await t.app.inject({
      method: 'POST',
      url: `/admin/accessibility/${report.id}/open`,
      headers: { cookie },
    });
    expect(post.statusCode).toBe(404);
  });
});
