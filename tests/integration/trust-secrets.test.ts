import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { submitForm, submitMultipart } from '../support/forms.js';
import { ANSWER_TEXT, QUESTION_TEXT, threadTestKit } from '../support/threads.js';

// Issue 9, "Secrets stay secret" and "Mentions and bylines know the account's state": a deletion reaches
// every copy of the words it deletes, what exists only where the viewer cannot read answers as what does
// not exist, every list goes through the access rules, and a suspended account is linked from nowhere.

let t: TestApp;
let townHall: { id: string };
let elsewhere: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Secretos' });
  elsewhere = await createOrganization(t.db, { name: 'Diputación de Otros' });
});
afterAll(async () => {
  await t.close();
});

const BODY = QUESTION_TEXT;
const ANSWER = ANSWER_TEXT;
const UNTITLED = 'Conversación sin título';

const { get, person, community, postReply, ...kit } = threadTestKit(
  () => t,
  () => townHall,
);
/** Threads here are discussions unless a test says otherwise. */
const openThread = (slug: string, cookie: string, fields: Record<string, string> = {}) =>
  kit.openThread(slug, cookie, { kind: 'DISCUSSION', ...fields });

const act = (url: string, cookie: string, fields: Record<string, string>, formUrl: string) =>
  submitForm(t.app, url, fields, { cookie, formUrl });

describe('deleting a thread’s opening post', () => {
  it('takes its title from the thread page, <title>, the list, the home page and topic pages', async () => {
    const { c, owner, moderator, member } = await community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const secretWords = `Expediente de Ana Pérez, 12345678A ${Date.now()}`;
    const topic = `#Licencias${Date.now()}`;
    const { url, id } = await openThread(c.slug, owner.cookie, { title: secretWords });
    await postReply(url, member.cookie, { body: `${ANSWER} ${topic}` });
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    expect((await get(url, member.cookie)).body).toContain(secretWords);

    const deleted = await act(`${url}/posts/${opening.id}/delete`, owner.cookie, { confirm: 'yes' }, url);
    expect(deleted.statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).title).toBe('');

    const pages = {
      'the thread page (member)': await get(url, member.cookie),
      'the thread page (signed out)': await get(url),
      'the community’s list': await get(`/c/${c.slug}`, member.cookie),
      'the home page': await get('/', member.cookie),
      'the topic page': await get(`/t/${topic.slice(1).toLowerCase()}`, member.cookie),
    };
    for (const [where, page] of Object.entries(pages)) {
      expect(page.statusCode, where).toBe(200);
      expect(page.body, where).not.toContain('12345678A');
      expect(page.body, where).toContain(UNTITLED);
    }
    expect(pages['the thread page (member)'].body).toContain(`<title>${UNTITLED} · Ágora</title>`);
    expect(pages['the thread page (member)'].body).toContain(`<h1><bdi>${UNTITLED}</bdi></h1>`);
    // The replies stay readable; the words deleted stay only in the revision moderators can read.
    expect(pages['the thread page (member)'].body).toContain(ANSWER);
    const history = `${url}/posts/${opening.id}/history`;
    expect((await get(history, member.cookie)).statusCode).toBe(404);
    expect((await get(history, moderator.cookie)).body).toContain('12345678A');
  });

  it('lets the author and moderators correct or remove the title afterwards, and nobody else', async () => {
    const { c, owner, moderator, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie, { title: 'Título con el nombre de Ana Pérez' });
    // Answered by someone else, the thread stays when its opening post goes (else it would go whole).
    await postReply(url, member.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    await act(`${url}/posts/${opening.id}/delete`, owner.cookie, { confirm: 'yes' }, url);
    const title = () => t.db.thread.findUniqueOrThrow({ where: { id } }).then((thread) => thread.title);

    // The author sees the title form on the thread page, even with the opening post gone.
    const ownPage = await get(url, owner.cookie);
    expect(ownPage.body).toContain(`action="${url}/title"`);
    expect((await get(url, member.cookie)).body).not.toContain(`action="${url}/title"`);

    const corrected = await act(`${url}/title`, owner.cookie, { title: '  Licencias de obra menor  ' }, url);
    expect(corrected.statusCode).toBe(303);
    expect(corrected.headers.location).toContain('notice=title-changed');
    expect(await title()).toBe('Licencias de obra menor');
    expect((await get(url, member.cookie)).body).toContain('<h1><bdi>Licencias de obra menor</bdi></h1>');

    // Someone else cannot; the title stays.
    const refused = await act(`${url}/title`, member.cookie, { title: 'Otro título' }, url);
    expect(refused.statusCode).toBe(403);
    expect(await title()).toBe('Licencias de obra menor');

    // The same title again changes nothing.
    const same = await act(`${url}/title`, owner.cookie, { title: 'Licencias de obra menor' }, url);
    expect(same.headers.location).toContain('notice=post-unchanged');
    const revisions = await t.db.postRevision.count({ where: { postId: opening.id } });

    // A moderator removes it: the thread shows without a title, the removed one kept for moderators.
    const removed = await act(`${url}/title`, moderator.cookie, { title: '' }, url);
    expect(removed.statusCode).toBe(303);
    expect(await title()).toBe('');
    expect(await t.db.postRevision.count({ where: { postId: opening.id } })).toBe(revisions + 1);
    expect((await get(url, member.cookie)).body).toContain(`<h1><bdi>${UNTITLED}</bdi></h1>`);
    const audit = await t.db.auditEntry.findFirstOrThrow({
      where: { targetId: id, action: 'thread.title' },
      orderBy: { at: 'desc' },
    });
    expect(audit.details).toMatchObject({ asModerator: true, removed: true });

    const tooLong = await act(`${url}/title`, owner.cookie, { title: 'x'.repeat(151) }, url);
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('El título tiene 151 caracteres y no puede pasar de 150.');
    expect(await title()).toBe('');
  });

  it('lets the author of a live thread correct its title with the same form', async () => {
    const { c, owner } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    expect((await act(`${url}/title`, owner.cookie, { title: 'Licencias (resuelto)' }, url)).statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).title).toBe('Licencias (resuelto)');
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    expect(await t.db.postRevision.findMany({ where: { postId: opening.id } })).toMatchObject([
      { title: 'Licencias de obra menor', source: BODY },
    ]);
    expect(opening.editedAt).not.toBeNull();
    expect((await get(url, owner.cookie)).body).toContain(`${url}/posts/${opening.id}/history`);
  });
});

