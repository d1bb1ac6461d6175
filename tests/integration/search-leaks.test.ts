import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience, Visibility } from '../../src/access/communities.js';
import { buildApp } from '../../src/app.js';
import type { SearchWay } from '../../src/config.js';
import type { PostStatus } from '../../src/generated/prisma/enums.js';
import {
  AUDIENCES,
  createMatrixCast,
  type MatrixCast,
  type MatrixViewer,
  matrixReads,
  VISIBILITIES,
} from '../support/access-matrix.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity } from '../support/factories.js';

// Search, solved questions, people's expertise and the home feed never return, count or hint at what the
// viewer may not read (issue 12): every audience × visibility, every kind of viewer (the access matrix),
// against can(). Each community holds a published question with an accepted answer (which readers must
// find, so the test cannot pass by showing nothing) and, with the same word, a held, a hidden, a rejected
// and a deleted reply, a thread whose opening post is held, and a thread whose opening post was deleted.

let t: TestApp;
/**
 * The same site, served by apps that rank one result at most (SEARCH_RANKED_RESULTS=1): the newest one the
 * viewer may read, never pushed out by newer posts they may not read, and the notice that only the newest
 * were ranked where the viewer has more than one result only. One chooses how to find results per search;
 * the others always find them one way (a walk by date, every match, every match sorted by date), as do
 * apps that rank a thousand: each must find exactly what the site's own app finds.
 */
let windowed: FastifyInstance;
const WAYS: readonly SearchWay[] = ['walk', 'every-match', 'every-match-by-date'];
const ways: { way: SearchWay; one: FastifyInstance; all: FastifyInstance }[] = [];
let cast: MatrixCast;
const WORD = 'zumbido';

interface Case {
  readonly n: number;
  readonly slug: string;
  readonly audience: Audience;
  readonly visibility: Visibility;
  readonly ownerOrganizationId: string;
  /** Words readers of the community must find. */
  readonly published: readonly string[];
  /** Words nobody may find, whoever they are. */
  readonly secrets: readonly string[];
}

const cases: Case[] = [];

async function thread(
  communityId: string,
  authorId: string,
  title: string,
  opening: { source: string; status: PostStatus },
  replies: { source: string; status: PostStatus }[] = [],
) {
  return t.db.thread.create({
    data: {
      communityId,
      authorId,
      title,
      kind: 'QUESTION',
      tag: 'PROFESSIONAL',
      restricted: opening.status === 'HELD' || opening.status === 'HIDDEN' || opening.status === 'REJECTED',
      replyCount: replies.filter((reply) => reply.status === 'PUBLISHED').length,
      posts: {
        create: [
          { authorId, isOpening: true, html: '', tag: 'PROFESSIONAL', language: 'es', ...opening },
          ...replies.map((reply) => ({ authorId, html: '', tag: 'PROFESSIONAL' as const, language: 'es', ...reply })),
        ],
      },
    },
    select: { id: true, posts: { select: { id: true, source: true } } },
  });
}

