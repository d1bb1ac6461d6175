import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/generated/prisma/client.js';
import { upgradePostText } from '../../src/search/text-upgrade.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization, createUser } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// The signed-out thread page is kept whole (src/threads/page-cache.ts), and every reader's page is built
// from posts kept in process (thread-reading.ts), both keyed by the thread's page_version and the page
// epoch, which triggers keep (ADR 024). Every source of what the page shows is changed here in turn, as the
// app or an administrator's SQL would: after each, the page a signed-out reader and a member are served
// must show the change, and the signed-out page must be the page rendered again without the kept page (a
// query parameter the cache does not know renders it again).

let t: TestApp;
let townHall: { id: string; name: string };
const statements: string[] = [];
let counting = false;

beforeAll(async () => {
  t = await createTestApp({}, { onQuery: (sql) => counting && statements.push(sql) });
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Caché' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

/** The page with every CSRF token blanked (each reader has their own). */
const withoutTokens = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

async function signedOut(url: string) {
  statements.length = 0;
  counting = true;
  try {
    const response = await t.app.inject({ method: 'GET', url });
    return { response, statements: statements.length };
  } finally {
    counting = false;
  }
}

/** Runs `sql` with triggers off (a replica's session), as no writer of Ágora can: no version changes. */
function behindTriggers(sql: ReturnType<typeof Prisma.sql>) {
  return t.db.$transaction([
    t.db.$executeRawUnsafe('SET LOCAL session_replication_role = replica'),
    t.db.$executeRaw(sql),
  ]);
}

describe('the signed-out thread page, kept whole', () => {
  it('is served from the cache, each reader with their own working CSRF token', async () => {
    const { c, owner } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, {
      kind: 'DISCUSSION',
      title: 'Página guardada',
    });
    const first = await signedOut(url);
    expect(first.response.statusCode).toBe(200);
    // A change no version records (triggers off) is not seen: the page was kept…
    await behindTriggers(Prisma.sql`UPDATE threads SET title = title WHERE id = ${threadId}::uuid`);
    await behindTriggers(
      Prisma.sql`UPDATE posts SET html = '<p>cambiado-a-escondidas</p>' WHERE thread_id = ${threadId}::uuid`,
    );
    const second = await signedOut(url);
    expect(second.response.statusCode).toBe(200);
    expect(second.response.body).not.toContain('cambiado-a-escondidas');
    expect(second.statements).toBeLessThan(first.statements);
    expect(second.response.headers['content-type']).toBe(first.response.headers['content-type']);
    expect(second.response.headers.vary).toBe(first.response.headers.vary);
    expect(withoutTokens(second.response.body)).toBe(withoutTokens(first.response.body));
    const tokens = [first, second].map(({ response }) => /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1]);
    expect(tokens[0]).toBeTruthy();
    expect(tokens[1]).toBeTruthy();
    expect(tokens[1]).not.toBe(tokens[0]);
    // The second reader's token is theirs: the language switch on the kept page works with their cookie.
    const cookie = String(second.response.headers['set-cookie'] ?? '');
    expect(cookie).toMatch(/csrf=/);
    const switched = await t.app.inject({
      method: 'POST',
      url: '/language',
      headers: { cookie: cookie.split(';')[0] ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: tokens[1] ?? '', locale: 'ca', returnTo: url }).toString(),
    });
    expect(switched.statusCode).toBe(303);
    // Another language is another page.
    const catalan = await t.app.inject({
      method: 'GET',
      url,
      headers: { cookie: 'locale=ca', 'accept-language': 'ca' },
    });
    expect(catalan.body).toContain('lang="ca"');
    expect((await signedOut(url)).response.body).toContain('lang="es"');
    // …until a version changes: then it is rendered again, from the posts as they are.
    await t.db.thread.update({ where: { id: threadId }, data: { pageVersion: { increment: 1 } } });
    expect((await signedOut(url)).response.body).toContain('cambiado-a-escondidas');
    // A signed-in reader is never served the kept page.
    const signedIn = await kit.get(url, owner.cookie);
    expect(signedIn.body).toContain('data-draft-owner');
  });

  it('shows every change to what it shows at the next view, as a fresh render does', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const spokesperson = await createOrganization(t.db, { name: 'Diputación Portavoz' });
    await t.db.user.update({
      where: { id: member.user.id },
      data: { publicFields: [], displayName: 'Marta Caché' },
    });
    const mentioned = await createUser(t.db, { organizationId: townHall.id, handle: 'lucia_cache' });
    await addMembership(t.db, c.id, mentioned.id);
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, {
      kind: 'QUESTION',
      title: 'Hilo que cambia',
    });
    const replyId = await kit.postReply(url, member.cookie, { body: 'Respuesta con mención a @lucia_cache.' });
    const otherId = await kit.postReply(url, member.cookie, { body: 'Otra respuesta que se editará.' });

    const reader = await kit.person();
    await addMembership(t.db, c.id, reader.user.id);
    const asMember = async () => withoutTokens((await kit.get(url, reader.cookie)).body);
    const step = async (what: string, change: () => Promise<unknown>, shows?: (html: string) => boolean) => {
      // Twice before the change, so the second view was served kept.
      await signedOut(url);
      const before = withoutTokens((await signedOut(url)).response.body);
      await asMember();
      const memberBefore = await asMember();
      await change();
      const after = await signedOut(url);
      const fresh = await signedOut(`${url}?fresh=1`);
      expect(withoutTokens(after.response.body), what).toBe(withoutTokens(fresh.response.body));
      expect(withoutTokens(after.response.body), `${what}: the page changed`).not.toBe(before);
      const memberAfter = await asMember();
      expect(memberAfter, `${what}: the member's page changed`).not.toBe(memberBefore);
      if (shows) {
        expect(shows(after.response.body), what).toBe(true);
        expect(shows(memberAfter), `${what}, to a member`).toBe(true);
      }
    };

    await step(
      'a post edited',
      () => t.db.post.update({ where: { id: otherId }, data: { html: '<p>texto-editado-en-sql</p>' } }),
      (html) => html.includes('texto-editado-en-sql'),
    );
    let ownersReply = '';
    await step(
      'a reply through the form',
      async () => {
        ownersReply = await kit.postReply(url, owner.cookie, { body: 'Una respuesta nueva del propietario.' });
      },
      (html) => html.includes('Una respuesta nueva del propietario.'),
    );
    await step(
      'a reaction given',
      () => t.db.reaction.create({ data: { postId: replyId, userId: owner.user.id, kind: 'USEFUL' } }),
      (html) => html.includes('Útil (1)'),
    );
    await step(
      'a reaction taken back',
      () => t.db.reaction.deleteMany({ where: { postId: replyId, userId: owner.user.id } }),
      (html) => !html.includes('Útil (1)'),
    );
    // The member's own reaction is theirs alone: pressed on their page, on nobody else's.
    await t.db.reaction.create({ data: { postId: replyId, userId: reader.user.id, kind: 'LIKE' } });
    expect(await asMember()).toContain('value="LIKE:off"');
    expect((await kit.get(url, member.cookie)).body).not.toContain('value="LIKE:off"');
    await t.db.reaction.deleteMany({ where: { userId: reader.user.id } });
    await step(
      'a file attached',
      () =>
        t.db.attachment.create({
          data: {
            postId: replyId,
            uploaderId: member.user.id,
            storageName: `cache-${replyId}`,
            displayName: 'informe-adjunto.pdf',
            mimeType: 'application/pdf',
            size: 1234,
            isImage: false,
          },
        }),
      (html) => html.includes('informe-adjunto.pdf'),
    );
    await step(
      'a file renamed',
      () => t.db.attachment.updateMany({ where: { postId: replyId }, data: { displayName: 'informe-final.pdf' } }),
      (html) => html.includes('informe-final.pdf'),
    );
    await step(
      'a file removed',
      () => t.db.attachment.deleteMany({ where: { postId: replyId } }),
      (html) => !html.includes('informe-final.pdf'),
    );
    await step('a policy decision', () =>
      t.db.policyDecision.create({
        data: {
          postId: replyId,
          communityId: c.id,
          authorId: member.user.id,
          chosenTag: 'PERSONAL',
          suggestedTag: 'PROFESSIONAL',
          confidence: 0.9,
          outcome: 'WARN',
          rules: [{ code: 'tag-differs-from-suggestion', outcome: 'WARN', params: {} }],
          confirmed: true,
        },
      }),
    );
    await step(
      'a mentioned person suspended',
      () => t.db.user.update({ where: { id: mentioned.id }, data: { status: 'SUSPENDED' } }),
      (html) => !html.includes('href="/u/lucia_cache"'),
    );
    await step('a mention removed', () => t.db.mention.deleteMany({ where: { postId: replyId } }));
    await step(
      'an author renamed',
      () => t.db.user.update({ where: { id: member.user.id }, data: { displayName: 'Marta Renombrada' } }),
      (html) => html.includes('Marta Renombrada'),
    );
    await step(
      'an author making their organization public',
      () => t.db.user.update({ where: { id: member.user.id }, data: { publicFields: ['organization'] } }),
      (html) => html.includes('Ayuntamiento de Caché'),
    );
    await step(
      'an organization renamed',
      () => t.db.organization.update({ where: { id: townHall.id }, data: { name: 'Ayuntamiento Renombrado' } }),
      (html) => html.includes('Ayuntamiento Renombrado'),
    );
    await step(
      'a post now speaking for an organization',
      () => t.db.post.update({ where: { id: otherId }, data: { onBehalfOfId: spokesperson.id } }),
      (html) => html.includes('Diputación Portavoz'),
    );
    await step(
      'that organization renamed',
      () => t.db.organization.update({ where: { id: spokesperson.id }, data: { name: 'Diputación Nueva' } }),
      (html) => html.includes('Diputación Nueva'),
    );
    await step(
      'the thread retitled',
      () => t.db.thread.update({ where: { id: threadId }, data: { title: 'Título cambiado en SQL' } }),
      (html) => html.includes('Título cambiado en SQL'),
    );
    await step('an answer accepted', () =>
      t.db.thread.update({ where: { id: threadId }, data: { acceptedPostId: replyId } }),
    );
    await step(
      'the community renamed',
      () => t.db.community.update({ where: { id: c.id }, data: { name: 'Comunidad renombrada' } }),
      (html) => html.includes('Comunidad renombrada'),
    );
    await step(
      'a reply hidden',
      () => t.db.post.update({ where: { id: otherId }, data: { status: 'HIDDEN' } }),
      (html) => !html.includes('texto-editado-en-sql'),
    );
    await step(
      'a reply deleted',
      () => t.db.post.delete({ where: { id: ownersReply } }),
      (html) => !html.includes('Una respuesta nueva del propietario.'),
    );

    // Whatever is kept, access is decided on every request.
    await signedOut(url);
    await t.db.community.update({ where: { id: c.id }, data: { visibility: 'SECRET', audience: 'INTERNAL' } });
    expect((await signedOut(url)).response.statusCode).toBe(404);
  });

  it('keeps the page epoch when people change what no thread page shows', async () => {
    const person = await createUser(t.db, { organizationId: townHall.id });
    const epoch = async () => (await t.db.pageEpoch.findUniqueOrThrow({ where: { id: 1 } })).version;
    const start = await epoch();
    await t.db.user.update({
      where: { id: person.id },
      data: { lastSeenAt: new Date(), digestHour: 7, jobTitle: 'Técnica de urbanismo' },
    });
    expect(await epoch()).toBe(start);
    await t.db.user.update({ where: { id: person.id }, data: { handle: 'handle_nuevo_cache' } });
    expect(await epoch()).toBe(start + 1n);
  });

  it('is kept per page of a long thread and per page asked for', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url } = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Hilo con páginas' });
    await submitForm(
      t.app,
      url,
      { body: 'Primera respuesta a este hilo.', tag: 'PROFESSIONAL' },
      {
        cookie: member.cookie,
        formUrl: url,
      },
    );
    const plain = withoutTokens((await signedOut(url)).response.body);
    expect(withoutTokens((await signedOut(`${url}?page=1`)).response.body)).toBe(plain);
    expect(withoutTokens((await signedOut(`${url}?page=1`)).response.body)).toBe(plain);
    // A page past the end is the last page; an unknown post's id opens the first.
    expect(withoutTokens((await signedOut(`${url}?page=99`)).response.body)).toBe(plain);
    expect(withoutTokens((await signedOut(`${url}?at=${crypto.randomUUID()}`)).response.body)).toBe(plain);
  });
});

