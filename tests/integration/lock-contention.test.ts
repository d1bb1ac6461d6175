import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseBusy, isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, draftFields, openForm } from '../support/forms.js';
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

/** Holds the thread's row as a writer does (FOR NO KEY UPDATE) for `ms`, then commits; `released` says when. */
async function holdThread(threadId: string, ms: number): Promise<{ released: Promise<void> }> {
  const writer = new pg.Client({ connectionString: t.database.url });
  await writer.connect();
  await writer.query('BEGIN');
  await writer.query('SELECT 1 FROM threads WHERE id = $1 FOR NO KEY UPDATE', [threadId]);
  // In an object: an async function's promise that resolved to this one would wait for it.
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

describe('a write behind another writer’s lock', () => {
  it('gives a reply back with every word and a Retry-After, writes nothing, and publishes it once when sent again', async () => {
    const { c, member } = await kit.community();
    const { id: threadId, url } = await kit.openThread(c.slug, member.cookie);
    const form = await openForm(t.app, url, { cookie: member.cookie });
    const key = /name="submissionKey" value="([^"]+)"/.exec(form.page.body)?.[1] ?? '';
    expect(key).not.toBe('');
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');

    const { released } = await holdThread(threadId, HELD_MS);
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

  it('answers a reaction 503 in the reader’s language, and stores none', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'QUESTION', title: 'Reacción' });
    const replyId = await kit.postReply(url, member.cookie, { body: 'Respuesta a la que alguien reacciona ahora.' });
    const page = await kit.get(url, owner.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = [owner.cookie, ...page.cookies.map((one) => `${one.name}=${one.value}`)].join('; ');

    const { released } = await holdThread(threadId, HELD_MS);
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
