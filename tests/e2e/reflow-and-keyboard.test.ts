import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  launchChromium,
  openPerson,
  signInThroughForm,
  startTestServer,
  type TestServer,
} from '../support/browser.js';
import { addMembership, createCommunity, createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';
import { routesOf } from '../support/routes.js';

// Issue 14, items 1, 6 and 9 as people meet them in Chromium: every page at 320 CSS pixels scrolls only
// vertically (WCAG 1.4.10), with the longest things people write in it — an unbroken word, a URL, a
// 324-character code line, a 150-character title — and axe finds nothing on it; and a whole journey by
// keyboard alone, with one tab stop for a post's actions.

let server: TestServer;
let browser: Browser;

/** Route patterns that are not pages a person reads: files, feeds for scripts, redirects, tokens' ends. */
const NOT_PAGES = [
  /^\/\*$/,
  /\.(svg|csv|webp)$/,
  /^\/(metrics|healthz|readyz)$/,
  /^\/attachments\//,
  /^\/notifications\/(count|:notificationId)$/,
  /^\/sign-in\/sso\//,
  /^\/account\/data\/exports\//,
  /^\/c\/:slug\/mention-suggestions$/,
];

const LONG_WORD = `Anticonstitucionalísimamente${'x'.repeat(120)}`;
const LONG_URL = `https://sede.valdeserra.example/expedientes/${'carpeta/'.repeat(20)}documento-final.pdf`;
const LONG_CODE = `const resultado = ${'"valor", '.repeat(34)}"fin";`;
const TABLE = [
  '| Expediente | Fecha de entrada | Solicitante | Estado del trámite | Observaciones |',
  '| --- | --- | --- | --- | --- |',
  '| LIC-2026-000123 | 30/11/2026 | Comunidad de propietarios | En información pública | Pendiente de informe técnico |',
].join('\n');
const LONG_TITLE = `Procedimiento${'Administrativo'.repeat(9)} ${'largo '.repeat(6)}`.slice(0, 150);

interface Cast {
  readonly admin: { email: string; displayName: string; id: string };
  readonly member: { email: string; displayName: string; handle: string };
  readonly slug: string;
  readonly orgSlug: string;
  readonly orgId: string;
  readonly threadUrl: string;
  readonly replyId: string;
  readonly openingId: string;
  readonly reportedId: string;
  readonly memberId: string;
}
let cast: Cast;

beforeAll(async () => {
  server = await startTestServer({ RATE_LIMIT_MAX: '100000' });
  browser = await launchChromium();
  const org = await createOrganization(server.db, { name: 'Ayuntamiento de Valdeserra de los Caminos Largos' });
  const admin = await createUser(server.db, {
    role: 'ADMIN',
    organizationId: org.id,
    displayName: 'Ada Administradora',
  });
  const member = await createUser(server.db, { organizationId: org.id, displayName: 'María Lectora' });
  const moderator = await createUser(server.db, { organizationId: org.id, displayName: 'Mario Moderador' });
  const community = await createCommunity(server.db, {
    organizationId: org.id,
    ownerId: admin.id,
    name: `Comunidad de ${LONG_WORD}`,
    description: `Descripción con ${LONG_URL}`,
  });
  await addMembership(server.db, community.id, member.id);
  await addMembership(server.db, community.id, moderator.id, 'ACTIVE', 'MODERATOR');
  const adminCookie = await signInAs(server.app, admin.email);
  const memberCookie = await signInAs(server.app, member.email);
  const base = `/c/${community.slug}`;
  const created = await submitForm(
    server.app,
    `${base}/threads`,
    {
      title: LONG_TITLE,
      kind: 'QUESTION',
      tag: 'PROFESSIONAL',
      body: `¿Cómo se tramita esto? ${LONG_WORD}\n\n${LONG_URL}\n\n\`\`\`\n${LONG_CODE}\n\`\`\`\n\n${TABLE}\n\n#Licencias`,
    },
    { cookie: adminCookie, formUrl: `${base}/threads/new` },
  );
  const threadUrl = String(created.headers.location).split('?')[0] ?? '';
  const replied = await submitForm(
    server.app,
    `${threadUrl}/replies`,
    { body: `Así lo hacemos nosotros: ${LONG_WORD}`, tag: 'PROFESSIONAL' },
    { cookie: memberCookie, formUrl: threadUrl },
  );
  const replyId = /#post-([0-9a-f-]{36})/.exec(String(replied.headers.location))?.[1] ?? '';
  // An edit, for the history page; a report, for the review pages.
  await submitForm(
    server.app,
    `${threadUrl}/posts/${replyId}/edit`,
    { body: `Así lo hacemos nosotros, corregido: ${LONG_WORD}`, tag: 'PROFESSIONAL' },
    { cookie: memberCookie },
  );
  const opening = await server.db.post.findFirstOrThrow({
    where: { threadId: threadUrl.split('/').pop() ?? '', isOpening: true },
  });
  await submitForm(
    server.app,
    `${threadUrl}/posts/${opening.id}/report`,
    { reason: 'OTHER', note: `Contiene ${LONG_WORD}` },
    { cookie: memberCookie },
  );
  await submitForm(server.app, '/accesibilidad', { kind: 'PROBLEM', description: LONG_URL }, { cookie: memberCookie });
  const [orgRow, memberRow] = await Promise.all([
    server.db.organization.findUniqueOrThrow({ where: { id: org.id } }),
    server.db.user.findUniqueOrThrow({ where: { id: member.id } }),
  ]);
  cast = {
    admin: { email: admin.email, displayName: admin.displayName, id: admin.id },
    member: { email: member.email, displayName: member.displayName, handle: memberRow.handle },
    slug: community.slug,
    orgSlug: orgRow.slug,
    orgId: org.id,
    threadUrl,
    replyId,
    openingId: opening.id,
    reportedId: opening.id,
    memberId: member.id,
  };
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The page's width and the viewport's, in CSS pixels, and the innermost elements that reach past the
 * viewport's right edge (tag, class and the start of their text), to name the culprit of a failure.
 */
async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const clientWidth = document.documentElement.clientWidth;
    const wide = [...document.body.querySelectorAll<HTMLElement>('*')].filter((element) => {
      const box = element.getBoundingClientRect();
      return (
        box.width > 0 &&
        box.right > clientWidth + 1 &&
        !element.closest('.table-scroll, pre, [hidden]') &&
        getComputedStyle(element).position !== 'absolute'
      );
    });
    const innermost = wide.filter((element) => !wide.some((other) => other !== element && element.contains(other)));
    return {
      scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
      clientWidth,
      culprits: innermost
        .slice(0, 4)
        .map(
          (element) =>
            `${element.tagName.toLowerCase()}.${element.className} "${(element.textContent ?? '').trim().slice(0, 40)}" ${Math.round(element.getBoundingClientRect().right)}`,
        ),
    };
  });
}

