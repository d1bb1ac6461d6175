// Probe of 1 December: HEAD answers the header fields of its GET (the sign-in redirect's Location, the
// notification bell's count in the page's length), and the busy page (503) for an edit and in each language.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, openForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

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

const HELD_MS = 5_600;

/** Holds rows (`table`, id) FOR UPDATE from another connection for `ms`, then commits. */
async function hold(rows: [string, string][], ms: number): Promise<{ released: Promise<void> }> {
  const writer = new pg.Client({ connectionString: t.database.url });
  await writer.connect();
  await writer.query('BEGIN');
  for (const [table, id] of rows) await writer.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  const released = new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      writer
        .query('COMMIT')
        .then(() => writer.end())
        .then(resolve, reject);
    }, ms);
  });
  return { released };
}

/** A page's cookies and CSRF token, for a form posted from it. */
async function formOf(url: string, cookie: string) {
  const form = await openForm(t.app, url, { cookie });
  return { csrf: form.csrf, cookie: [cookie, form.cookie].filter(Boolean).join('; ') };
}

describe('a post edit behind another writer’s lock', () => {
  it('editing a post behind the thread and post rows: 503 keeps every word, sending again edits once', async () => {
    const { c, owner } = await kit.community();
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId, isOpening: true } });
    const editUrl = `${url}/posts/${opening.id}/edit`;
    const form = await formOf(editUrl, owner.cookie);
    const { released } = await hold(
      [
        ['threads', threadId],
        ['posts', opening.id],
      ],
      HELD_MS,
    );
    const fields = { _csrf: form.csrf, title: 'Título nuevo «ñ»', body: 'Texto nuevo & <b>todo</b>.', tag: 'PERSONAL' };
    const response = await t.app.inject({
      method: 'POST',
      url: editUrl,
      headers: { cookie: form.cookie },
      payload: fields,
    });
    await released;
    expect(response.statusCode).toBe(503);
    {
      expect(response.body).toContain('value="Título nuevo «ñ»"');
      expect(response.body).toContain('Texto nuevo &amp; &lt;b&gt;todo&lt;/b&gt;.');
      expect(response.body).toContain('name="tag" value="PERSONAL"');
      expect((await t.db.post.findUniqueOrThrow({ where: { id: opening.id } })).source).toBe(opening.source);
      const again = await t.app.inject({
        method: 'POST',
        url: editUrl,
        headers: { cookie: [form.cookie, cookieHeader(response)].filter(Boolean).join('; ') },
        payload: { ...fields, _csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? '' },
      });
      expect(again.statusCode, again.body.slice(0, 300)).toBe(303);
      const edited = await t.db.post.findUniqueOrThrow({ where: { id: opening.id } });
      expect(edited.source).toBe('Texto nuevo & <b>todo</b>.');
      expect(edited.tag).toBe('PERSONAL');
    }
  }, 30_000);
});

describe('the busy page in each language', () => {
  it('is a page in the layout in ca, en, gl and eu, with Retry-After and no stack trace', async () => {
    const { c, owner, member } = await kit.community();
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'QUESTION' });
    const replyId = await kit.postReply(url, member.cookie);
    const form = await formOf(url, owner.cookie);
    const { released } = await hold([['threads', threadId]], HELD_MS);
    const titles = {
      ca: "L'Àgora està ocupada en aquest moment",
      en: 'Ágora is busy right now',
      gl: 'Ágora está ocupada neste momento',
      eu: 'Ágora lanpetuta dago une honetan',
    };
    const answers = await Promise.all(
      Object.keys(titles).map((language) =>
        t.app.inject({
          method: 'POST',
          url: `${url}/posts/${replyId}/react`,
          headers: { cookie: form.cookie, 'accept-language': language },
          payload: { _csrf: form.csrf, reaction: 'USEFUL:on' },
        }),
      ),
    );
    await released;
    for (const [index, [language, title]] of Object.entries(titles).entries()) {
      const answer = answers[index];
      expect(answer?.statusCode, language).toBe(503);
      expect(answer?.headers['retry-after']).toBe('5');
      const body = answer?.body ?? '';
      expect(body).toContain(`<html lang="${language}"`);
      expect(body).toContain(`<h1>${title.replaceAll("'", '&#39;')}</h1>`);
      expect(body).toContain('<main');
      expect(body).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  }, 30_000);
});

describe('HEAD answers the header fields its GET would', () => {
  it('a page that asks a signed-out reader to sign in redirects HEAD where it redirects GET', async () => {
    const get = await t.app.inject({ method: 'GET', url: '/communities/mine' });
    const head = await t.app.inject({ method: 'HEAD', url: '/communities/mine' });
    expect(get.statusCode).toBe(303);
    expect(head.statusCode).toBe(303);
    expect(head.headers.location).toBe(get.headers.location);
  });

  it('a signed-in page with an unread notification has the same length under HEAD as under GET', async () => {
    const me = await kit.person();
    await t.db.notification.create({
      data: { recipientId: me.user.id, kind: 'DATA_EXPORT', dedupeKey: `probe:${me.user.id}` },
    });
    for (const encoding of ['identity', 'gzip', 'br']) {
      const get = await t.app.inject({
        method: 'GET',
        url: '/communities',
        headers: { cookie: me.cookie, 'accept-encoding': encoding },
      });
      const head = await t.app.inject({
        method: 'HEAD',
        url: '/communities',
        headers: { cookie: me.cookie, 'accept-encoding': encoding },
      });
      expect(get.statusCode).toBe(200);
      expect(head.headers['content-encoding'], encoding).toBe(get.headers['content-encoding']);
      if (encoding === 'identity') {
        expect(get.body).toContain('class="bell__count" aria-hidden="true">1<');
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
      }
    }
  });
});