beforeAll(async () => {
  t = await createTestApp();
  windowed = await buildApp({
    config: { ...t.config, search: { rankedResults: 1 } },
    db: t.db,
    databaseUrl: t.database.url,
    logger: false,
  });
  for (const way of WAYS) {
    const app = (rankedResults: number) =>
      buildApp({
        config: { ...t.config, search: { rankedResults, way } },
        db: t.db,
        databaseUrl: t.database.url,
        logger: false,
      });
    ways.push({ way, one: await app(1), all: await app(1000) });
  }
  cast = await createMatrixCast(t);
  // Every opening post is on the topic #zumbido; every signed-in viewer follows it and the author.
  const topic = await t.db.topic.create({ data: { slug: WORD, label: WORD } });
  for (const viewer of cast.viewers) {
    if (!viewer.user) continue;
    await t.db.follow.create({ data: { followerId: viewer.user.id, topicId: topic.id } });
    if (viewer.user.id !== cast.author.id) {
      await t.db.follow.create({ data: { followerId: viewer.user.id, userId: cast.author.id } });
    }
  }
  let n = 0;
  for (const audience of AUDIENCES) {
    for (const visibility of VISIBILITIES) {
      n++;
      const c = await createCommunity(t.db, {
        organizationId: cast.townHall.id,
        ownerId: cast.owner.id,
        audience,
        visibility,
      });
      for (const viewer of cast.viewers) {
        if (viewer.role === 'none' || !viewer.user) continue;
        await addMembership(t.db, c.id, viewer.user.id, 'ACTIVE', viewer.role === 'moderator' ? 'MODERATOR' : 'MEMBER');
      }
      const author = cast.author.id;
      const question = await thread(
        c.id,
        author,
        `Pregunta publicado${n} ${WORD}`,
        { source: `Texto publicado${n} ${WORD}`, status: 'PUBLISHED' },
        [
          { source: `Respuesta aceptada${n} ${WORD}`, status: 'PUBLISHED' },
          { source: `Respuesta retenida${n} ${WORD}`, status: 'HELD' },
          { source: `Respuesta oculta${n} ${WORD}`, status: 'HIDDEN' },
          { source: `Respuesta rechazada${n} ${WORD}`, status: 'REJECTED' },
          { source: `Respuesta borrada${n} ${WORD}`, status: 'DELETED' },
        ],
      );
      const accepted = question.posts.find((post) => post.source.startsWith('Respuesta aceptada'));
      const opening = question.posts.find((post) => post.source.startsWith('Texto'));
      await t.db.postTopic.create({ data: { postId: opening?.id ?? '', topicId: topic.id } });
      await t.db.thread.update({ where: { id: question.id }, data: { acceptedPostId: accepted?.id ?? null } });
      await thread(c.id, author, `Hilo hiloretenido${n} ${WORD}`, { source: `Apertura ${WORD}`, status: 'HELD' });
      await thread(c.id, author, `Título tituloborrado${n} ${WORD}`, {
        source: `aperturaborrada${n}`,
        status: 'DELETED',
      });
      cases.push({
        n,
        slug: c.slug,
        audience,
        visibility,
        ownerOrganizationId: cast.townHall.id,
        published: [`publicado${n}`, `aceptada${n}`],
        secrets: [
          `retenida${n}`,
          `oculta${n}`,
          `rechazada${n}`,
          `borrada${n}`,
          `hiloretenido${n}`,
          `tituloborrado${n}`,
          `aperturaborrada${n}`,
        ],
      });
    }
  }
}, 240_000);

afterAll(async () => {
  for (const { one, all } of ways) {
    await one.close();
    await all.close();
  }
  await windowed?.close();
  await t?.close();
});

/** The links of a search page's results, in order. */
function resultLinks(page: string | undefined): string[] {
  return [...(page ?? '').matchAll(/class="search-result__title"><a href="([^"]*)"/g)].map((match) => match[1] ?? '');
}

/** Every page of a paged list, following its "next" links. */
async function allPages(viewer: MatrixViewer, url: string, app: FastifyInstance = t.app): Promise<string> {
  const headers = viewer.cookie ? { cookie: viewer.cookie } : {};
  let body = '';
  let next: string | undefined = url;
  for (let pages = 0; next && pages < 10; pages++) {
    const response: { statusCode: number; body: string } = await app.inject({ method: 'GET', url: next, headers });
    expect(response.statusCode, `${viewer.name}: ${next}`).toBe(200);
    body += response.body;
    next = /href="([^"]+)" rel="next"/.exec(response.body)?.[1]?.replaceAll('&amp;', '&');
  }
  return body;
}