/** Which pages each kind of reader opens, by path. */
function pagesOf(c: Cast) {
  const thread = c.threadUrl;
  const reply = `${thread}/posts/${c.replyId}`;
  return {
    visitor: [
      '/',
      '/communities',
      `/c/${c.slug}`,
      thread,
      '/t/licencias',
      `/search?q=${encodeURIComponent('tramita')}`,
      '/solved',
      '/people',
      `/u/${c.member.handle}`,
      '/sign-in',
      '/sign-up',
      '/sign-up/sent',
      '/password-reset',
      '/password-reset/new?token=caducado',
      '/verify-email?token=caducado',
      '/invitation?token=caducado',
      '/unsubscribe/caducado',
      '/accesibilidad',
      '/account/erased',
      `/o/${c.orgSlug}/balance`,
      '/no-existe',
    ],
    member: [
      '/',
      '/communities/mine',
      '/communities/new',
      `/c/${c.slug}/members`,
      `/c/${c.slug}/threads/new`,
      `${thread}?answer=${c.replyId}`,
      `${reply}/edit`,
      `${reply}/delete`,
      `${reply}/history`,
      `${thread}/posts/${c.openingId}/report`,
      '/notifications',
      '/account',
      '/account/profile',
      '/account/password',
      '/account/email',
      '/account/sessions',
      '/account/notifications',
      '/account/moderation',
      '/account/balances',
      '/account/data',
      '/account/data/erase',
      '/review',
      `/people?q=${encodeURIComponent('María')}`,
    ],
    admin: [
      `/c/${c.slug}/settings`,
      `/c/${c.slug}/review`,
      `/c/${c.slug}/review/posts/${c.reportedId}`,
      `/c/${c.slug}/decisions`,
      `/c/${c.slug}/watched-words`,
      `/c/${c.slug}/balance`,
      '/admin',
      '/admin/organizations',
      '/admin/organizations/new',
      `/admin/organizations/${c.orgId}/edit`,
      '/admin/users',
      `/admin/users/${c.memberId}`,
      '/admin/invitations',
      '/admin/settings',
      '/admin/retention',
      '/admin/review',
      '/admin/watched-words',
      '/admin/balance',
      '/admin/suggestions',
      '/admin/accessibility',
      '/admin/audit',
    ],
  };
}

