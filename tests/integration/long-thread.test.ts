import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationHref } from '../../src/notifications/notifications.service.js';
import { PAGED_FROM, REPLIES_PER_PAGE } from '../../src/threads/reply-pages.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// A long thread: its replies a page at a time past PAGED_FROM, every page reachable without JavaScript;
// one form for every post's buttons; pages compressed (brotli, gzip) unless COMPRESS=off.

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

/** A thread of `tops` replies to it, every third with one answer under it; reply_count kept as posting does. */
async function longThread(tops: number) {
  const cast = await kit.community();
  const { id, url } = await kit.openThread(cast.c.slug, cast.member.cookie);
  const base = Date.now() - 86_400_000;
  const replies = await t.db.post.createManyAndReturn({
    data: Array.from({ length: tops }, (_, i) => ({
      threadId: id,
      authorId: cast.member.user.id,
      source: `respuesta ${i}`,
      html: `<p>respuesta-${String(i).padStart(4, '0')}</p>`,
      tag: 'PROFESSIONAL' as const,
      createdAt: new Date(base + i * 1000),
    })),
    select: { id: true, createdAt: true },
  });
  const parents = replies.filter((_, i) => i % 3 === 0);
  const answers = await t.db.post.createManyAndReturn({
    data: parents.map((parent, i) => ({
      threadId: id,
      authorId: cast.owner.user.id,
      parentId: parent.id,
      source: `contestación ${i}`,
      html: `<p>contestación-${String(i).padStart(4, '0')}</p>`,
      tag: 'PROFESSIONAL' as const,
      createdAt: new Date(parent.createdAt.getTime() + 500),
    })),
    select: { id: true, parentId: true },
  });
  await t.db.thread.update({ where: { id }, data: { replyCount: replies.length + answers.length } });
  return { ...cast, id, url, replies, answers };
}

const repliesOn = (html: string) => [...html.matchAll(/<p>respuesta-(\d{4})<\/p>/g)].map((m) => Number(m[1]));
const answersOn = (html: string) => html.split('<p>contestación-').length - 1;

