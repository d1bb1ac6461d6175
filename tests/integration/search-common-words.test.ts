import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// A search whose words nearly every post has reads only the newest posts (SEARCH_COMMON_MATCHES,
// SEARCH_RECENT_POSTS; src/search/search.service.ts): bounded whatever the site's size, and the page says
// so. Here the bounds are 4 and 5 posts, so that a word in ten posts is "common".

let t: TestApp;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);
let slug: string;
let reader: Awaited<ReturnType<typeof kit.person>>;
const replies: string[] = [];
let oldReply: string;

/** The post ids a search page links to, in order (an opening post links to its thread). */
function resultPosts(body: string): string[] {
  return [...body.matchAll(/class="search-result__title"><a href="[^"]*?(?:#post-([0-9a-f-]{36}))?"/g)].map(
    (match) => match[1] ?? 'opening',
  );
}

beforeAll(async () => {
  t = await createTestApp({ SEARCH_COMMON_MATCHES: '4', SEARCH_RECENT_POSTS: '5' });
  home = await createOrganization(t.db);
  const community = await kit.community({ name: 'Padrón y estadística' });
  slug = community.c.slug;
  reader = community.member;
  const { url } = await kit.openThread(slug, community.owner.cookie, {
    title: 'Altas en el padrón',
    kind: 'DISCUSSION',
    body: 'Dudas sobre las altas en el padrón municipal de habitantes.',
  });
  const words = ['alfa', 'bravo', 'charlie', 'delta', 'eco', 'foxtrot', 'golf', 'hotel'];
  for (const word of words) {
    replies.push(
      await kit.postReply(url, community.member.cookie, { body: `Sobre el padrón: ${word}, lo revisamos ayer.` }),
    );
  }
  oldReply = await kit.postReply(url, community.member.cookie, {
    body: 'El padrón de hace dos años, zulú, se revisó entero.',
  });
  // The opening post ten hours ago, the replies an hour apart after it (the newest last in `replies`), the
  // zulú one two years ago.
  await t.db.post.updateMany({
    where: { isOpening: true, thread: { community: { slug } } },
    data: { createdAt: new Date(Date.now() - 10 * 3_600_000) },
  });
  for (const [index, id] of replies.entries()) {
    await t.db.post.update({
      where: { id },
      data: { createdAt: new Date(Date.now() - (replies.length - index) * 3_600_000) },
    });
  }
  await t.db.post.update({ where: { id: oldReply }, data: { createdAt: new Date(Date.now() - 730 * 86_400_000) } });
  // The planner's statistics, which the estimate of matches reads.
  await t.db.$executeRawUnsafe('ANALYZE posts');
});

afterAll(async () => {
  await t?.close();
});

describe('/search for a word in nearly every post', () => {
  it('searches the newest posts only, and says so', async () => {
    const page = await kit.get('/search?q=padr%C3%B3n', reader.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Se ha buscado en las 5 publicaciones más recientes');
    const found = resultPosts(page.body);
    // The five newest posts are the five newest replies: the opening post and older replies are not read.
    expect(new Set(found)).toEqual(new Set(replies.slice(-5)));
    expect(found).not.toContain(oldReply);
  });

  it('searches every post for a rarer word, or once a filter narrows the common one', async () => {
    const rare = await kit.get('/search?q=zul%C3%BA', reader.cookie);
    expect(rare.body).not.toContain('más recientes');
    expect(resultPosts(rare.body)).toEqual([oldReply]);

    const both = await kit.get('/search?q=padr%C3%B3n+zul%C3%BA', reader.cookie);
    expect(both.body).not.toContain('más recientes');
    expect(resultPosts(both.body)).toEqual([oldReply]);

    const day = new Date(Date.now() - 730 * 86_400_000);
    const from = new Date(day.getTime() - 86_400_000).toISOString().slice(0, 10);
    const to = new Date(day.getTime() + 86_400_000).toISOString().slice(0, 10);
    const dated = await kit.get(`/search?q=padr%C3%B3n&from=${from}&to=${to}`, reader.cookie);
    expect(dated.body).not.toContain('más recientes');
    expect(resultPosts(dated.body)).toEqual([oldReply]);
  });
});
