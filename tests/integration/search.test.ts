import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayIn } from '../../src/balance/balance-period.js';
import { upgradePostText } from '../../src/search/text-upgrade.js';
import { dedupeTsquery } from '../../src/search/tsquery-dedupe.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// Full-text search through HTTP (issue 12): Spanish and Catalan as they are written, phrases, prefixes,
// exclusions, ranking, filters, pages and bad input. What it must never show is in search-leaks.test.ts.

let t: TestApp;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

let slug: string;
let communityId: string;
let author: Awaited<ReturnType<typeof kit.person>>;
let reader: Awaited<ReturnType<typeof kit.person>>;
const ids: Record<string, { id: string; url: string }> = {};
let acceptedId: string;
let plainReplyId: string;

/** The ids of the posts and threads a search page links to, in order. */
function resultLinks(body: string): string[] {
  return [...body.matchAll(/class="search-result__title"><a href="([^"]+)"/g)].map((match) => match[1] ?? '');
}

async function search(query: string, cookie = reader.cookie) {
  return kit.get(`/search?${query}`, cookie);
}

beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db);
  const community = await kit.community({ name: 'Contratación pública' });
  slug = community.c.slug;
  communityId = community.c.id;
  author = community.owner;
  reader = community.member;
  ids.contracts = await kit.openThread(slug, author.cookie, {
    title: 'Contratación pública de servicios de limpieza',
    kind: 'QUESTION',
    body: '¿Cómo preparáis los pliegos de los contratos menores de limpieza? Nos interesa la solvencia técnica.',
  });
  ids.catalan = await kit.openThread(slug, author.cookie, {
    title: 'Eleccions al col·legi electoral',
    kind: 'DISCUSSION',
    body: "Com organitzeu les meses del col·legi electoral a l'Ajuntament? Necessitem il·lustracions per als cartells.",
  });
  ids.year = await kit.openThread(slug, author.cookie, {
    title: 'Memoria del año',
    kind: 'DISCUSSION',
    body: 'La memoria del año recoge la actividad de la plaça major y del servicio de atención.',
  });
  ids.xss = await kit.openThread(slug, author.cookie, {
    title: 'Un título con <b>etiquetas</b>',
    kind: 'DISCUSSION',
    body: 'Texto con <script>alert(1)</script> y la palabra presupuestario en medio.',
  });
  // Two replies with the same words: the accepted one ranks first.
  plainReplyId = await kit.postReply(ids.contracts.url, reader.cookie, {
    body: 'Sobre la solvencia técnica de los contratos de mantenimiento: pedimos certificados.',
  });
  acceptedId = await kit.postReply(ids.contracts.url, reader.cookie, {
    body: 'Para la solvencia técnica de los contratos pedimos una relación de servicios similares.',
  });
  await t.db.thread.update({ where: { id: ids.contracts.id }, data: { acceptedPostId: acceptedId } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('/search: words as people type them', () => {
  it('finds "Contratación" typed without its accent, and marks the word in the title', async () => {
    const response = await search('q=contratacion');
    expect(response.statusCode).toBe(200);
    expect(resultLinks(response.body)).toContain(ids.contracts?.url);
    expect(response.body).toContain('<mark>Contratación</mark>');
  });

  it('finds singular and plural alike (Spanish stemming)', async () => {
    for (const q of ['contrataciones', 'CONTRATACIÓN', 'pliego']) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      expect(resultLinks(response.body), q).toContain(ids.contracts?.url);
    }
  });

  it('keeps the Catalan middle dot inside the word, however it is typed', async () => {
    for (const q of ['col·legi', 'col.legi', 'collegi', 'il·lustracions', 'il.lustracions', 'col⋅legi']) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      expect(resultLinks(response.body), q).toContain(ids.catalan?.url);
    }
  });

  it('keeps ñ and ç as letters: "ano" and "placa" do not find "año" and "plaça"', async () => {
    expect(resultLinks((await search('q=a%C3%B1o')).body)).toContain(ids.year?.url);
    expect(resultLinks((await search('q=pla%C3%A7a')).body)).toContain(ids.year?.url);
    expect(resultLinks((await search('q=ano')).body)).not.toContain(ids.year?.url);
    expect(resultLinks((await search('q=placa')).body)).not.toContain(ids.year?.url);
  });

  it('reads "phrases", prefixes* and -exclusions', async () => {
    const phrase = await search(`q=${encodeURIComponent('"contratos menores"')}`);
    expect(resultLinks(phrase.body)).toEqual([ids.contracts?.url]);
    const reversed = await search(`q=${encodeURIComponent('"menores contratos"')}`);
    expect(resultLinks(reversed.body)).toEqual([]);
    const prefix = await search(`q=${encodeURIComponent('presupuest*')}`);
    expect(resultLinks(prefix.body)).toEqual([ids.xss?.url]);
    const without = await search(`q=${encodeURIComponent('solvencia -mantenimiento')}`);
    const links = resultLinks(without.body);
    expect(links.some((link) => link.endsWith(plainReplyId))).toBe(false);
    expect(links.some((link) => link.endsWith(acceptedId))).toBe(true);
  });

  it('escapes what people wrote in titles and snippets', async () => {
    const response = await search('q=presupuestario');
    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(response.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(response.body).toContain('&lt;b&gt;etiquetas&lt;/b&gt;');
    expect(response.body).toContain('<mark>presupuestario</mark>');
  });
});

describe('/search: ranking', () => {
  it('puts the accepted answer above a reply with the same words', async () => {
    const links = resultLinks((await search('q=solvencia+técnica+contratos')).body);
    const accepted = links.findIndex((link) => link.endsWith(acceptedId));
    const plain = links.findIndex((link) => link.endsWith(plainReplyId));
    expect(accepted).toBeGreaterThanOrEqual(0);
    expect(plain).toBeGreaterThan(accepted);
  });

  it('lets "útil" reactions lift a reply', async () => {
    const helpers = await Promise.all([0, 1, 2, 3, 4].map(() => createUser(t.db, { organizationId: home.id })));
    await t.db.reaction.createMany({
      data: helpers.map((user) => ({ postId: plainReplyId, userId: user.id, kind: 'USEFUL' as const })),
    });
    const links = resultLinks((await search('q=solvencia+técnica+contratos')).body);
    expect(links.findIndex((link) => link.endsWith(plainReplyId))).toBeLessThan(
      links.findIndex((link) => link.endsWith(acceptedId)),
    );
    await t.db.reaction.deleteMany({ where: { postId: plainReplyId } });
  });
});

describe('/search: filters', () => {
  it('narrows by kind, answered, community, author, tag and dates', async () => {
    const q = 'q=contratos';
    expect(resultLinks((await search(`${q}&kind=DISCUSSION`)).body)).toEqual([]);
    expect(resultLinks((await search(`${q}&kind=QUESTION&answered=yes`)).body).length).toBeGreaterThan(0);
    expect(resultLinks((await search(`${q}&answered=no`)).body)).toEqual([]);
    expect(resultLinks((await search(`${q}&community=${slug}`)).body).length).toBeGreaterThan(0);
    const byReader = resultLinks((await search(`${q}&author=@${reader.user.handle}`)).body);
    expect(byReader.length).toBe(2);
    expect(byReader.every((link) => link.includes('#post-'))).toBe(true);
    expect(resultLinks((await search(`${q}&tag=PERSONAL`)).body)).toEqual([]);
    // Days as the pages show dates: the site's time zone (the test app's, Europe/Madrid).
    const today = dayIn(new Date(), 'Europe/Madrid');
    expect(resultLinks((await search(`${q}&from=${today}&to=${today}`)).body).length).toBeGreaterThan(0);
    expect(resultLinks((await search(`${q}&from=2001-01-01&to=2001-12-31`)).body)).toEqual([]);
  });

  it("reads the days of the date filters in the site's time zone, not UTC", async () => {
    // 23:30 UTC on 30 November is 00:30 on 1 December in Madrid, where the page dates it.
    const { id } = await kit.openThread(slug, author.cookie, {
      title: 'Medianoche en Madrid',
      kind: 'DISCUSSION',
      body: 'Un texto sobre las guardias nocturnas del padrón.',
    });
    await t.db.post.updateMany({ where: { threadId: id }, data: { createdAt: new Date('2026-11-30T23:30:00Z') } });
    await t.db.thread.update({ where: { id }, data: { createdAt: new Date('2026-11-30T23:30:00Z') } });
    const found = async (query: string) =>
      resultLinks((await search(`q=guardias+nocturnas&${query}`)).body).some((link) => link.includes(id));
    expect(await found('from=2026-12-01&to=2026-12-01')).toBe(true);
    expect(await found('from=2026-11-30&to=2026-11-30')).toBe(false);
  });

  it('offers as community filters exactly the communities the reader belongs to and may read, by name', async () => {
    const other = await createOrganization(t.db);
    const someone = await createUser(t.db, { organizationId: home.id });
    const made = async (name: string, options: Record<string, string> = {}) =>
      createCommunity(t.db, { organizationId: home.id, ownerId: someone.id, name, ...options });
    const joined = await made('Zeta unida');
    const pending = await made('Zeta pendiente', { visibility: 'PRIVATE' });
    const invited = await made('Zeta invitada', { visibility: 'SECRET' });
    const banned = await made('Zeta expulsada');
    // Joined while it was the reader's own administration's; now another's internal community: unreadable.
    const elsewhere = await made('Zeta de otra administración', { audience: 'INTERNAL' });
    await addMembership(t.db, joined.id, reader.user.id);
    await addMembership(t.db, pending.id, reader.user.id, 'PENDING');
    await addMembership(t.db, invited.id, reader.user.id, 'INVITED');
    await addMembership(t.db, banned.id, reader.user.id, 'BANNED');
    await addMembership(t.db, elsewhere.id, reader.user.id);
    await t.db.community.update({ where: { id: elsewhere.id }, data: { ownerOrganizationId: other.id } });
    await made('Zeta ajena');

    const offered = (body: string) =>
      [
        ...(/<datalist id="search-communities">([\s\S]*?)<\/datalist>/.exec(body)?.[1] ?? '').matchAll(
          /<option value="([^"]+)">([^<]*)</g,
        ),
      ].map((match) => match[2]);
    expect(offered((await search('q=contratos')).body)).toEqual(['Contratación pública', 'Zeta unida']);
    expect(offered((await kit.get('/solved', reader.cookie)).body)).toEqual(['Contratación pública', 'Zeta unida']);
    expect(offered((await kit.get('/search?q=contratos')).body)).toEqual([]);
  });

  it('pages with a cursor that belongs to its query', async () => {
    const threads = await Promise.all(
      Array.from({ length: 22 }, (_, index) =>
        t.db.thread.create({
          data: {
            communityId,
            authorId: author.user.id,
            title: `Expediente paginado número ${index}`,
            kind: 'DISCUSSION',
            tag: 'PROFESSIONAL',
            posts: {
              create: {
                authorId: author.user.id,
                isOpening: true,
                source: 'paginación de expedientes',
                html: '',
                tag: 'PROFESSIONAL',
                language: 'es',
              },
            },
          },
          select: { id: true },
        }),
      ),
    );
    const first = await search('q=paginado');
    const firstLinks = resultLinks(first.body);
    expect(firstLinks).toHaveLength(20);
    const next = /href="(\/search\?[^"]+after=[^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const second = await kit.get(next ?? '', reader.cookie);
    const secondLinks = resultLinks(second.body);
    expect(secondLinks).toHaveLength(2);
    expect(new Set([...firstLinks, ...secondLinks]).size).toBe(threads.length);
    // The same cursor on another query: that query's first page, and a word saying so.
    const after = new URL(next ?? '', 'http://x').searchParams.get('after');
    const other = await search(`q=contratos&after=${after}`);
    expect(other.statusCode).toBe(200);
    expect(other.body).toContain('era de otra búsqueda');
    const garbage = await search(`q=paginado&after=${Buffer.from('not a cursor').toString('base64url')}`);
    expect(garbage.statusCode).toBe(200);
    expect(resultLinks(garbage.body)).toHaveLength(20);
  });
});

