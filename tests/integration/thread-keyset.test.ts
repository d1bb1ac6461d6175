import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, THREADS_PER_PAGE } from '../../src/threads/thread-lists.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// The community thread list pages by a keyset cursor (pinned, last activity, id) whose condition is a
// row comparison on the index's columns; these tests cross the boundary between pinned and unpinned
// threads, ties in last activity, and every kind of bad cursor.

let t: TestApp;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db);
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

const titlesOf = (html: string) =>
  [...html.matchAll(/class="thread-card__title"><a [^>]*><bdi>([^<]+)</g)].map((m) => m[1] as string);
const nextOf = (html: string) => /href="([^"]+)" rel="next"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null;

/** A community with `pinned` pinned threads and `plain` others; some share a last-activity time. */
async function listWith(pinned: number, plain: number) {
  const cast = await kit.community();
  const base = new Date('2026-03-01T10:00:00Z').getTime();
  const data = Array.from({ length: pinned + plain }, (_, i) => ({
    communityId: cast.c.id,
    authorId: cast.owner.user.id,
    title: `${i < pinned ? 'Fijado' : 'Hilo'} ${String(i).padStart(3, '0')}`,
    kind: 'DISCUSSION' as const,
    tag: 'PROFESSIONAL' as const,
    pinned: i < pinned,
    // Pairs of threads share a time: the id breaks the tie.
    lastActivityAt: new Date(base + Math.floor(i / 2) * 60_000),
  }));
  await t.db.thread.createMany({ data });
  const expected = await t.db.thread.findMany({
    where: { communityId: cast.c.id },
    orderBy: [{ pinned: 'desc' }, { lastActivityAt: 'desc' }, { id: 'desc' }],
    select: { title: true },
  });
  return { ...cast, expected: expected.map((row) => row.title) };
}

async function everyPage(slug: string, cookie: string) {
  const seen: string[] = [];
  let url: string | null = `/c/${slug}`;
  let pages = 0;
  while (url) {
    const page = await kit.get(url, cookie);
    expect(page.statusCode).toBe(200);
    seen.push(...titlesOf(page.body));
    url = nextOf(page.body);
    if (++pages > 10) throw new Error('too many pages');
  }
  return { seen, pages };
}

