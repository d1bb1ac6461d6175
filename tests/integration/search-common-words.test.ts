import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config, SearchWay } from '../../src/config.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// A search with more results than SEARCH_RANKED_RESULTS ranks the newest of them only, and says so
// (src/search/search.service.ts, ADR 027): one search's cost stays bounded whatever the site's size. Here
// the bound is 5 results. What decides it is what the viewer may read, every filter applied: a word written
// often where they may not read, or in held posts, changes nothing they see.

let t: TestApp;
/** The same site with a bound of 22, to page through the newest results (20 a page). */
let paged: FastifyInstance;
/** The same site finding results always one way: each must answer as the site's own app does. */
const WAYS: readonly SearchWay[] = ['walk', 'every-match', 'every-match-by-date'];
const byWay = new Map<string, FastifyInstance>();
const pagedByWay = new Map<string, FastifyInstance>();
/** Six solved questions with "quórum" in the question and its accepted answer, oldest first. */
const quorum: string[] = [];
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);
let slug: string;
let reader: Awaited<ReturnType<typeof kit.person>>;
let insider: Awaited<ReturnType<typeof kit.person>>;
const replies: string[] = [];
let oldReply: string;
const questionPosts: string[] = [];
let questionId: string;
const readableTasa: string[] = [];
const secretTasa: string[] = [];
const bajas: string[] = [];

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOTICE = 'Hay más de';