/** Whether a concrete path is an instance of a route pattern (`:param` is one segment). */
function matches(pattern: string, path: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}$`);
  return regex.test(path.split('?')[0] ?? '');
}

describe('reflow at 320 CSS pixels (WCAG 1.4.10)', () => {
  it('visits every page that a route serves', () => {
    const visited = Object.values(pagesOf(cast)).flat();
    const pages = routesOf(server.app)
      .filter((route) => route.methods.includes('GET'))
      .map((route) => route.path)
      .filter((path) => !NOT_PAGES.some((pattern) => pattern.test(path)));
    const missing = pages.filter((pattern) => !visited.some((path) => matches(pattern, path)));
    expect(missing).toEqual([]);
  });

  it('scrolls only vertically on every page, for every reader, and axe finds nothing', async () => {
    const widths: string[] = [];
    const tooWide: string[] = [];
    for (const [who, paths] of Object.entries(pagesOf(cast))) {
      const person = await openPerson(browser);
      await person.page.setViewportSize({ width: 320, height: 640 });
      if (who === 'member') await signInThroughForm(person.page, server.baseUrl, cast.member);
      if (who === 'admin') await signInThroughForm(person.page, server.baseUrl, cast.admin);
      for (const path of paths) {
        await person.page.goto(`${server.baseUrl}${path}`);
        const { scrollWidth, clientWidth, culprits } = await overflow(person.page);
        widths.push(`${who} ${path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')} ${scrollWidth}`);
        if (scrollWidth > clientWidth) tooWide.push(`${who} ${path}: ${scrollWidth} px (${culprits.join('; ')})`);
        await expectAccessible(person.page);
      }
      expect(person.problems).toEqual([]);
      await person.context.close();
    }
    // The widths measured, for the record (issue 14's note lists them).
    console.info(`Page widths at 320 px:\n${widths.join('\n')}`);
    expect(tooWide).toEqual([]);
  }, 300_000);
});

/** Presses Tab until the focused element matches, at most `max` times; fails naming what it looked for. */
async function tabTo(page: Page, what: string, test: () => boolean, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

describe('one journey by keyboard alone', () => {
  it('signs in, reaches the thread, reads each post in at most three tab stops, replies, and asks before deleting', async () => {
    const { page, context, problems } = await openPerson(browser);
    await page.goto(`${server.baseUrl}/sign-in`);
    await tabTo(page, 'the e-mail field', () => document.activeElement?.getAttribute('type') === 'email');
    await page.keyboard.type(cast.member.email);
    await tabTo(page, 'the password field', () => document.activeElement?.getAttribute('type') === 'password');
    await page.keyboard.type(TEST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: `Cuenta de ${cast.member.displayName}` }).waitFor();

    // To the community by its link in "Comunidades", then to the thread.
    await tabTo(page, 'Comunidades', () => document.activeElement?.textContent?.trim() === 'Comunidades');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/communities$/);
    await tabTo(page, 'the community', () =>
      (document.activeElement?.getAttribute('href') ?? '').startsWith('/c/comunidad-'),
    );
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/c\/comunidad-[^/]+$/);
    await tabTo(page, 'the thread', () =>
      /\/threads\/[0-9a-f-]{36}$/.test(document.activeElement?.getAttribute('href') ?? ''),
    );
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/threads\/[0-9a-f-]{36}$/);
    await expectAccessible(page);

    // A reader who only reads meets each post in at most three tab stops beside the links its author
    // wrote: author, tag, actions.
    const stops = await page.evaluate(() =>
      [...document.querySelectorAll('article.post')].map((article) => {
        const focusable = article.querySelectorAll<HTMLElement>('a[href], button, summary, input, textarea, select');
        return [...focusable].filter((element) => {
          if (element.tabIndex < 0 || element.closest('.prose')) return false;
          const closed = element.closest('details:not([open])');
          return !closed || (element.tagName === 'SUMMARY' && element.parentElement === closed);
        }).length;
      }),
    );
    expect(stops.length).toBe(2);
    for (const count of stops) expect(count).toBeLessThanOrEqual(3);

    // The actions are one toolbar: the arrow keys move between them.
    const toolbar = page.locator(`#post-${cast.replyId}-actions`);
    await toolbar.locator('button, a').first().focus();
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() => document.activeElement?.textContent?.trim());
    expect(second).not.toBe(first);
    expect(await page.evaluate(() => document.activeElement?.closest('[role="toolbar"]') !== null)).toBe(true);

    // Deleting one's own reply asks first, in a dialog; Escape leaves everything as it was.
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Eliminar');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: '¿Eliminar esta publicación?' });
    await dialog.waitFor();
    // Focus on the question, not on the button that deletes: Enter pressed twice deletes nothing.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-dialog-title');
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Eliminar');
    expect((await server.db.post.findUniqueOrThrow({ where: { id: cast.replyId } })).status).toBe('PUBLISHED');

    // "Ir al formulario de respuesta", then write and send by keyboard.
    await page.keyboard.press('Home');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('link', { name: 'Ir al formulario de respuesta' }).focus();
    await page.keyboard.press('Enter');
    await tabTo(page, 'the reply text', () => document.activeElement?.tagName === 'TEXTAREA');
    const words = `Respuesta escrita solo con el teclado ${Date.now()}`;
    await page.keyboard.type(words);
    await tabTo(page, 'the send button', () => document.activeElement?.textContent?.trim() === 'Responder');
    await page.keyboard.press('Enter');
    await page.getByText(words).waitFor();
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