describe('keyset pages of a community’s threads', () => {
  it('crosses the boundary of pinned threads in the middle of a page, ties included', async () => {
    const { c, member, expected } = await listWith(THREADS_PER_PAGE + 7, 40);
    const { seen, pages } = await everyPage(c.slug, member.cookie);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  it('crosses it exactly at the end of a page', async () => {
    const { c, member, expected } = await listWith(THREADS_PER_PAGE, 3);
    const { seen, pages } = await everyPage(c.slug, member.cookie);
    expect(pages).toBe(2);
    expect(seen).toEqual(expected);
  });

  it('answers the first page for a cursor that does not decode or points to the future', async () => {
    const { c, member, expected } = await listWith(2, 30);
    const first = expected.slice(0, THREADS_PER_PAGE);
    const future = encodeCursor({
      pinned: false,
      lastActivityAt: new Date(Date.now() + 86_400_000),
      id: crypto.randomUUID(),
    });
    for (const after of [
      'nope',
      '%%%',
      'W10',
      Buffer.from('[1,"x","y"]').toString('base64url'),
      future,
      'a'.repeat(300),
    ]) {
      const page = await kit.get(`/c/${c.slug}?after=${encodeURIComponent(after)}`, member.cookie);
      expect(page.statusCode, after).toBe(200);
      expect(titlesOf(page.body), after).toEqual(first);
    }
  });

  it('reads a cursor from another list as a position in this one, nothing else', async () => {
    const one = await listWith(1, 30);
    const other = await listWith(0, 30);
    const page = await kit.get(`/c/${one.c.slug}`, one.member.cookie);
    const next = nextOf(page.body);
    const after = new URL(String(next), 'http://x').searchParams.get('after');
    const elsewhere = await kit.get(`/c/${other.c.slug}?after=${after}`, other.member.cookie);
    expect(elsewhere.statusCode).toBe(200);
    const titles = titlesOf(elsewhere.body);
    // Only this community's threads, those after the position.
    expect(titles.every((title) => other.expected.includes(title))).toBe(true);
    const cursor = decodeCursor(after ?? '');
    expect(cursor).not.toBeNull();
  });

  it('answers the first page for a cursor that does not decode, on the topic page and the directory', async () => {
    const { c, member } = await kit.community();
    await kit.openThread(c.slug, member.cookie, { body: 'Sobre #Padrón y sus certificados, ¿cómo lo hacéis?' });
    for (const url of ['/t/padron?after=zzz', '/communities?after=zzz', '/communities?page=abc']) {
      const page = await kit.get(url, member.cookie);
      expect(page.statusCode, url).toBe(200);
    }
  });

  it('pages a topic past its first 50 threads, newest activity first, and no further than its last', async () => {
    const { c, owner, member } = await kit.community({ visibility: 'PRIVATE' });
    const topic = await t.db.topic.create({ data: { slug: 'paginado', label: 'Paginado' } });
    const base = new Date('2026-04-01T10:00:00Z').getTime();
    for (let i = 0; i < 53; i++) {
      const thread = await t.db.thread.create({
        data: {
          communityId: c.id,
          authorId: owner.user.id,
          title: `Tema ${String(i).padStart(3, '0')}`,
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
          // Pairs share a time: the id breaks the tie.
          lastActivityAt: new Date(base + Math.floor(i / 2) * 60_000),
          posts: {
            create: { authorId: owner.user.id, isOpening: true, source: '#Paginado', html: '', tag: 'PROFESSIONAL' },
          },
        },
        select: { posts: { select: { id: true } } },
      });
      await t.db.postTopic.create({ data: { postId: thread.posts[0]?.id ?? '', topicId: topic.id } });
    }
    const expected = (
      await t.db.thread.findMany({
        where: { communityId: c.id },
        orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
        select: { title: true },
      })
    ).map((row) => row.title);
    const first = await kit.get('/t/paginado', member.cookie);
    expect(titlesOf(first.body)).toEqual(expected.slice(0, 50));
    const next = nextOf(first.body);
    expect(next).toMatch(/^\/t\/paginado\?after=/);
    const second = await kit.get(next ?? '', member.cookie);
    expect(second.statusCode).toBe(200);
    expect(titlesOf(second.body)).toEqual(expected.slice(50));
    expect(nextOf(second.body)).toBeNull();
    // Past the last page: an empty page of the topic; to someone who may read nothing on it, a 404 as
    // for a topic nobody wrote, cursor or not.
    const past = encodeURIComponent(
      encodeCursor({
        pinned: false,
        lastActivityAt: new Date(base - 3_600_000),
        id: '00000000-0000-4000-8000-000000000000',
      }),
    );
    expect((await kit.get(`/t/paginado?after=${past}`, member.cookie)).statusCode).toBe(200);
    const outsider = await kit.person();
    for (const url of ['/t/paginado', `/t/paginado?after=${past}`, next ?? '']) {
      expect((await kit.get(url, outsider.cookie)).statusCode, url).toBe(404);
      expect((await kit.get(url)).statusCode, url).toBe(404);
    }
  });

  it('bounds the index with the row comparison (the plan’s index condition holds the cursor)', async () => {
    const { c } = await listWith(3, 60);
    const rows = await t.db.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT t.id FROM threads t WHERE t.community_id = '${c.id}'::uuid AND NOT t.restricted
         AND (t.pinned, t.last_activity_at, t.id) < (false, '2026-03-01T10:10:00Z'::timestamptz, '00000000-0000-0000-0000-000000000000'::uuid)
       ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC LIMIT 26`,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    // Either the planner uses the index with the row comparison in its condition, or (on a tiny
    // table) a sequential scan; force the index to check that it can bound it.
    if (!/Index Cond: .*ROW\(/.test(plan)) {
      const forced = await t.db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
        await tx.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off');
        return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN SELECT t.id FROM threads t WHERE t.community_id = '${c.id}'::uuid AND NOT t.restricted
             AND (t.pinned, t.last_activity_at, t.id) < (false, '2026-03-01T10:10:00Z'::timestamptz, '00000000-0000-0000-0000-000000000000'::uuid)
           ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC LIMIT 26`,
        );
      });
      expect(forced.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Cond: .*ROW\(/);
    }
  });
});