describe('/search: bad input', () => {
  it('reads a crafted page cursor the database would refuse as no cursor, on every keyset page', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const first = await search('q=paginado');
    const next = /after=([^"&]+)"? rel="next"|after=([A-Za-z0-9_-]+)/.exec(first.body);
    const real = JSON.parse(Buffer.from(next?.[1] ?? next?.[2] ?? '', 'base64url').toString('utf8')) as unknown[];
    const badId = 'e6d28a4f03540-46ec-8f74-70cde6af677d';
    const farPast = '-271821-04-20T00:00:00.000Z';
    const urls = [
      `/search?q=paginado&after=${b64([real[0], real[1], real[2], badId])}`,
      `/search?q=paginado&after=${b64([real[0], farPast, real[2], real[3]])}`,
      `/?after=${b64(['2026-11-30T05:58:14.265Z', badId])}`,
      `/?after=${b64([farPast, '0b9c2d1e-1111-4222-8333-444455556666'])}`,
      `/people?after=${b64(['A', '------------------------------------'])}`,
      `/people?after=${b64(['A\u0000', '0b9c2d1e-1111-4222-8333-444455556666'])}`,
      `/solved?after=${b64([0, '2026-11-01T00:00:00Z', '------------------------------------'])}`,
      `/solved?after=${b64([0, farPast, '0b9c2d1e-1111-4222-8333-444455556666'])}`,
      `/c/${slug}?after=${b64([0, '2026-11-01T00:00:00Z', '------------------------------------'])}`,
      `/c/${slug}?after=${b64([0, farPast, '0b9c2d1e-1111-4222-8333-444455556666'])}`,
    ];
    for (const url of urls) expect((await kit.get(url, reader.cookie)).statusCode, url).toBe(200);
  });

  it.each([
    ['q=%26%7C!()%3A*', 'Escriba al menos una palabra'],
    [`q=${'a'.repeat(1000)}`, 'demasiado larga'],
    ['q=x&tag=SECRET', 'Elija una etiqueta'],
    ['q=x&kind=POLL', 'Elija un tipo'],
    ['q=x&answered=maybe', 'Elija una opción'],
    ['q=x&from=2026-13-01', 'fecha válida'],
    ['q=x&from=2026-03-01&to=2026-02-01', 'anterior a la inicial'],
    ['q=x&community=no-such-place', 'No hay ninguna comunidad'],
    ['q=x&author=@nadie-nunca', 'No hay nadie'],
    // A handle is compared as a handle, not as a LIKE pattern: a backslash was a 500, % and _ anybody.
    ['q=x&author=%5C', 'No hay nadie'],
    ['q=x&author=%25', 'No hay nadie'],
    ['q=x&author=persona-%25', 'No hay nadie'],
    ['q=x&author=________', 'No hay nadie'],
  ])('%s: 400 with a message beside the field, the words kept', async (query, message) => {
    const response = await search(query);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(message);
    expect(response.body).toContain('class="error-summary"');
    expect(resultLinks(response.body)).toEqual([]);
    const q = new URLSearchParams(query).get('q') ?? '';
    if (q.length < 300) expect(response.body).toContain(`value="${q.replaceAll('&', '&amp;')}"`);
  });

  it('an empty query is the search page, with nothing searched', async () => {
    const response = await search('q=');
    expect(response.statusCode).toBe(200);
    expect(resultLinks(response.body)).toEqual([]);
    expect(response.body).not.toContain('error-summary');
  });

  it('answers stop words alone with a message', async () => {
    const response = await search('q=de+la+y');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('demasiado comunes');
  });

  it("refuses only the reader's own language's stop words: 'ONCE' and 'Don' are Spanish words", async () => {
    const { id } = await kit.openThread(slug, author.cookie, {
      title: 'Convenio de accesibilidad',
      kind: 'DISCUSSION',
      body: 'Firmamos el convenio con la ONCE para las once plazas adaptadas. Don Ramón lo presentó.',
    });
    for (const q of ['ONCE', 'once', 'Don']) {
      const response = await search(`q=${q}`);
      expect(response.body, q).not.toContain('demasiado comunes');
      expect(
        resultLinks(response.body).some((link) => link.includes(id)),
        q,
      ).toBe(true);
    }
    // Read in English, the same words are English stop words; "de la y" is searched (not English ones).
    await t.db.user.update({ where: { id: reader.user.id }, data: { locale: 'en' } });
    try {
      expect((await search('q=once')).body).toContain('Those words are too common');
      expect((await search('q=the+of')).body).toContain('Those words are too common');
      expect((await search('q=de+la+y')).body).not.toContain('Those words are too common');
    } finally {
      await t.db.user.update({ where: { id: reader.user.id }, data: { locale: null } });
    }
  });

  it('searches a word as it shows, and counts a query in characters, not UTF-16 units', async () => {
    // A soft hyphen or a zero-width space pasted inside a word split it in two and found nothing.
    for (const q of ['memo\u00ADria del año', '\u200Bmemoria\u200B', 'memo\u200Bria']) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      expect(
        resultLinks(response.body).some((link) => link.includes(ids.year?.id ?? '-')),
        q,
      ).toBe(true);
    }
    // 150 emoji and a word: 151 characters, under the 200 allowed (302 UTF-16 units).
    const emoji = await search(`q=${encodeURIComponent(`${'😀'.repeat(150)} memoria`)}`);
    expect(emoji.statusCode).toBe(200);
    expect(emoji.body).not.toContain('como mucho');
  });

  it('parameters given twice or as arrays are read once, never a 500', async () => {
    const response = await search('q=contratos&q=otra&tag[]=x&kind=QUESTION&kind=DISCUSSION');
    expect(response.statusCode).toBeLessThan(500);
  });
});