/** The post ids a search page links to, in order (an opening post links to its thread: 'opening'). */
function resultPosts(body: string): string[] {
  return [...body.matchAll(/class="search-result__title"><a href="[^"]*?(?:#post-([0-9a-f-]{36}))?"/g)].map(
    (match) => match[1] ?? 'opening',
  );
}

/** Sets when posts were written, `ages` milliseconds ago each. */
async function age(ids: readonly string[], ages: (index: number) => number) {
  for (const [index, id] of ids.entries()) {
    await t.db.post.update({ where: { id }, data: { createdAt: new Date(Date.now() - ages(index)) } });
  }
}

beforeAll(async () => {
  t = await createTestApp({ SEARCH_RANKED_RESULTS: '5' });
  /** The same site, its search set otherwise. */
  const appWith = (search: Config['search']) =>
    buildApp({ config: { ...t.config, search }, db: t.db, databaseUrl: t.database.url, logger: false });
  paged = await appWith({ rankedResults: 22 });
  for (const way of WAYS) {
    pagedByWay.set(way, await appWith({ rankedResults: 22, way }));
    byWay.set(way, await appWith({ rankedResults: 5, way }));
  }
  home = await createOrganization(t.db);
  const community = await kit.community({ name: 'Padrón y estadística' });
  slug = community.c.slug;
  reader = community.member;

  // A discussion: its opening post ten hours ago, eight replies an hour apart after it (the newest last in
  // `replies`), and one two years ago with a rarer word.
  const discussion = await kit.openThread(slug, community.owner.cookie, {
    title: 'Altas en el padrón',
    kind: 'DISCUSSION',
    body: 'Dudas sobre las altas en el padrón municipal de habitantes.',
  });
  for (const word of ['alfa', 'bravo', 'charlie', 'delta', 'eco', 'foxtrot', 'golf', 'hotel']) {
    replies.push(
      await kit.postReply(discussion.url, reader.cookie, { body: `Sobre el padrón: ${word}, lo revisamos ayer.` }),
    );
  }
  oldReply = await kit.postReply(discussion.url, reader.cookie, {
    body: 'El padrón de hace dos años, zulú, se revisó entero.',
  });
  await t.db.post.updateMany({
    where: { isOpening: true, threadId: discussion.id },
    data: { createdAt: new Date(Date.now() - 10 * HOUR) },
  });
  await age(replies, (index) => (replies.length - index) * HOUR);
  await age([oldReply], () => 730 * DAY);

  // A question three years ago, solved: two more posts with the word, older than all the others.
  const question = await kit.openThread(slug, community.owner.cookie, {
    title: 'Certificado de padrón histórico',
    kind: 'QUESTION',
    body: '¿Cómo se pide un certificado de padrón histórico?',
  });
  const answer = await kit.postReply(question.url, reader.cookie, {
    body: 'El certificado de padrón histórico se pide en el registro.',
  });
  await t.db.thread.update({ where: { id: question.id }, data: { acceptedPostId: answer } });
  questionId = question.id;
  const opening = await t.db.post.findFirstOrThrow({ where: { threadId: question.id, isOpening: true } });
  questionPosts.push(opening.id, answer);
  await age(questionPosts, () => 1_095 * DAY);

  // "tasa": two old posts the reader may read; ten newer ones in a secret community of someone else and
  // ten held in the reader's own community.
  const fees = await kit.openThread(slug, community.owner.cookie, {
    title: 'Ordenanzas fiscales',
    kind: 'DISCUSSION',
    body: 'Las ordenanzas fiscales del año que viene.',
  });
  for (const word of ['india', 'juliett']) {
    readableTasa.push(await kit.postReply(fees.url, reader.cookie, { body: `La tasa de basuras sube: ${word}.` }));
  }
  await age(readableTasa, (index) => (400 + index) * DAY);
  const held: string[] = [];
  for (let index = 0; index < 10; index++) {
    held.push(await kit.postReply(fees.url, community.moderator.cookie, { body: `Otra tasa retenida ${index}.` }));
  }
  await t.db.post.updateMany({ where: { id: { in: held } }, data: { status: 'HELD' } });
  const secret = await kit.community({ name: 'Hacienda local', visibility: 'SECRET' });
  insider = secret.member;
  const secretThread = await kit.openThread(secret.c.slug, secret.owner.cookie, {
    title: 'Vados de garaje',
    kind: 'DISCUSSION',
    body: 'La tasa de vados, a revisar.',
  });
  secretTasa.push((await t.db.post.findFirstOrThrow({ where: { threadId: secretThread.id, isOpening: true } })).id);
  for (let index = 0; index < 9; index++) {
    secretTasa.push(
      await kit.postReply(secretThread.url, insider.cookie, { body: `La tasa de vados, número ${index}.` }),
    );
  }

  // "quórum": six solved questions, a day apart (the newest last), question and answer an hour apart.
  for (let index = 0; index < 6; index++) {
    const solved = await kit.openThread(slug, community.owner.cookie, {
      title: `Quórum del pleno ${index}`,
      kind: 'QUESTION',
      body: `¿Qué quórum pide la sesión ${index}?`,
    });
    const accepted = await kit.postReply(solved.url, reader.cookie, { body: `El quórum es de un tercio, ${index}.` });
    await t.db.thread.update({ where: { id: solved.id }, data: { acceptedPostId: accepted } });
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: solved.id, isOpening: true } });
    await age([opening.id], () => (6 - index) * DAY + HOUR);
    await age([accepted], () => (6 - index) * DAY);
    quorum.push(solved.id);
  }

  // "baja": 25 posts, an hour apart.
  const leaving = await kit.openThread(slug, community.owner.cookie, {
    title: 'Vehículos dados de baja',
    kind: 'DISCUSSION',
    body: 'Lista de vehículos dados de baja este año.',
  });
  bajas.push((await t.db.post.findFirstOrThrow({ where: { threadId: leaving.id, isOpening: true } })).id);
  for (let index = 0; index < 24; index++) {
    bajas.push(await kit.postReply(leaving.url, reader.cookie, { body: `Otra baja del parque móvil, la ${index}.` }));
  }
  await age(bajas, (index) => (bajas.length - index) * HOUR);
}, 120_000);

afterAll(async () => {
  for (const app of [...byWay.values(), ...pagedByWay.values()]) await app.close();
  await paged?.close();
  await t?.close();
});