describe('suspended accounts in mentions and bylines', () => {
  it('links a suspended author and a suspended mention nowhere, and records no new mention of them', async () => {
    const { c, owner, moderator, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie, {
      body: `${BODY} @${member.user.handle} @${moderator.user.handle}`,
    });
    const replyId = await postReply(url, member.cookie);
    await t.db.user.update({ where: { id: member.user.id }, data: { status: 'SUSPENDED' } });

    const page = (await get(url, owner.cookie)).body;
    const handle = member.user.handle;
    expect(page).not.toContain(`href="/u/${handle}"`);
    expect(page).toContain(`<bdi>${member.user.displayName}</bdi> (cuenta suspendida)`);
    expect(page).toContain(`@${handle}`);
    // Active people are still linked, in the same post and in bylines.
    expect(page).toContain(`href="/u/${moderator.user.handle}" class="mention"`);
    expect(page).toContain(`href="/u/${owner.user.handle}"`);
    expect(page).toContain(`id="post-${replyId}"`);

    // A new mention of them is neither linked nor recorded.
    const later = await postReply(url, owner.cookie, { body: `${ANSWER} @${handle} @${moderator.user.handle}` });
    const written = await t.db.post.findUniqueOrThrow({ where: { id: later }, include: { mentions: true } });
    expect(written.html).not.toContain(`/u/${handle}`);
    expect(written.mentions.map((m) => m.userId)).toEqual([moderator.user.id]);

    // The community's pages that list people know it too: a suspended member is not listed as one, and
    // a suspended person with a pending request is named without a link.
    const requester = await person();
    await addMembership(t.db, c.id, requester.user.id, 'PENDING');
    await t.db.user.update({ where: { id: requester.user.id }, data: { status: 'SUSPENDED' } });
    const members = (await get(`/c/${c.slug}/members`, owner.cookie)).body;
    expect(members).not.toContain(`href="/u/${handle}"`);
    expect(members).not.toContain(member.user.displayName);
    expect(members).not.toContain(`href="/u/${requester.user.handle}"`);
    expect(members).toContain(`<bdi>${requester.user.displayName}</bdi> (cuenta suspendida)`);
    expect((await get(`/u/${handle}`, owner.cookie)).statusCode).toBe(404);

    // Once active again, the stored links serve again.
    await t.db.user.update({ where: { id: member.user.id }, data: { status: 'ACTIVE' } });
    expect((await get(url, owner.cookie)).body).toContain(`href="/u/${handle}" class="mention"`);
    expect(id).toBeTruthy();
  });
});

