import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience, Visibility } from '../../src/access/communities.js';
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
  await t?.close();
});

/** Every page of a paged list, following its "next" links. */
async function allPages(viewer: MatrixViewer, url: string): Promise<string> {
  const headers = viewer.cookie ? { cookie: viewer.cookie } : {};
  let body = '';
  let next: string | undefined = url;
  for (let pages = 0; next && pages < 10; pages++) {
    const response: { statusCode: number; body: string } = await t.app.inject({ method: 'GET', url: next, headers });
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
      for (const c of cases) {
        const reads = matrixReads(viewer, c);
        const where = `${viewer.name} in ${c.audience}/${c.visibility}`;
        for (const word of c.published) {
          expect(found[0]?.includes(word), `${where}: /search and ${word}`).toBe(reads);
          expect(found[1]?.includes(word), `${where}: prefix search and ${word}`).toBe(reads);
        }
        expect(found[2]?.includes(`publicado${c.n}`), `${where}: /solved?q=`).toBe(reads);
        expect(found[3]?.includes(`publicado${c.n}`), `${where}: /solved`).toBe(reads);
        for (const page of found) {
          for (const secret of c.secrets) expect(page.includes(secret), `${where}: shows ${secret}`).toBe(false);
        }
        checked++;
      }
    }
    expect(checked).toBe(cast.viewers.length * cases.length);
  }, 240_000);

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