describe('the header search box', () => {
  it('is on every page, signed in or not', async () => {
    for (const [url, cookie] of [
      ['/', undefined],
      ['/communities', undefined],
      [`/c/${slug}`, reader.cookie],
    ] as const) {
      const response = await kit.get(url, cookie);
      expect(response.body, url).toContain('action="/search"');
      expect(response.body, url).toContain('role="search"');
    }
  });
});

describe('/solved', () => {
  it('lists questions with an accepted answer, with the answer and its author', async () => {
    const response = await kit.get('/solved', reader.cookie);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Contratación pública de servicios de limpieza');
    expect(response.body).toContain(reader.user.displayName);
    expect(response.body).not.toContain('Eleccions al col·legi electoral');
  });

  it('applies its filters with no words typed', async () => {
    expect((await kit.get(`/solved?community=${slug}`, reader.cookie)).body).toContain(
      'Contratación pública de servicios de limpieza',
    );
    const today = dayIn(new Date(), 'Europe/Madrid');
    expect((await kit.get(`/solved?from=${today}`, reader.cookie)).body).toContain(
      'Contratación pública de servicios de limpieza',
    );
    for (const query of [
      'kind=DISCUSSION',
      'answered=no',
      'from=2001-01-01&to=2001-12-31',
      'tag=PERSONAL',
      `author=${reader.user.handle}`,
    ]) {
      const body = (await kit.get(`/solved?${query}`, reader.cookie)).body;
      expect(body, query).not.toContain('Contratación pública de servicios de limpieza');
    }
  });

  it('searches them, one result per question', async () => {
    const response = await kit.get('/solved?q=solvencia', reader.cookie);
    expect(resultLinks(response.body)).toHaveLength(1);
    const none = await kit.get('/solved?q=collegi', reader.cookie);
    expect(resultLinks(none.body)).toEqual([]);
  });
});