describe('search and solved questions, for every audience × visibility and every viewer', () => {
  it('find what the viewer may read and nothing else', async () => {
    let checked = 0;
    for (const viewer of cast.viewers) {
      const found = [
        await allPages(viewer, `/search?q=${WORD}`),
        await allPages(viewer, `/search?q=${WORD.slice(0, 5)}*`),
        await allPages(viewer, `/solved?q=${WORD}`),
        await allPages(viewer, '/solved'),
      ];
      // The newest result only: chosen per search, then each way.
      const newest = [windowed, ...ways.map(({ one }) => one)];
      const newestFound = await Promise.all(
        newest.map(async (app) => [
          await allPages(viewer, `/search?q=${WORD}`, app),
          await allPages(viewer, `/solved?q=${WORD}`, app),
        ]),
      );
      // Every result, each way: the same pages as the site's own app, result for result.
      for (const { way, all } of ways) {
        const search = resultLinks(await allPages(viewer, `/search?q=${WORD}`, all));
        expect(search, `${viewer.name}: /search found ${way}`).toEqual(resultLinks(found[0]));
        const solved = resultLinks(await allPages(viewer, `/solved?q=${WORD}`, all));
        expect(solved, `${viewer.name}: /solved found ${way}`).toEqual(resultLinks(found[2]));
      }
      for (const c of cases) {
        const reads = matrixReads(viewer, c);
        const where = `${viewer.name} in ${c.audience}/${c.visibility}`;
        for (const word of c.published) {
          expect(found[0]?.includes(word), `${where}: /search and ${word}`).toBe(reads);
          expect(found[1]?.includes(word), `${where}: prefix search and ${word}`).toBe(reads);
        }
        expect(found[2]?.includes(`publicado${c.n}`), `${where}: /solved?q=`).toBe(reads);
        expect(found[3]?.includes(`publicado${c.n}`), `${where}: /solved`).toBe(reads);
        // Of one result at most: never one the viewer may not read.
        if (!reads) {
          for (const [search, solved] of newestFound) {
            for (const word of c.published) expect(search?.includes(word), `${where}: newest, ${word}`).toBe(false);
            expect(solved?.includes(`publicado${c.n}`), `${where}: /solved?q= newest`).toBe(false);
          }
        }
        for (const page of [...found, ...newestFound.flat()]) {
          for (const secret of c.secrets) expect(page.includes(secret), `${where}: shows ${secret}`).toBe(false);
        }
        checked++;
      }
      // One result, the newest the viewer may read, wherever they read any: the same whichever way.
      const readsAny = cases.some((c) => matrixReads(viewer, c));
      for (const [search, solved] of newestFound) {
        expect(resultLinks(search), `${viewer.name}: results of the newest one`).toHaveLength(readsAny ? 1 : 0);
        expect(resultLinks(solved), `${viewer.name}: solved results of the newest one`).toHaveLength(readsAny ? 1 : 0);
        expect(search?.includes('Hay más de'), `${viewer.name}: the notice`).toBe(readsAny);
        expect(resultLinks(search), viewer.name).toEqual(resultLinks(newestFound[0]?.[0]));
        expect(resultLinks(solved), viewer.name).toEqual(resultLinks(newestFound[0]?.[1]));
      }
    }
    expect(checked).toBe(cast.viewers.length * cases.length);
  }, 240_000);

  it('say that only the newest results were ranked beside results only, never for words the viewer cannot read', async () => {
    for (const viewer of cast.viewers) {
      const readsAny = cases.some((c) => matrixReads(viewer, c));
      const page = await allPages(viewer, `/search?q=${WORD}`, windowed);
      expect(page.includes('Hay más de'), viewer.name).toBe(readsAny);
      const secretOnly = await allPages(viewer, `/search?q=retenida1`, windowed);
      expect(secretOnly.includes('Hay más de'), viewer.name).toBe(false);
    }
  });

  it('answer a community filter the viewer may not read exactly as one that does not exist', async () => {
    for (const viewer of cast.viewers) {
      const headers = viewer.cookie ? { cookie: viewer.cookie } : {};
      const unknown = await t.app.inject({ method: 'GET', url: `/search?q=${WORD}&community=no-existe`, headers });
      expect(unknown.statusCode).toBe(400);
      for (const c of cases) {
        const response = await t.app.inject({ method: 'GET', url: `/search?q=${WORD}&community=${c.slug}`, headers });
        const where = `${viewer.name} in ${c.audience}/${c.visibility}`;
        if (matrixReads(viewer, c)) {
          expect(response.statusCode, where).toBe(200);
          expect(response.body.includes(`publicado${c.n}`), where).toBe(true);
        } else {
          expect(response.statusCode, where).toBe(400);
          const message = (body: string) => /class="field__error"[^>]*>([^<]*)</.exec(body)?.[1];
          expect(message(response.body), where).toBe(message(unknown.body));
          expect(response.body.includes(c.slug) && !response.body.includes(`value="${c.slug}"`), where).toBe(false);
        }
      }
    }
  }, 120_000);
});

describe('the expert ranking and the home feed, for every audience × visibility and every viewer', () => {
  it('count and show only what the viewer may read', async () => {
    for (const viewer of cast.viewers) {
      const readable = cases.filter((c) => matrixReads(viewer, c));
      const experts = await allPages(viewer, `/people?topic=${WORD}`);
      const ranked = experts.split('id="declared-title"')[0] ?? '';
      if (readable.length === 0) expect(ranked, viewer.name).not.toMatch(/respuestas? aceptadas?/);
      else {
        const accepted = readable.length === 1 ? '1 respuesta aceptada' : `${readable.length} respuestas aceptadas`;
        expect(ranked, viewer.name).toContain(accepted);
      }
      if (!viewer.cookie) continue;
      const feed = await allPages(viewer, '/');
      for (const c of cases) {
        const where = `${viewer.name} in ${c.audience}/${c.visibility}: the feed`;
        expect(feed.includes(`publicado${c.n}`), where).toBe(matrixReads(viewer, c));
        expect(feed.includes(`aceptada${c.n}`), where).toBe(matrixReads(viewer, c));
        for (const secret of c.secrets) expect(feed.includes(secret), `${where} shows ${secret}`).toBe(false);
      }
    }
  }, 120_000);
});