describe('every list goes through the access rules', () => {
  it('lists in "my communities" only what the member may still see, not even its later name', async () => {
    const someone = await person();
    const secret = await community({ audience: 'INTERNAL', visibility: 'SECRET' });
    const shared = await community({ audience: 'INTERADMINISTRATIVE', visibility: 'PRIVATE' });
    const open = await community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const becameSecret = await community({ audience: 'OPEN', visibility: 'PRIVATE' });
    const invitedTo = await community({ audience: 'INTERNAL', visibility: 'SECRET' });
    await addMembership(t.db, secret.c.id, someone.user.id);
    await addMembership(t.db, shared.c.id, someone.user.id);
    await addMembership(t.db, open.c.id, someone.user.id);
    await addMembership(t.db, becameSecret.c.id, someone.user.id, 'PENDING');
    await addMembership(t.db, invitedTo.c.id, someone.user.id, 'INVITED');
    const mine = async () => (await get('/communities/mine', someone.cookie)).body;
    const before = await mine();
    for (const c of [secret.c, shared.c, open.c, becameSecret.c, invitedTo.c]) expect(before).toContain(c.name);

    // A private community turned secret hides the pending request; the invitation to a secret one stays.
    await t.db.community.update({ where: { id: becameSecret.c.id }, data: { visibility: 'SECRET' } });
    // Their address is now a citizen's: they left every audience but OPEN. The secret group is renamed.
    await t.db.user.update({ where: { id: someone.user.id }, data: { kind: 'CITIZEN', organizationId: null } });
    await t.db.community.update({ where: { id: secret.c.id }, data: { name: 'Grupo secreto renombrado' } });
    const after = await mine();
    expect(after).toContain(open.c.name);
    for (const name of [
      secret.c.name,
      'Grupo secreto renombrado',
      shared.c.name,
      becameSecret.c.name,
      invitedTo.c.name,
    ]) {
      expect(after).not.toContain(name);
    }
    for (const c of [secret.c, shared.c, becameSecret.c, invitedTo.c]) expect(after).not.toContain(`/c/${c.slug}"`);
  });

  it('lists as members, moderators and in the count only people whose membership counts', async () => {
    const { c, owner, moderator, member } = await community({ audience: 'INTERNAL', visibility: 'PUBLIC' });
    const moved = await person();
    await addMembership(t.db, c.id, moved.user.id);
    const countOf = (html: string) => /Miembros \((\d+)\)/.exec(html)?.[1];
    const before = await get(`/c/${c.slug}`, owner.cookie);
    const beforeMembers = (await get(`/c/${c.slug}/members`, owner.cookie)).body;
    expect(before.body).toContain(moderator.user.displayName);
    expect(beforeMembers).toContain(moved.user.displayName);
    // The moderator moved to another administration; the member's account was suspended.
    await t.db.user.update({ where: { id: moderator.user.id }, data: { organizationId: elsewhere.id } });
    await t.db.user.update({ where: { id: moved.user.id }, data: { status: 'SUSPENDED' } });
    const after = await get(`/c/${c.slug}`, owner.cookie);
    const afterMembers = (await get(`/c/${c.slug}/members`, owner.cookie)).body;
    expect(after.body).not.toContain(moderator.user.displayName);
    expect(afterMembers).not.toContain(moderator.user.displayName);
    expect(afterMembers).not.toContain(moved.user.displayName);
    expect(afterMembers).toContain(member.user.displayName);
    expect(Number(countOf(after.body))).toBe(Number(countOf(before.body)) - 2);
    const directory = (await get(`/communities?q=${encodeURIComponent(c.name)}`, owner.cookie)).body;
    expect(directory).toContain(`${countOf(after.body)} miembros`);
  });

  it('shows in the directory how many members a community has only to those who may read it', async () => {
    const { c, member } = await community({ audience: 'INTERADMINISTRATIVE', visibility: 'PRIVATE' });
    const outsider = await person();
    const card = async (cookie: string) => {
      const html = (await get(`/communities?q=${encodeURIComponent(c.name)}`, cookie)).body;
      const start = html.indexOf(`href="/c/${c.slug}"`);
      expect(start).toBeGreaterThan(0);
      return html.slice(start, html.indexOf('</li>', start));
    };
    expect(await card(member.cookie)).toContain('3 miembros');
    expect(await card(outsider.cookie)).not.toContain('miembro');
  });

  it('fills a directory page with what the viewer may see, whatever sorts before it', async () => {
    const viewer = await person();
    const owner = await person();
    const prefix = `Zeta${Date.now()}`;
    for (let i = 0; i < 30; i++) {
      await createCommunity(t.db, {
        organizationId: elsewhere.id,
        ownerId: owner.user.id,
        audience: i % 2 ? 'INTERNAL' : 'INTERADMINISTRATIVE',
        visibility: i % 2 ? 'PRIVATE' : 'SECRET',
        name: `${prefix} A${String(i).padStart(2, '0')} oculta`,
      });
    }
    for (let i = 0; i < 26; i++) {
      await createCommunity(t.db, {
        organizationId: elsewhere.id,
        ownerId: owner.user.id,
        audience: 'INTERADMINISTRATIVE',
        visibility: i % 2 ? 'PUBLIC' : 'PRIVATE',
        name: `${prefix} B${String(i).padStart(2, '0')} visible`,
      });
    }
    const first = (await get(`/communities?q=${prefix}`, viewer.cookie)).body;
    expect(first).not.toContain('oculta');
    expect(first.match(/ visible</g)?.length).toBe(24);
    const second = (await get(`/communities?q=${prefix}&page=2`, viewer.cookie)).body;
    expect(second.match(/ visible</g)?.length).toBe(2);
    expect(second).not.toContain('oculta');
  });

  it('shows on the home page the latest threads the member may read, not fewer because others came first', async () => {
    const viewer = await person();
    const readable = await community({ audience: 'INTERADMINISTRATIVE', visibility: 'PRIVATE' });
    await addMembership(t.db, readable.c.id, viewer.user.id);
    const older = await openThread(readable.c.slug, readable.owner.cookie, { title: 'Conversación legible' });
    // Ten newer threads in an internal community of another organization where the viewer's membership
    // counts for nothing (they are outside its audience).
    const foreignOwner = await createUser(t.db, { organizationId: elsewhere.id });
    const foreign = await createCommunity(t.db, {
      organizationId: elsewhere.id,
      ownerId: foreignOwner.id,
      audience: 'INTERNAL',
      visibility: 'PRIVATE',
    });
    await addMembership(t.db, foreign.id, viewer.user.id);
    for (let i = 0; i < 10; i++) {
      await t.db.thread.create({
        data: {
          communityId: foreign.id,
          authorId: foreignOwner.id,
          title: `Ajena ${i}`,
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
        },
      });
    }
    const home = (await get('/', viewer.cookie)).body;
    expect(home).toContain('Conversación legible');
    expect(home).toContain(older.id);
    expect(home).not.toContain('Ajena');
  });
});