describe('topics and the text upgrade', () => {
  it('answers /t/<any spelling> with the topic, as first written', async () => {
    await kit.openThread(slug, author.cookie, {
      title: 'Temas',
      kind: 'DISCUSSION',
      body: 'Hablamos de #Contratación, del #año, de la #plaça y del #col·legi.',
    });
    for (const spelling of [
      'contratacion',
      'Contrataci%C3%B3n',
      'CONTRATACION',
      'col%C2%B7legi',
      'col.legi',
      'a%C3%B1o',
    ]) {
      const response = await kit.get(`/t/${spelling}`, reader.cookie);
      expect(response.statusCode, spelling).toBe(200);
    }
    expect((await kit.get('/t/contratacion', reader.cookie)).body).toContain('<h1>#Contratación</h1>');
    expect((await kit.get('/t/ano', reader.cookie)).statusCode).toBe(404);
    expect((await kit.get('/t/placa', reader.cookie)).statusCode).toBe(404);
    expect((await kit.get('/t/col', reader.cookie)).statusCode).toBe(404);
  });

  it('re-derives the topics and language of posts written before the normalisation', async () => {
    const { id } = await kit.openThread(slug, author.cookie, {
      title: 'Antiguo',
      kind: 'DISCUSSION',
      body: 'Un texto del #año pasado sobre el #col·legi electoral.',
    });
    const post = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    // As the old normalisation stored it: ñ folded, the middle dot cut.
    const old = await t.db.topic.create({ data: { slug: 'ano-viejo', label: 'ano-viejo' } });
    await t.db.postTopic.deleteMany({ where: { postId: post.id } });
    await t.db.postTopic.create({ data: { postId: post.id, topicId: old.id } });
    await t.db.post.update({ where: { id: post.id }, data: { textVersion: 0, language: 'und' } });

    expect(await upgradePostText(t.db)).toBe(1);
    const topics = await t.db.postTopic.findMany({
      where: { postId: post.id },
      select: { topic: { select: { slug: true } } },
    });
    expect(topics.map((row) => row.topic.slug).sort()).toEqual(['año', 'col·legi']);
    expect(await t.db.topic.findUnique({ where: { slug: 'ano-viejo' } })).toBeNull();
    const upgraded = await t.db.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(upgraded).toMatchObject({ textVersion: 1, language: 'es' });
    expect(await upgradePostText(t.db)).toBe(0);
  });
});