describe('the page versions’ row lock', () => {
  /** Until some backend of the test database waits on a lock (another than `client`'s). */
  async function untilSomeoneWaits(client: pg.Client) {
    for (let tries = 0; tries < 250; tries++) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      if ((rows[0]?.n ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('nobody waited');
  }

  // Every statement on a thread's posts ends in the trigger that bumps the thread's page_version, which locks
  // the thread's row until commit. A reply holds that row first, then locks the reply it answers FOR SHARE
  // (post-writing.ts reply): a writer that locked the reply first and then met the trigger waited crosswise.
  it('lets an edit of a reply wait for an answer to it being written, without a deadlock', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Cerrojos' });
    const replyId = await kit.postReply(url, member.cookie, {
      body: 'Respuesta que su autora edita mientras la contestan.',
    });
    const answering = new pg.Client({ connectionString: t.database.url });
    await answering.connect();
    try {
      // An answer being written: the thread's row counted first…
      await answering.query('BEGIN');
      await answering.query('UPDATE threads SET reply_count = reply_count WHERE id = $1', [threadId]);
      // …while the reply's author sends an edit of it…
      const edit = submitForm(
        t.app,
        `${url}/posts/${replyId}/edit`,
        { body: 'Respuesta editada mientras la contestaban.', tag: 'PROFESSIONAL' },
        { cookie: member.cookie },
      );
      await untilSomeoneWaits(answering);
      // …then the reply it answers checked and held, as reply() does.
      const alive = await answering.query(`SELECT id FROM posts WHERE id = $1 AND status = 'PUBLISHED' FOR SHARE`, [
        replyId,
      ]);
      expect(alive.rowCount).toBe(1);
      await answering.query('COMMIT');
      const edited = await edit;
      expect(edited.statusCode, edited.body.slice(0, 300)).toBe(303);
      expect((await kit.get(url)).body).toContain('Respuesta editada mientras la contestaban.');
    } finally {
      await answering.end();
    }
  });

  // The same, for a writer of posts of many threads at once: the search text's upgrade after a deploy.
  it('lets the text upgrade wait for an answer being written, without a deadlock', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Mejora' });
    const replyId = await kit.postReply(url, member.cookie, {
      body: 'Respuesta escrita antes de la mejora del texto.',
    });
    await t.db.post.update({ where: { id: replyId }, data: { textVersion: 0 } });
    const answering = new pg.Client({ connectionString: t.database.url });
    await answering.connect();
    try {
      await answering.query('BEGIN');
      await answering.query('UPDATE threads SET reply_count = reply_count WHERE id = $1', [threadId]);
      const upgrading = upgradePostText(t.db);
      await untilSomeoneWaits(answering);
      const alive = await answering.query(`SELECT id FROM posts WHERE id = $1 AND status = 'PUBLISHED' FOR SHARE`, [
        replyId,
      ]);
      expect(alive.rowCount).toBe(1);
      await answering.query('COMMIT');
      expect(await upgrading).toBe(1);
    } finally {
      await answering.end();
    }
  });

  // A reaction checks its post (FOR KEY SHARE, its foreign key) before the trigger locks the thread's row: one
  // taken after the thread's row by a writer that then locks the post FOR UPDATE (an erasure changing the
  // post's author) met it crosswise.
  it('lets a reaction wait for a writer holding the thread, without a deadlock', async () => {
    const { c, owner, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url, id: threadId } = await kit.openThread(c.slug, owner.cookie, { kind: 'QUESTION', title: 'Reacción' });
    const replyId = await kit.postReply(url, member.cookie, { body: 'Respuesta a la que alguien reacciona ahora.' });
    const page = await kit.get(url, owner.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = [owner.cookie, ...page.cookies.map((one) => `${one.name}=${one.value}`)].join('; ');
    const writer = new pg.Client({ connectionString: t.database.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM threads WHERE id = $1 FOR NO KEY UPDATE', [threadId]);
      const reacting = t.app.inject({
        method: 'POST',
        url: `${url}/posts/${replyId}/react`,
        headers: { cookie },
        payload: { _csrf: csrf, reaction: 'USEFUL:on' },
      });
      await untilSomeoneWaits(writer);
      await writer.query('SELECT id FROM posts WHERE id = $1 FOR UPDATE', [replyId]);
      await writer.query('COMMIT');
      const reacted = await reacting;
      expect(reacted.statusCode, reacted.body.slice(0, 300)).toBe(303);
      expect(await t.db.reaction.count({ where: { postId: replyId } })).toBe(1);
    } finally {
      await writer.end();
    }
  });
});