describe.each(['chosen per search', ...WAYS])(
  '/search with more results than SEARCH_RANKED_RESULTS, found %s',
  (way) => {
    /** A page as the reader (or whoever's cookie) sees it, from the app that finds results this way. */
    const get = (url: string, cookie: string) => {
      const app = byWay.get(way) ?? t.app;
      return app.inject({ method: 'GET', url, headers: { cookie } });
    };

    it('ranks the newest of them only, and says so beside them', async () => {
      const page = await get('/search?q=padr%C3%B3n', reader.cookie);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Hay más de 5 resultados: se ordenan los 5 más recientes.');
      const found = resultPosts(page.body);
      // The five newest posts are the five newest replies: the opening post and older replies are not ranked.
      expect(new Set(found)).toEqual(new Set(replies.slice(-5)));
      expect(found).not.toContain(oldReply);
    });

    it('ranks every result of a rarer word, or of the common one once a filter narrows it to a few', async () => {
      const rare = await get('/search?q=zul%C3%BA', reader.cookie);
      expect(rare.body).not.toContain(NOTICE);
      expect(resultPosts(rare.body)).toEqual([oldReply]);

      const both = await get('/search?q=padr%C3%B3n+zul%C3%BA', reader.cookie);
      expect(both.body).not.toContain(NOTICE);
      expect(resultPosts(both.body)).toEqual([oldReply]);

      const day = new Date(Date.now() - 730 * DAY);
      const from = new Date(day.getTime() - DAY).toISOString().slice(0, 10);
      const to = new Date(day.getTime() + DAY).toISOString().slice(0, 10);
      const dated = await get(`/search?q=padr%C3%B3n&from=${from}&to=${to}`, reader.cookie);
      expect(dated.body).not.toContain(NOTICE);
      expect(resultPosts(dated.body)).toEqual([oldReply]);
    });

    it('applies the kind and the solved view before deciding: a question three years old is found', async () => {
      const questions = await get('/search?q=padr%C3%B3n&kind=QUESTION', reader.cookie);
      expect(questions.body).not.toContain(NOTICE);
      expect(new Set(resultPosts(questions.body))).toEqual(new Set(['opening', questionPosts[1]]));

      const solved = await get('/solved?q=padr%C3%B3n', reader.cookie);
      expect(solved.statusCode).toBe(200);
      expect(solved.body).not.toContain(NOTICE);
      expect(solved.body).toContain(`/threads/${questionId}`);
      expect(resultPosts(solved.body)).toHaveLength(1);
    });

    it('decides on what the viewer may read only: secret and held posts change nothing they see', async () => {
      // Twenty newer posts with the word, none readable: the two readable ones, every result ranked.
      const page = await get('/search?q=tasa', reader.cookie);
      expect(page.body).not.toContain(NOTICE);
      expect(new Set(resultPosts(page.body))).toEqual(new Set(readableTasa));
      // Someone who reads the secret community has twelve results: the newest five, all secret ones.
      const inside = await get('/search?q=tasa', insider.cookie);
      expect(inside.body).toContain(NOTICE);
      const found = resultPosts(inside.body).map((id) => (id === 'opening' ? secretTasa[0] : id));
      expect(found).toHaveLength(5);
      for (const id of found) expect(secretTasa).toContain(id);
      // A word in secret posts only: nothing at all, no notice, as for a word nobody wrote.
      const outside = await get('/search?q=vados', reader.cookie);
      expect(outside.body).not.toContain(NOTICE);
      expect(resultPosts(outside.body)).toEqual([]);
      expect(outside.body).toContain('No hay resultados');
    });
  },
);