/** A page's body without what differs between any two requests (tokens) and the URL asked for. */
function normalized(body: string, url: string): string {
  return body
    .replaceAll(url, '<URL>')
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""')
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/<code>[^<]*<\/code>/g, '<code></code>');
}

describe('what exists only where the viewer cannot read answers as what does not exist', () => {
  it('answers the same for a topic used only in a secret community, or only in deleted posts, as for none', async () => {
    const secret = await community({ visibility: 'SECRET' });
    const outsider = await person();
    const stamp = Date.now();
    await openThread(secret.c.slug, secret.owner.cookie, { body: `${BODY} #SoloSecreto${stamp}` });
    const open = await community();
    const { url, id } = await openThread(open.c.slug, open.owner.cookie, { body: `${BODY} #Borrado${stamp}` });
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    await act(`${url}/posts/${opening.id}/delete`, open.owner.cookie, { confirm: 'yes' }, url);

    for (const cookie of [outsider.cookie, undefined]) {
      const unknown = await get(`/t/nunca${stamp}`, cookie);
      expect(unknown.statusCode).toBe(404);
      for (const slug of [`solosecreto${stamp}`, `borrado${stamp}`]) {
        const hidden = await get(`/t/${slug}`, cookie);
        expect(hidden.statusCode, slug).toBe(404);
        expect(normalized(hidden.body, `/t/${slug}`)).toBe(normalized(unknown.body, `/t/nunca${stamp}`));
      }
    }
    expect((await get(`/t/solosecreto${stamp}`, secret.member.cookie)).statusCode).toBe(200);
  });

  it('answers the same for the pages of a secret community, its threads and files, as for unknown ones', async () => {
    const secret = await community({ visibility: 'SECRET' });
    const closed = await community({ visibility: 'PRIVATE' });
    const outsider = await person();
    const { url } = await openThread(secret.c.slug, secret.owner.cookie);
    const privateThread = await openThread(closed.c.slug, closed.owner.cookie);
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const pairs: [string, string][] = [
      [`/c/${secret.c.slug}`, '/c/no-existe-esta'],
      [`/c/${secret.c.slug}/members`, '/c/no-existe-esta/members'],
      [`/c/${secret.c.slug}/threads/new`, '/c/no-existe-esta/threads/new'],
      [`/c/${secret.c.slug}/decisions`, '/c/no-existe-esta/decisions'],
      [url, `/c/no-existe-esta/threads/${unknownId}`],
      [url, `/c/${secret.c.slug.replace('comunidad', 'inexistente')}/threads/${unknownId}`],
      [privateThread.url, `/c/${closed.c.slug}/threads/${unknownId}`],
      [
        `${privateThread.url}/posts/${unknownId}/history`,
        `/c/${closed.c.slug}/threads/${unknownId}/posts/${unknownId}/history`,
      ],
    ];
    // Files: on a secret community's post, on a deleted post, and someone else's not yet posted.
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const withFile = async (slug: string, cookie: string) => {
      const response = await submitMultipart(
        t.app,
        `/c/${slug}/threads`,
        { title: 'Con adjunto', kind: 'DISCUSSION', body: BODY, tag: 'PROFESSIONAL' },
        [{ field: 'files', name: 'acta.pdf', bytes: pdf, type: 'application/pdf' }],
        { cookie, formUrl: `/c/${slug}/threads/new` },
      );
      expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
      const threadId = /\/threads\/([0-9a-f-]{36})/.exec(String(response.headers.location))?.[1] ?? '';
      const post = await t.db.post.findFirstOrThrow({
        where: { threadId, isOpening: true },
        include: { attachments: true },
      });
      return { post, threadUrl: `/c/${slug}/threads/${threadId}`, file: post.attachments[0]?.id ?? '' };
    };
    const secretFile = await withFile(secret.c.slug, secret.owner.cookie);
    const open = await community();
    const deletedFile = await withFile(open.c.slug, open.owner.cookie);
    await act(
      `${deletedFile.threadUrl}/posts/${deletedFile.post.id}/delete`,
      open.owner.cookie,
      { confirm: 'yes' },
      deletedFile.threadUrl,
    );
    pairs.push(
      [`/attachments/${secretFile.file}/acta.pdf`, `/attachments/${unknownId}/acta.pdf`],
      [`/attachments/${deletedFile.file}/acta.pdf`, `/attachments/${unknownId}/acta.pdf`],
    );
    // A suspended person's profile and an unknown handle.
    const suspended = await createUser(t.db, { organizationId: townHall.id, status: 'SUSPENDED' });
    pairs.push([`/u/${suspended.handle}`, '/u/nadie-con-este-nombre']);
    for (const [hidden, missing] of pairs) {
      const a = await get(hidden, outsider.cookie);
      const b = await get(missing, outsider.cookie);
      expect(a.statusCode, hidden).toBe(404);
      expect(b.statusCode, missing).toBe(404);
      expect(normalized(a.body, hidden), hidden).toBe(normalized(b.body, missing));
    }
  });
});