describe('the query with its repeated alternatives removed (tsquery-dedupe.ts)', () => {
  it('is read back by PostgreSQL as a query that matches exactly what the whole one matches', async () => {
    const readings = (text: string) =>
      ['spanish', 'catalan', 'english', 'simple']
        .map((config) => `websearch_to_tsquery('${config}', '${text.replaceAll("'", "''")}')`)
        .join(' || ');
    const documents = [
      'Subvenciones para obras menores del ayuntamiento',
      'La subvención de menor cuantía se licita en enero',
      "Contracte menor: l'any vinent, la licitació del col·legi",
      'Nothing here but English grants and tenders',
    ];
    for (const typed of ['subvenciones', 'contrato "menor cuantía" -obras', "l'any licitació", 'grants OR obras']) {
      const [row] = await t.db.$queryRawUnsafe<{ whole: string }[]>(`SELECT (${readings(typed)})::text AS whole`);
      const whole = row?.whole ?? '';
      const deduped = dedupeTsquery(whole);
      expect(deduped.length, typed).toBeLessThanOrEqual(whole.length);
      for (const document of documents) {
        const [match] = await t.db.$queryRaw<{ a: boolean; b: boolean }[]>`
          SELECT to_tsvector('spanish', ${document}) @@ ${whole}::tsquery AS a,
                 to_tsvector('spanish', ${document}) @@ ${deduped}::tsquery AS b`;
        expect(match?.b, `${typed} on ${document}`).toBe(match?.a);
      }
    }
  });
});
