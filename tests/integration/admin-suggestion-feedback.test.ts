import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostTag } from '../../src/generated/prisma/enums.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createCommunity, createOrganization, createUser } from '../support/factories.js';
import { fieldError, signInAs } from '../support/forms.js';

// The suggestion feedback page for site admins (issue 13, item 2), through HTTP, on decisions of March
// 1999 written for the test: per language and suggested tag, how often the author kept the suggestion,
// and the confusion between suggestion and choice. Counted by hand below; no post text on the page.

let t: TestApp;
let adminCookie: string;
let userCookie: string;

const get = (url: string, cookie = adminCookie) =>
  t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

/** The cells of a table row whose header cell reads `header`, in the table with id `tableId`. */
function rowCells(html: string, tableId: string, header: string): string[] {
  const table = new RegExp(`<table[^>]*id="${tableId}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const row = new RegExp(`<tr><th scope="row">${header}</th>([\\s\\S]*?)</tr>`).exec(table)?.[1] ?? '';
  return [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((match) => (match[1] ?? '').replaceAll('\u00a0', ' '));
}

beforeAll(async () => {
  t = await createTestApp();
  const organization = await createOrganization(t.db);
  const author = await createUser(t.db, { organizationId: organization.id });
  const admin = await createUser(t.db, { role: 'ADMIN' });
  const community = await createCommunity(t.db, { organizationId: organization.id, ownerId: author.id });
  const thread = await t.db.thread.create({
    data: { communityId: community.id, authorId: author.id, title: 'Hilo', kind: 'DISCUSSION', tag: 'PROFESSIONAL' },
  });
  async function decision(source: string | null, suggestedTag: PostTag, chosenTag: PostTag, day: string) {
    const post =
      source === null
        ? null
        : await t.db.post.create({
            data: { threadId: thread.id, authorId: author.id, source, html: `<p>${source}</p>`, tag: chosenTag },
          });
    await t.db.policyDecision.create({
      data: {
        postId: post?.id ?? null,
        communityId: community.id,
        authorId: author.id,
        chosenTag,
        suggestedTag,
        confidence: 0.95,
        outcome: post ? 'ALLOW' : 'REJECT',
        createdAt: new Date(`${day}T12:00:00Z`),
      },
    });
  }
  await decision(
    '¿Cómo tramitáis las bajas de oficio del padrón en vuestro ayuntamiento?',
    'PROFESSIONAL',
    'PROFESSIONAL',
    '1999-03-01',
  );
  await decision(
    '¿Alguien ha licitado ya el servicio de limpieza viaria con cláusulas sociales?',
    'PROFESSIONAL',
    'PERSONAL',
    '1999-03-02',
  );
  await decision(
    'Hoy me jubilo y quería daros las gracias a todos los compañeros del servicio.',
    'PERSONAL',
    'PROFESSIONAL',
    '1999-03-03',
  );
  await decision(
    "L'Ajuntament informa que dilluns el Registre estarà tancat per festa local.",
    'ORGANIZATIONAL',
    'ORGANIZATIONAL',
    '1999-03-04',
  );
  await decision(null, 'PERSONAL', 'ORGANIZATIONAL', '1999-03-05');
  await decision(
    'Fuera del periodo: el Ayuntamiento informa del cierre del registro.',
    'ORGANIZATIONAL',
    'PERSONAL',
    '1999-05-01',
  );
  adminCookie = await signInAs(t.app, admin.email);
  userCookie = await signInAs(t.app, author.email);
});

afterAll(async () => {
  await t.close();
});

describe('the suggestion feedback page', () => {
  it('shows site admins, per language and tag, how often the suggestion was kept and the confusion, without post text', async () => {
    const page = await get('/admin/suggestions?from=1999-03-01&to=1999-03-31');
    expect(page.statusCode, page.body.slice(0, 400)).toBe(200);
    expect(page.body).toContain('href="/admin/suggestions" aria-current="page"');
    // Spanish: professional suggested twice, kept once; personal suggested once, changed to professional.
    expect(rowCells(page.body, 'agreement-es', 'Profesional')).toEqual(['2', '1', '50 %']);
    expect(rowCells(page.body, 'agreement-es', 'Personal')).toEqual(['1', '0', '0 %']);
    expect(rowCells(page.body, 'confusion-es', 'Profesional')).toEqual(['1', '1', '0']);
    expect(rowCells(page.body, 'confusion-es', 'Personal')).toEqual(['0', '1', '0']);
    // Catalan: one organizational suggestion, kept.
    expect(rowCells(page.body, 'agreement-ca', 'Organizacional')).toEqual(['1', '1', '100 %']);
    // The refused post kept no text: its language is unknown.
    expect(rowCells(page.body, 'confusion-unknown', 'Personal')).toEqual(['0', '0', '1']);
    expect(page.body).toMatch(/Decisiones del periodo: 5; sugerencia mantenida: 2 \(40\s%\)/);
    expect(page.body).not.toMatch(/padrón|jubilo|Registre|limpieza|Fuera del periodo/);
  });

  it('filters by suggested tag, and refuses bad input beside its field keeping what was typed', async () => {
    const filtered = await get('/admin/suggestions?from=1999-03-01&to=1999-03-31&tag=PERSONAL');
    expect(filtered.statusCode).toBe(200);
    expect(rowCells(filtered.body, 'agreement-es', 'Personal')).toEqual(['1', '0', '0 %']);
    expect(rowCells(filtered.body, 'agreement-es', 'Profesional')).toEqual([]);

    const backwards = await get('/admin/suggestions?from=1999-04-01&to=1999-03-01');
    expect(backwards.statusCode).toBe(422);
    expect(fieldError(backwards.body, 'to')).toMatch(/posterior/);
    expect(backwards.body).toContain('value="1999-04-01"');
    const tooLong = await get('/admin/suggestions?from=1990-01-01&to=1999-03-01');
    expect(fieldError(tooLong.body, 'from')).toMatch(/cinco años/);
    const future = await get('/admin/suggestions?from=2999-01-01&to=2999-01-02');
    expect(fieldError(future.body, 'from')).toMatch(/futuro/);
    const tag = await get('/admin/suggestions?tag=rumor');
    expect(tag.statusCode).toBe(422);
    expect(fieldError(tag.body, 'tag')).toMatch(/«rumor» no es un tipo de mensaje/);
    expect(tag.body).toContain('<option value="rumor" selected>');
  });

  it('does not exist for anyone but site admins', async () => {
    expect((await get('/admin/suggestions', userCookie)).statusCode).toBe(404);
    expect((await get('/admin/suggestions', '')).statusCode).toBe(404);
  });
});
