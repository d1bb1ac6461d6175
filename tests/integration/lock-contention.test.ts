import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseBusy, isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { cookieHeader, draftFields, openForm, signInAs } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// A write that waits on rows another writer holds past its transaction's time (Prisma's interactive
// transactions end at 5 s), or that loses a deadlock, rolls back: nothing was written and the same request a
// moment later goes through. It answers 503 with Retry-After and the words kept, as an outage does
// (database-outage.test.ts), never a 500 that loses them. The other writer here is a plain connection
// holding the thread's row, as a long moderation batch or an erasure does.

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

/** Past Prisma's interactive transaction timeout (5,000 ms). */
const HELD_MS = 5_600;

const WORDS = 'Respuesta escrita mientras otro proceso tenía el hilo: «todas» mis palabras, ñ·ç & <b>.';

/**
 * Holds rows (`table`, id) FOR UPDATE from another connection, as a writer does, for `ms`, then commits;
 * `released` says when (in an object: an async function's promise that resolved to it would wait for it).
 */
async function holdRows(rows: [string, string][], ms: number): Promise<{ released: Promise<void> }> {
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

describe('a write behind another writer’s lock', () => {
  it('gives a reply back with every word and a Retry-After, writes nothing, and publishes it once when sent again', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const key = /name="submissionKey" value="([^"]+)"/.exec(form.page.body)?.[1] ?? '';
    expect(key).not.toBe('');
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');

    const { released } = await holdRows([['threads', threadId]], HELD_MS);
    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie },
      payload: { _csrf: form.csrf, body: WORDS, tag: 'PROFESSIONAL', submissionKey: key },
    });
    await released;

    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toContain('Ágora está ocupada en este momento');
    expect(refused.body).not.toContain('Algo ha fallado');
    const kept = draftFields(refused.body);
    expect(kept).toMatchObject({ body: WORDS, tag: 'PROFESSIONAL', submissionKey: key });
    expect(refused.body).toContain(`action="${url}/replies"`);
    expect(await t.db.post.count({ where: { threadId, isOpening: false } })).toBe(0);

    const again = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie: [cookie, cookieHeader(refused)].filter(Boolean).join('; ') },
      payload: kept,
    });
    expect(again.statusCode, again.body.slice(0, 300)).toBe(303);
    const replies = await t.db.post.findMany({ where: { threadId, isOpening: false }, select: { source: true } });
    expect(replies).toEqual([{ source: WORDS }]);
  }, 30_000);

  // lock_timeout (src/db/client.ts): the wait ends at 5 s however long the other writer keeps its rows. Before,
  // Prisma's transaction timeout was checked only once the statement returned: 15 s held, 15 s waited.
  it('gives up after the lock timeout, not when the other writer lets go (an administrator’s form, a reply)', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const admin = await createUser(t.db, { role: 'ADMIN', organizationId: townHall.id });
    const adminCookie = await signInAs(t.app, admin.email);
    const other = await createOrganization(t.db);
    const cases = [
      {
        rows: [['organizations', other.id]] as [string, string][],
        formUrl: `/admin/organizations/${other.id}/edit`,
        action: `/admin/organizations/${other.id}`,
        cookie: adminCookie,
        fields: { name: 'Mancomunidad «nueva»', slug: other.slug, kind: 'MUNICIPALITY', emailDomains: 'nueva.example' },
      },
      {
        rows: [['threads', threadId]] as [string, string][],
        formUrl: url,
        action: `${url}/replies`,
        cookie: member.cookie,
        fields: { body: WORDS, tag: 'PROFESSIONAL' },
      },
    ];
    for (const one of cases) {
      const form = await formOf(one.formUrl, one.cookie);
      const { released } = await holdRows(one.rows, 15_000);
      const started = performance.now();
      const refused = await t.app.inject({
        method: 'POST',
        url: one.action,
        headers: { cookie: form.cookie },
        payload: { _csrf: form.csrf, ...one.fields },
      });
      const waited = performance.now() - started;
      expect(refused.statusCode, one.action).toBe(503);
      expect(refused.body).toContain('Ágora está ocupada en este momento');
      expect(draftFields(refused.body)).toMatchObject(one.fields);
      expect(waited, one.action).toBeLessThan(9_000);
      await released;
    }
    expect((await t.db.organization.findUniqueOrThrow({ where: { id: other.id } })).name).toBe(other.name);
    expect(await t.db.post.count({ where: { threadId, isOpening: false } })).toBe(0);
  }, 60_000);

  it('answers a reaction 503 in the reader’s language, and stores none', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'QUESTION', title: 'Reacción' });
    const replyId = await kit.postReply(url, member.cookie, { body: 'Respuesta a la que alguien reacciona ahora.' });
    const page = await kit.get(url, owner.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = [owner.cookie, ...page.cookies.map((one) => `${one.name}=${one.value}`)].join('; ');

    const { released } = await holdRows([['threads', threadId]], HELD_MS);
    const reacted = await t.app.inject({
      method: 'POST',
      url: `${url}/posts/${replyId}/react`,
      headers: { cookie, 'accept-language': 'en' },
      payload: { _csrf: csrf, reaction: 'USEFUL:on' },
    });
    await released;

    expect(reacted.statusCode).toBe(503);
    expect(reacted.headers['retry-after']).toBe('5');
    expect(reacted.body).toContain('Nothing was changed');
    expect(await t.db.reaction.count({ where: { postId: replyId } })).toBe(0);
  }, 30_000);
});

describe('a post edit behind another writer’s lock', () => {
  it('editing a post behind the thread and post rows: 503 keeps every word, sending again edits once', async () => {
    const { c, owner } = await kit.community();
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId, isOpening: true } });
    const editUrl = `${url}/posts/${opening.id}/edit`;
    const form = await formOf(editUrl, owner.cookie);
    const { released } = await holdRows(
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
    const { released } = await holdRows([['threads', threadId]], HELD_MS);
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

describe('what a lost deadlock looks like through Prisma and its adapter', () => {
  it('is recognised as busy, not as an outage', async () => {
    const [a, b] = await Promise.all([createOrganization(t.db), createOrganization(t.db)]);
    let bothLocked!: () => void;
    const gate = new Promise<void>((resolve) => {
      let count = 0;
      bothLocked = () => {
        count += 1;
        if (count === 2) resolve();
      };
    });
    const crosswise = (first: string, second: string) =>
      t.db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM organizations WHERE id = ${first}::uuid FOR UPDATE`;
        bothLocked();
        await gate;
        await tx.$executeRaw`SELECT 1 FROM organizations WHERE id = ${second}::uuid FOR UPDATE`;
      });
    const results = await Promise.allSettled([crosswise(a.id, b.id), crosswise(b.id, a.id)]);
    const failed = results.filter((result) => result.status === 'rejected');
    expect(failed).toHaveLength(1);
    const error = (failed[0] as PromiseRejectedResult).reason;
    expect(isDatabaseBusy(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