describe('a community’s address tells nothing of a secret community', () => {
  const SECRET_ADDRESS = /^s-[0-9a-f]{12}$/;
  const fields = (overrides: Record<string, string>) => ({
    name: 'Comisión reservada',
    description: '',
    rules: '',
    audience: 'INTERNAL',
    visibility: 'SECRET',
    welcomedTags: 'PROFESSIONAL',
    ...overrides,
  });
  const create = (cookie: string, overrides: Record<string, string>) =>
    submitForm(t.app, '/communities', fields(overrides), { cookie, formUrl: '/communities/new' });
  const slugOf = (response: { headers: Record<string, unknown> }) =>
    /^\/c\/([^/?#]+)/.exec(String(response.headers.location))?.[1] ?? '';

  it('gives a secret community an address of its own choosing, once however often the form is sent', async () => {
    const owner = await person();
    const chosen = `expediente-disciplinario-${Date.now()}`;
    const first = await create(owner.cookie, { slug: chosen });
    expect(first.statusCode, first.body.slice(0, 400)).toBe(303);
    const slug = slugOf(first);
    expect(slug).toMatch(SECRET_ADDRESS);
    expect(slug).not.toContain('expediente');
    // Sent again (a double click): the same community, not a second one.
    const again = await create(owner.cookie, { slug: chosen });
    expect(slugOf(again)).toBe(slug);
    expect(await t.db.community.count({ where: { name: 'Comisión reservada', createdById: owner.user.id } })).toBe(1);
    // The address the owner typed stays free: someone else may take it and learns nothing.
    const other = await person();
    const taken = await create(other.cookie, { slug: chosen, visibility: 'PUBLIC', name: 'Otra comunidad' });
    expect(taken.statusCode, taken.body.slice(0, 400)).toBe(303);
    expect(slugOf(taken)).toBe(chosen);
  });

  it('refuses every address of the secret form alike, whether a secret community has it or not', async () => {
    const owner = await person();
    const secret = slugOf(await create(owner.cookie, { slug: '' }));
    expect(secret).toMatch(SECRET_ADDRESS);
    const outsider = await person({ organizationId: elsewhere.id });
    const answers = [];
    for (const slug of [secret, 's-0123456789ab']) {
      const response = await create(outsider.cookie, { slug, visibility: 'PUBLIC', name: 'Curiosa' });
      expect(response.statusCode).toBe(422);
      answers.push(response.body.replace(/name="_csrf" value="[^"]+"/g, '').replace(new RegExp(slug, 'g'), 'ADDRESS'));
    }
    expect(answers[0]).toBe(answers[1]);
    expect(answers[0]).toContain('reservadas para las comunidades secretas');
  });

  it('moves a community made secret to an address of its own choosing; the old one answers as unknown', async () => {
    const { c, owner } = await community({ audience: 'INTERNAL', visibility: 'PUBLIC' });
    const saved = await submitForm(
      t.app,
      `/c/${c.slug}/settings`,
      { name: c.name, description: c.description, rules: '', visibility: 'SECRET', welcomedTags: 'PROFESSIONAL' },
      { cookie: owner.cookie, formUrl: `/c/${c.slug}/settings` },
    );
    expect(saved.statusCode, saved.body.slice(0, 400)).toBe(303);
    const slug = slugOf(saved);
    expect(slug).toMatch(SECRET_ADDRESS);
    expect((await get(`/c/${slug}`, owner.cookie)).statusCode).toBe(200);
    expect((await get(`/c/${c.slug}`, owner.cookie)).statusCode).toBe(404);
    expect((await t.db.community.findUniqueOrThrow({ where: { id: c.id } })).slug).toBe(slug);
  });
});