describe.each(['chosen per search', ...WAYS])('/search through pages of the newest results, found %s', (way) => {
  const get = (url: string) => {
    const app = pagedByWay.get(way) ?? paged;
    return app.inject({ method: 'GET', url, headers: { cookie: reader.cookie } });
  };

  it('ranks the same newest results on every page, and says so on each', async () => {
    const first = await get('/search?q=baja');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Hay más de 22 resultados');
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    // The two newest, shown on the first page, hidden before the second: the older posts they leave room
    // for must not come in (a page ranked above the cursor would never be shown), nor anything repeat.
    const hidden = resultPosts(first.body).filter((id) => bajas.slice(-2).includes(id));
    expect(hidden).toHaveLength(2);
    await t.db.post.updateMany({ where: { id: { in: hidden } }, data: { status: 'HIDDEN' } });
    try {
      const second = await get(next ?? '');
      expect(second.statusCode).toBe(200);
      expect(second.body).toContain('Hay más de 22 resultados');
      const pages = [...resultPosts(first.body), ...resultPosts(second.body)];
      expect(resultPosts(first.body)).toHaveLength(20);
      expect(resultPosts(second.body)).toHaveLength(2);
      expect(new Set(pages).size).toBe(pages.length);
      expect(new Set(pages)).toEqual(new Set(bajas.slice(-22)));
    } finally {
      await t.db.post.updateMany({ where: { id: { in: hidden } }, data: { status: 'PUBLISHED' } });
    }
  });

  /** Every page of a search, following its "next" links, calling `between` after the first. */
  async function pages(url: string, between: () => Promise<unknown>) {
    const bodies: string[] = [];
    let next: string | undefined = url;
    while (next && bodies.length < 5) {
      const response = await get(next);
      expect(response.statusCode).toBe(200);
      bodies.push(response.body);
      if (bodies.length === 1) await between();
      next = /href="([^"]+)" rel="next"/.exec(response.body)?.[1]?.replaceAll('&amp;', '&');
    }
    return bodies;
  }

  it('never pushes out a result that was there all along for one that came in between pages', async () => {
    // One of the newest 22 hidden: the first page's newest 22 reach one further back (bajas[2]); restored
    // before the second page, it comes in again, and every one the first page counted is still shown.
    const restored = bajas[10] ?? '';
    await t.db.post.update({ where: { id: restored }, data: { status: 'HIDDEN' } });
    try {
      const bodies = await pages('/search?q=baja', () =>
        t.db.post.update({ where: { id: restored }, data: { status: 'PUBLISHED' } }),
      );
      const shown = bodies.flatMap(resultPosts);
      expect(new Set(shown).size).toBe(shown.length);
      for (const id of bajas.slice(2).filter((id) => id !== restored)) expect(shown).toContain(id);
      for (const body of bodies) expect(body).toContain('Hay más de 22 resultados');
    } finally {
      await t.db.post.update({ where: { id: restored }, data: { status: 'PUBLISHED' } });
    }
  });

  it('keeps ranking every result when the first page ranked all of them and one comes in', async () => {
    // Three hidden: 22 results, all ranked, no notice; one restored before the second page.
    const hidden = [bajas[5] ?? '', bajas[6] ?? '', bajas[7] ?? ''];
    await t.db.post.updateMany({ where: { id: { in: hidden } }, data: { status: 'HIDDEN' } });
    try {
      const bodies = await pages('/search?q=baja', () =>
        t.db.post.update({ where: { id: hidden[0] }, data: { status: 'PUBLISHED' } }),
      );
      const shown = bodies.flatMap(resultPosts);
      expect(new Set(shown).size).toBe(shown.length);
      // The thread's opening post links to the thread ('opening').
      for (const id of bajas.filter((id) => !hidden.includes(id))) {
        expect(shown).toContain(id === bajas[0] ? 'opening' : id);
      }
      for (const body of bodies) expect(body).not.toContain('Hay más de');
    } finally {
      await t.db.post.updateMany({ where: { id: { in: hidden } }, data: { status: 'PUBLISHED' } });
    }
  });
});

describe.each(['chosen per search', ...WAYS])(
  '/solved with more questions than SEARCH_RANKED_RESULTS, found %s',
  (way) => {
    const get = (url: string) => {
      const app = byWay.get(way) ?? t.app;
      return app.inject({ method: 'GET', url, headers: { cookie: reader.cookie } });
    };

    it('counts questions, not posts: the newest five of six, each once', async () => {
      const page = await get('/solved?q=qu%C3%B3rum');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(NOTICE);
      const threads = [...page.body.matchAll(/\/threads\/([0-9a-f-]{36})/g)].map((match) => match[1]);
      expect(new Set(threads)).toEqual(new Set(quorum.slice(-5)));
      expect(resultPosts(page.body)).toHaveLength(5);
    });

    it('ranks all of them, without the notice, when a filter leaves five or fewer', async () => {
      const day = new Date(Date.now() - 4.5 * DAY).toISOString().slice(0, 10);
      const page = await get(`/solved?q=qu%C3%B3rum&from=${day}`);
      expect(page.body).not.toContain(NOTICE);
      expect(resultPosts(page.body).length).toBeGreaterThan(0);
      expect(resultPosts(page.body).length).toBeLessThanOrEqual(5);
      const all = await get('/solved?q=qu%C3%B3rum&answered=yes&kind=QUESTION');
      expect(all.body).toContain(NOTICE);
    });
  },
);

describe('/solved with nothing but characters that show nothing', () => {
  it('lists the latest solved questions, as with nothing typed', async () => {
    const page = await kit.get('/solved?q=%E2%80%8B', reader.cookie);
    expect(page.statusCode).toBe(200);
    for (const id of quorum) expect(page.body).toContain(`/threads/${id}`);
  });
});