describe('a long thread', () => {
  it('shows its replies a page at a time, each with its answers, and links the pages', async () => {
    const tops = REPLIES_PER_PAGE * 2 + 50;
    const { url, member } = await longThread(tops);
    const first = await kit.get(url, member.cookie);
    expect(first.statusCode).toBe(200);
    expect(repliesOn(first.body)).toEqual(Array.from({ length: REPLIES_PER_PAGE }, (_, i) => i));
    expect(answersOn(first.body)).toBe(Math.ceil(REPLIES_PER_PAGE / 3));
    expect(first.body).toContain('página 1 de 3');
    expect(first.body).toContain(`href="${url}?page=2#replies-title" rel="next"`);
    // The opening post is on every page.
    const third = await kit.get(`${url}?page=3`, member.cookie);
    expect(repliesOn(third.body)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * REPLIES_PER_PAGE + i));
    expect(third.body).toContain('Licencias de obra menor');
    expect(third.body).not.toContain('rel="next"');
    // HEAD describes the page GET would send (it read no ?page= before: page 1 for every HEAD).
    for (const cookie of [member.cookie, undefined]) {
      const headers = cookie ? { cookie } : {};
      const got = await t.app.inject({ method: 'GET', url: `${url}?page=3`, headers });
      const head = await t.app.inject({ method: 'HEAD', url: `${url}?page=3`, headers });
      expect(head.statusCode).toBe(got.statusCode);
      expect(head.headers['content-length']).toBe(got.headers['content-length']);
    }
    expect(repliesOn((await kit.get(`${url}?page=last`, member.cookie)).body)).toEqual(repliesOn(third.body));
  });

  it('finds the page of a post (?at=), the one a new reply is sent to', async () => {
    const { url, member, answers, replies } = await longThread(REPLIES_PER_PAGE + 60);
    // An answer under reply 201 (on page 2).
    const answer = answers.find((a) => a.parentId === replies[201]?.id);
    const page = await kit.get(`${url}?at=${answer?.id}`, member.cookie);
    expect(page.body).toContain('página 2 de 2');
    expect(page.body).toContain(`id="post-${answer?.id}"`);

    const sent = await kit.replyTo(url, member.cookie, { body: 'Una respuesta más al final del hilo largo.' });
    expect(sent.statusCode).toBe(303);
    const location = String(sent.headers.location);
    expect(location).toMatch(/[?&]at=[0-9a-f-]{36}#post-/);
    const landed = await kit.get(location.replace(/#.*$/, ''), member.cookie);
    expect(landed.body).toContain('Una respuesta más al final del hilo largo.');
  });

  it('opens the page of a held or hidden post for its author and the moderators only (?at=)', async () => {
    const { url, member, moderator, owner, replies } = await longThread(REPLIES_PER_PAGE + 60);
    const held = replies[REPLIES_PER_PAGE + 10]?.id ?? '';
    // The reply is the owner's, and held: to the member it does not exist, so its id opens what an unknown
    // id opens (page 1), and tells them nothing of where it is.
    await t.db.post.update({ where: { id: held }, data: { authorId: owner.user.id, status: 'HELD' } });
    const unknown = await kit.get(`${url}?at=${crypto.randomUUID()}`, member.cookie);
    const byMember = await kit.get(`${url}?at=${held}`, member.cookie);
    expect(byMember.statusCode).toBe(200);
    expect(repliesOn(byMember.body)).toEqual(repliesOn(unknown.body));
    expect(byMember.body).not.toContain(`id="post-${held}"`);
    for (const who of [owner, moderator]) {
      const page = await kit.get(`${url}?at=${held}`, who.cookie);
      expect(page.body).toContain('página 2 de 2');
      expect(page.body).toContain(`id="post-${held}"`);
    }
  });

  it('answers any ?page= or ?at= with a page, never an error', async () => {
    const { url, member } = await longThread(REPLIES_PER_PAGE + 60);
    for (const query of [
      'page=0',
      'page=-1',
      'page=abc',
      'page=999999',
      'page=1e3',
      'at=nope',
      `at=${crypto.randomUUID()}`,
    ]) {
      const page = await kit.get(`${url}?${query}`, member.cookie);
      expect(page.statusCode, query).toBe(200);
      expect(repliesOn(page.body).length, query).toBeGreaterThan(0);
    }
  });

  it('opens the last page for a ?page= past the end, however large', async () => {
    const { url, member } = await longThread(REPLIES_PER_PAGE + 60);
    for (const query of ['page=3', 'page=1000001', `page=${'9'.repeat(40)}`]) {
      const page = await kit.get(`${url}?${query}`, member.cookie);
      expect(page.statusCode, query).toBe(200);
      expect(repliesOn(page.body)[0], query).toBe(REPLIES_PER_PAGE);
    }
  });

  it('sends every link and redirect to a post to the page that holds it', async () => {
    const { id, url, member, owner, replies } = await longThread(REPLIES_PER_PAGE + 60);
    const onPageTwo = replies[REPLIES_PER_PAGE + 5]?.id ?? '';
    await t.db.post.update({ where: { id: onPageTwo }, data: { authorId: owner.user.id } });
    // The thread's author accepts an answer that sits on page 2.
    const accepted = await submitForm(
      t.app,
      `${url}/posts/${onPageTwo}/accept`,
      {},
      {
        cookie: member.cookie,
        formUrl: `${url}?at=${onPageTwo}`,
      },
    );
    expect(accepted.statusCode).toBe(303);
    const location = String(accepted.headers.location);
    expect(location).toContain(`at=${onPageTwo}`);
    expect(location).toContain(`#post-${onPageTwo}`);
    const landed = await kit.get(location.split('#')[0] ?? '', member.cookie);
    expect(landed.body).toContain(`id="post-${onPageTwo}"`);
    // A notification about that post links to the same page.
    const link = notificationHref({
      kind: 'REPLY',
      postId: onPageTwo,
      threadId: id,
      community: { slug: url.split('/')[2] ?? '' },
    });
    expect(link).toContain(`at=${onPageTwo}#post-${onPageTwo}`);
    // The edit page's way back leads there too (it opened page 1).
    const edit = await kit.get(`${url}/posts/${onPageTwo}/edit`, owner.cookie);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain(`href="${url}?at=${onPageTwo}#post-${onPageTwo}"`);
  });

  it('keeps a short thread on one page, as before', async () => {
    const { url, member } = await longThread(PAGED_FROM - 100);
    const page = await kit.get(`${url}?page=2`, member.cookie);
    expect(repliesOn(page.body)).toHaveLength(PAGED_FROM - 100);
    expect(page.body).not.toContain('class="pagination"');
  });

  it('gives a member one form for every post’s buttons, each naming its post', async () => {
    const { url, member, id } = await longThread(30);
    const page = await kit.get(url, member.cookie);
    expect(page.body.split('id="post-actions"').length - 1).toBe(1);
    expect(page.body).not.toContain('name="kind" value="LIKE"');
    const likes = [...page.body.matchAll(/formaction="([^"]+)\/react" name="reaction" value="LIKE:on"/g)];
    // The opening post, 30 replies and the 10 answers under every third.
    expect(likes.length).toBe(41);
    expect(likes[1]?.[1]).toMatch(new RegExp(`/threads/${id}/posts/[0-9a-f-]{36}$`));
  });
});

describe('compression', () => {
  it('sends pages in brotli or gzip as the browser accepts, plain otherwise', async () => {
    const { url, member } = await longThread(20);
    const plain = await kit.get(url, member.cookie);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await t.app.inject({
      method: 'GET',
      url,
      headers: { cookie: member.cookie, 'accept-encoding': 'br, gzip' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    const text = brotliDecompressSync(br.rawPayload).toString('utf8');
    expect(text).toContain('respuesta-0019');
    expect(br.rawPayload.length).toBeLessThan(text.length / 3);
    const gz = await t.app.inject({
      method: 'GET',
      url,
      headers: { cookie: member.cookie, 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toContain('respuesta-0019');
  });

  it('answers HEAD with the header fields of the GET: its encoding, compressed length and Vary', async () => {
    const { url, member } = await longThread(20);
    // Every page carries its reader's own CSRF token, so two requests' compressed lengths differ by a few bytes.
    for (const [path, cookie] of [
      [url, undefined],
      ['/communities', undefined],
      [url, member.cookie],
      ['/sign-in', undefined],
    ] as const) {
      for (const encoding of ['br, gzip', 'gzip', undefined]) {
        const headers = { ...(cookie ? { cookie } : {}), ...(encoding ? { 'accept-encoding': encoding } : {}) };
        const get = await t.app.inject({ method: 'GET', url: path, headers });
        const head = await t.app.inject({ method: 'HEAD', url: path, headers });
        const label = `${path} ${cookie ? 'member' : 'signed out'} ${encoding}`;
        expect(head.statusCode, label).toBe(get.statusCode);
        expect(head.body).toBe('');
        for (const field of ['content-encoding', 'content-type', 'vary'])
          expect(head.headers[field], `${label} ${field}`).toEqual(get.headers[field]);
        // A length where the GET states one (a page compressed as a stream is sent chunked, without one).
        if (get.headers['content-length'] === undefined) expect(head.headers['content-length'], label).toBeUndefined();
        else {
          const length = Number(head.headers['content-length']);
          expect(Math.abs(length - get.rawPayload.length), label).toBeLessThan(get.rawPayload.length / 20);
        }
      }
    }
  });

  it('leaves it to the proxy with COMPRESS=off', async () => {
    const off = await createTestApp({ COMPRESS: 'off' });
    try {
      const page = await off.app.inject({ method: 'GET', url: '/sign-in', headers: { 'accept-encoding': 'br, gzip' } });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-encoding']).toBeUndefined();
      expect(page.body).toContain('<h1');
    } finally {
      await off.close();
    }
  });
});
