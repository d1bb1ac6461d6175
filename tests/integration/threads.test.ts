import { access } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARED_STATEMENT } from '../../src/db/client.js';
import { ATTACHMENT_JOBS } from '../../src/jobs/jobs.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { confirmationIn, fieldError, signInAs, submitForm, submitMultipart, textareaText } from '../support/forms.js';
import { ANSWER_TEXT, QUESTION_TEXT, threadTestKit } from '../support/threads.js';

let t: TestApp;
let townHall: { id: string; name: string };
let province: { id: string; name: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Hilos', kind: 'MUNICIPALITY' });
  province = await createOrganization(t.db, { name: 'Diputación de Hilos', kind: 'PROVINCE' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);
const { get, person, newThread, openThread, replyTo, postReply } = kit;

/** A community with an owner, a moderator and two members (one of another administration), each signed in. */
async function community(options: Partial<Parameters<typeof createCommunity>[1]> = {}) {
  const cast = await kit.community(options);
  const other = await person({ organizationId: province.id });
  await addMembership(t.db, cast.c.id, other.user.id);
  return { ...cast, other };
}

function act(url: string, cookie: string, fields: Record<string, string> = {}, formUrl?: string) {
  return submitForm(t.app, url, fields, { cookie, formUrl: formUrl ?? url.replace(/\/(posts\/[^/]+\/)?[a-z]+$/, '') });
}

/** The value a text field or textarea shows. */
function typed(html: string, field: string): string | undefined {
  const textarea = textareaText(html, `field-${field}`);
  return textarea ?? new RegExp(`id="field-${field}" name="${field}" type="text" value="([^"]*)"`).exec(html)?.[1];
}

describe('opening a thread', () => {
  it('publishes a question with its tag, a stored policy decision, mentions and topics', async () => {
    const { c, owner, member } = await community();
    const body = `${QUESTION_TEXT} @${member.user.handle} #Urbanismo @nadie-existe`;
    const { id, url } = await openThread(c.slug, owner.cookie, { body });
    const thread = await t.db.thread.findUniqueOrThrow({ where: { id }, include: { posts: true } });
    expect(thread).toMatchObject({ kind: 'QUESTION', tag: 'PROFESSIONAL', replyCount: 0, authorId: owner.user.id });
    const opening = thread.posts[0];
    expect(opening?.isOpening).toBe(true);
    expect(opening?.html).toContain(`<a href="/u/${member.user.handle}" class="mention">`);
    expect(opening?.html).toContain('<a href="/t/urbanismo" class="topic">#Urbanismo</a>');
    expect(opening?.html).not.toContain('/u/nadie-existe');
    expect(await t.db.mention.findMany({ where: { postId: opening?.id } })).toEqual([
      { postId: opening?.id, userId: member.user.id },
    ]);
    const decision = await t.db.policyDecision.findFirstOrThrow({ where: { postId: opening?.id } });
    expect(decision).toMatchObject({ chosenTag: 'PROFESSIONAL', suggestedTag: 'PROFESSIONAL', outcome: 'ALLOW' });

    const page = await get(url, member.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1><bdi>Licencias de obra menor</bdi></h1>');
    expect(page.body).toContain(owner.user.displayName);
    expect(page.body).toContain('Ayuntamiento de Hilos');
    expect(page.body).toContain('Etiqueta elegida por quien publica: Profesional.');
    expect(page.body).toMatch(/Sugerencia automática: Profesional \(confianza del \d+ %\)\./);

    const topic = await get('/t/urbanismo', member.cookie);
    expect(topic.statusCode).toBe(200);
    expect(topic.body).toContain(`/c/${c.slug}/threads/${id}`);
  });

  it.each([
    ['title', { title: '' }, 'Escriba un título.'],
    ['title', { title: 'x'.repeat(151) }, 'El título tiene 151 caracteres y no puede pasar de 150.'],
    ['body', { body: '   ' }, 'Escriba el texto.'],
    [
      'body',
      { body: 'x'.repeat(20_001) },
      'El texto tiene 20001 caracteres y no puede pasar de 20000. Está todo lo que escribió: acórtelo y envíelo de nuevo.',
    ],
    ['tag', { tag: 'OFFICIAL' }, 'Elija una etiqueta: personal, profesional u organizacional.'],
    ['kind', { kind: 'POLL' }, 'Elija el tipo: debate, pregunta o anuncio.'],
  ])('refuses a bad %s with a message beside it, keeps the text, writes nothing', async (field, fields, message) => {
    const { c, member } = await community();
    const response = await newThread(c.slug, member.cookie, { title: 'Mi título guardado', ...fields });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, field)).toBe(message);
    if (field !== 'body') expect(typed(response.body, 'body')).toBe(QUESTION_TEXT.replace('¿', '¿'));
    if (field !== 'title') expect(typed(response.body, 'title')).toBe('Mi título guardado');
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('refuses an organizational post from someone who is not an official voice, keeping every word', async () => {
    const { c, member } = await community();
    const body = 'El Ayuntamiento informa del nuevo horario de atención presencial en la oficina de registro.';
    const response = await newThread(c.slug, member.cookie, {
      title: 'Nuevo horario',
      kind: 'DISCUSSION',
      body,
      tag: 'ORGANIZATIONAL',
    });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('No se ha podido publicar');
    expect(response.body).toContain('Una publicación organizacional debe decir en nombre de qué organización habla.');
    expect(typed(response.body, 'body')).toBe(body);
    expect(typed(response.body, 'title')).toBe('Nuevo horario');
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
    // The refusal itself is on the record, with nothing of the text.
    const decision = await t.db.policyDecision.findFirstOrThrow({ where: { communityId: c.id } });
    expect(decision).toMatchObject({ postId: null, outcome: 'REJECT', chosenTag: 'ORGANIZATIONAL' });
    expect(JSON.stringify(decision)).not.toContain('horario de atención');

    // Naming an organization one does not speak for is refused too.
    const named = await newThread(c.slug, member.cookie, {
      title: 'Nuevo horario',
      kind: 'DISCUSSION',
      body,
      tag: 'ORGANIZATIONAL',
      onBehalfOf: townHall.id,
    });
    expect(named.statusCode).toBe(422);
    expect(named.body).toContain('Solo las voces oficiales publican en nombre de una organización');
  });

  it('shows the community’s moderators every decision, refusals included, and nobody else', async () => {
    const { c, moderator, member } = await community();
    await newThread(c.slug, member.cookie, { title: 'Aviso', kind: 'ANNOUNCEMENT', body: 'Mañana cambia el horario.' });
    await openThread(c.slug, member.cookie);
    const page = await get(`/c/${c.slug}/decisions`, moderator.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Rechazada');
    expect(page.body).toContain(
      'Solo quienes moderan, las personas responsables de la comunidad y las voces oficiales abren anuncios.',
    );
    expect(page.body).toContain('No publicada');
    expect(page.body).toContain('Publicada');
    expect(page.body).not.toContain('Mañana cambia el horario');
    expect((await get(`/c/${c.slug}`, moderator.cookie)).body).toContain(`href="/c/${c.slug}/decisions"`);
    expect((await get(`/c/${c.slug}/decisions`, member.cookie)).statusCode).toBe(404);
    expect((await get(`/c/${c.slug}`, member.cookie)).body).not.toContain('/decisions"');
  });

  it('publishes an official voice’s organizational post "on behalf of" the organization', async () => {
    const { c, member } = await community();
    await t.db.officialVoice.create({ data: { userId: member.user.id, organizationId: townHall.id } });
    const { url } = await openThread(c.slug, member.cookie, {
      title: 'Nuevo horario',
      kind: 'DISCUSSION',
      body: 'El Ayuntamiento informa del nuevo horario de atención presencial en la oficina de registro.',
      tag: 'ORGANIZATIONAL',
    });
    const page = await get(url, member.cookie);
    expect(page.body).toContain('Organizacional · en nombre de Ayuntamiento de Hilos');
    const post = await t.db.post.findFirstOrThrow({ where: { thread: { communityId: c.id } } });
    expect(post.onBehalfOfId).toBe(townHall.id);
  });

  it('keeps announcements for moderators, owners and official voices, and never personal', async () => {
    const { c, member, moderator } = await community();
    const fields = { title: 'Aviso', kind: 'ANNOUNCEMENT', body: 'Mañana se actualiza la plataforma de tramitación.' };
    const byMember = await newThread(c.slug, member.cookie, fields);
    expect(byMember.statusCode).toBe(422);
    expect(byMember.body).toContain(
      'Solo quienes moderan, las personas responsables de la comunidad y las voces oficiales abren anuncios.',
    );
    const personal = await newThread(c.slug, moderator.cookie, {
      ...fields,
      tag: 'PERSONAL',
    });
    expect(personal.statusCode).toBe(422);
    expect(personal.body).toContain('Un anuncio no puede ser personal');
    await openThread(c.slug, moderator.cookie, fields);
  });

  it('keeps citizens personal and the community’s welcomed tags', async () => {
    const owner = await person();
    const open = await createCommunity(t.db, {
      organizationId: townHall.id,
      ownerId: owner.user.id,
      audience: 'OPEN',
    });
    const citizen = await person({ kind: 'CITIZEN', organizationId: null });
    await addMembership(t.db, open.id, citizen.user.id);
    const professional = await newThread(open.slug, citizen.cookie, { kind: 'DISCUSSION' });
    expect(professional.statusCode).toBe(422);
    expect(professional.body).toContain('La ciudadanía participa a título personal');
    await openThread(open.slug, citizen.cookie, {
      kind: 'DISCUSSION',
      title: 'Gracias',
      body: 'Quería dar las gracias a todo el equipo por la ayuda con mi padrón.',
      tag: 'PERSONAL',
    });

    await t.db.community.update({ where: { id: open.id }, data: { welcomedTags: ['PERSONAL'] } });
    const unwelcome = await newThread(open.slug, owner.cookie, {});
    expect(unwelcome.statusCode).toBe(422);
    expect(unwelcome.body).toContain(
      'Esta comunidad no acoge publicaciones con la etiqueta Profesional. Acoge: Personal.',
    );
  });

  it('asks to confirm a tag that differs from a confident suggestion, then publishes it as confirmed', async () => {
    const { c, member } = await community();
    const fields = { kind: 'QUESTION', tag: 'PERSONAL' };
    const warned = await newThread(c.slug, member.cookie, fields);
    expect(warned.statusCode).toBe(422);
    expect(warned.body).toContain('Revise antes de publicar');
    expect(warned.body).toContain('Ha elegido Personal, pero el texto parece Profesional');
    expect(confirmationIn(warned.body)).toMatch(/^[0-9a-f]{16}$/);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);

    // A confirmation for other warnings (or none) does not count.
    const wrong = await newThread(c.slug, member.cookie, { ...fields, confirmation: '0123456789abcdef' });
    expect(wrong.statusCode).toBe(422);
    await openThread(c.slug, member.cookie, { ...fields, confirmation: confirmationIn(warned.body) });
    const decision = await t.db.policyDecision.findFirstOrThrow({
      where: { communityId: c.id, postId: { not: null } },
    });
    expect(decision).toMatchObject({
      outcome: 'WARN',
      confirmed: true,
      chosenTag: 'PERSONAL',
      suggestedTag: 'PROFESSIONAL',
    });
  });

  it('suggests a tag without JavaScript, keeping what was typed', async () => {
    const { c, member } = await community();
    const response = await newThread(c.slug, member.cookie, { intent: 'suggest', tag: 'PERSONAL' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/Sugerencia: Profesional \(confianza del \d+ %\)\./);
    expect(response.body).toContain('id="field-tag-PROFESSIONAL" name="tag" value="PROFESSIONAL" checked');
    expect(typed(response.body, 'body')).toBe(QUESTION_TEXT);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('answers the form script with a suggestion and its cues (CSRF-checked, signed in only)', async () => {
    const { c, member } = await community();
    const form = await get(`/c/${c.slug}/threads/new`, member.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const cookie = [member.cookie, ...form.cookies.map((k) => `${k.name}=${k.value}`)].join('; ');
    const ask = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/policy/suggest', headers, payload: { title: '', body: QUESTION_TEXT } });
    const answer = await ask({ cookie, 'x-csrf-token': csrf });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ tag: 'PROFESSIONAL', label: 'Profesional' });
    expect(answer.json().message).toMatch(/^Sugerencia: Profesional \(confianza del \d+ %\)\. Pistas: «/);
    expect((await ask({ cookie })).statusCode).toBe(403);
  });

  it('lets only those who may post open threads', async () => {
    const { c } = await community();
    const outsider = await person();
    const form = await get(`/c/${c.slug}/threads/new`, outsider.cookie);
    expect(form.statusCode).toBe(403);
    expect(form.body).toContain('Para publicar aquí hay que ser miembro de la comunidad.');
    expect((await get(`/c/${c.slug}/threads/new`)).statusCode).toBe(303);
  });
});

describe('the thread list', () => {
  it('shows pinned threads first, then by last activity, with filters and keyset pages', async () => {
    const { c, owner, moderator } = await community();
    const base = new Date('2026-01-01T10:00:00Z').getTime();
    await t.db.thread.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        communityId: c.id,
        authorId: owner.user.id,
        title: `Hilo ${String(i).padStart(2, '0')}`,
        kind: i % 3 === 0 ? ('QUESTION' as const) : ('DISCUSSION' as const),
        tag: i % 2 === 0 ? ('PROFESSIONAL' as const) : ('PERSONAL' as const),
        replyCount: i % 5 === 0 ? 0 : 2,
        lastActivityAt: new Date(base + i * 60_000),
      })),
    });
    const oldest = await t.db.thread.findFirstOrThrow({ where: { communityId: c.id, title: 'Hilo 00' } });
    const pinned = await act(`/c/${c.slug}/threads/${oldest.id}/pin`, moderator.cookie);
    expect(pinned.statusCode).toBe(303);

    const first = await get(`/c/${c.slug}`, owner.cookie);
    const titles = [...first.body.matchAll(/class="thread-card__title"><a [^>]*><bdi>(Hilo \d+)</g)].map((m) => m[1]);
    expect(titles).toHaveLength(25);
    expect(titles.slice(0, 3)).toEqual(['Hilo 00', 'Hilo 29', 'Hilo 28']);
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toMatch(/\?after=/);
    const second = await get(String(next), owner.cookie);
    const more = [...second.body.matchAll(/class="thread-card__title"><a [^>]*><bdi>(Hilo \d+)</g)].map((m) => m[1]);
    expect(more).toEqual(['Hilo 05', 'Hilo 04', 'Hilo 03', 'Hilo 02', 'Hilo 01']);
    expect(second.body).not.toContain('rel="next"');

    const questions = await get(`/c/${c.slug}?kind=QUESTION&tag=PROFESSIONAL`, owner.cookie);
    const q = [...questions.body.matchAll(/class="thread-card__title"><a [^>]*><bdi>(Hilo \d+)</g)].map((m) => m[1]);
    expect(q).toEqual(['Hilo 00', 'Hilo 24', 'Hilo 18', 'Hilo 12', 'Hilo 06']);
    const unanswered = await get(`/c/${c.slug}?unanswered=1&kind=DISCUSSION`, owner.cookie);
    const u = [...unanswered.body.matchAll(/class="thread-card__title"><a [^>]*><bdi>(Hilo \d+)</g)].map((m) => m[1]);
    expect(u).toEqual(['Hilo 25', 'Hilo 20', 'Hilo 10', 'Hilo 05']);
  });

  it('hides the threads of a private community from non-members, and its thread pages answer 404', async () => {
    const { c, owner } = await community({ visibility: 'PRIVATE' });
    const { url } = await openThread(c.slug, owner.cookie);
    const outsider = await person();
    const page = await get(`/c/${c.slug}`, outsider.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Licencias de obra menor');
    expect((await get(url, outsider.cookie)).statusCode).toBe(404);
    expect((await get(url)).statusCode).toBe(404);
    expect((await get(`/c/${c.slug}/threads/00000000-0000-4000-8000-000000000000`, owner.cookie)).statusCode).toBe(404);
  });
});

describe('replies and answers', () => {
  it('nests answers one level under a reply, and refuses deeper nesting and other threads’ posts', async () => {
    const { c, owner, member, other } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const answerId = await postReply(url, other.cookie, {
      parentId: replyId,
      body: 'En la Diputación tenemos una plantilla del informe técnico para obra menor.',
    });
    const answer = await t.db.post.findUniqueOrThrow({ where: { id: answerId } });
    expect(answer.parentId).toBe(replyId);

    const deeper = await replyTo(url, member.cookie, { parentId: answerId, body: 'Texto que no se pierde.' });
    expect(deeper.statusCode).toBe(422);
    expect(fieldError(deeper.body, 'parentId')).toBe(
      'Solo se puede responder a una respuesta, no a la respuesta de una respuesta.',
    );
    // Sent again as it comes back, it becomes a reply to the thread.
    expect(deeper.body).not.toContain(`name="parentId" value="${answerId}"`);
    expect(typed(deeper.body, 'body')).toBe('Texto que no se pierde.');

    const elsewhere = await openThread(c.slug, owner.cookie, { title: 'Otro hilo' });
    const foreign = await replyTo(elsewhere.url, member.cookie, { parentId: replyId, body: 'Texto guardado.' });
    expect(foreign.statusCode).toBe(422);
    expect(fieldError(foreign.body, 'parentId')).toBe(
      'La respuesta a la que contesta no está en esta conversación o ya no existe.',
    );
    expect(typed(foreign.body, 'body')).toBe('Texto guardado.');

    const thread = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(thread.replyCount).toBe(2);
    expect(await t.db.post.count({ where: { threadId: elsewhere.id } })).toBe(1);

    const page = await get(url, owner.cookie);
    const replyAt = page.body.indexOf(`id="post-${replyId}"`);
    const answerAt = page.body.indexOf(`id="post-${answerId}"`);
    expect(replyAt).toBeGreaterThan(0);
    expect(answerAt).toBeGreaterThan(replyAt);
    expect(page.body.slice(replyAt, answerAt)).toContain('class="answer-list"');
  });

  it('refuses replies on a locked thread and in an archived community with a clear message', async () => {
    const { c, owner, moderator, member } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    expect((await act(`${url}/lock`, member.cookie, {}, url)).statusCode).toBe(403);
    expect((await act(`${url}/lock`, moderator.cookie, {}, url)).statusCode).toBe(303);
    const page = await get(url, member.cookie);
    expect(page.body).toContain('Esta conversación está cerrada: no admite nuevas respuestas.');
    expect(page.body).not.toContain('id="reply-title"');
    const refused = await replyTo(url, member.cookie, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Esta conversación está cerrada');
    expect((await act(`${url}/unlock`, moderator.cookie, {}, url)).statusCode).toBe(303);
    await postReply(url, member.cookie);

    await t.db.community.update({ where: { id: c.id }, data: { archivedAt: new Date() } });
    const archived = await submitForm(
      t.app,
      `${url}/replies`,
      { body: ANSWER_TEXT, tag: 'PROFESSIONAL' },
      { cookie: member.cookie },
    );
    expect(archived.statusCode).toBe(403);
    expect(archived.body).toContain('Esta comunidad está archivada: se puede leer, pero no publicar.');
  });

  it('keeps reply counts, last activity and the accepted answer right under concurrent replies and deletions', async () => {
    const { c, owner, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const before = await t.db.thread.findUniqueOrThrow({ where: { id } });
    const form = await get(url, member.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const cookie = [member.cookie, ...form.cookies.map((k) => `${k.name}=${k.value}`)].join('; ');
    const send = (i: number) =>
      t.app.inject({
        method: 'POST',
        url: `${url}/replies`,
        headers: { cookie },
        payload: { _csrf: csrf, body: `${ANSWER_TEXT} (${i})`, tag: 'PROFESSIONAL' },
      });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(12).fill(303));
    const after = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(after.replyCount).toBe(12);
    expect(after.lastActivityAt.getTime()).toBeGreaterThan(before.lastActivityAt.getTime());

    // Accepting an answer while its author deletes it: whatever the order, no deleted post stays accepted.
    const replies = await t.db.post.findMany({ where: { threadId: id, isOpening: false }, select: { id: true } });
    const target = replies[0]?.id ?? '';
    const acceptForm = await get(url, owner.cookie);
    const ownerCsrf = /name="_csrf" value="([^"]+)"/.exec(acceptForm.body)?.[1] ?? '';
    const ownerCookie = [owner.cookie, ...acceptForm.cookies.map((k) => `${k.name}=${k.value}`)].join('; ');
    const [accepted, deleted] = await Promise.all([
      t.app.inject({
        method: 'POST',
        url: `${url}/posts/${target}/accept`,
        headers: { cookie: ownerCookie },
        payload: { _csrf: ownerCsrf },
      }),
      t.app.inject({
        method: 'POST',
        url: `${url}/posts/${target}/delete`,
        headers: { cookie },
        payload: { _csrf: csrf, confirm: 'yes' },
      }),
    ]);
    expect(deleted.statusCode).toBe(303);
    expect([303, 404]).toContain(accepted.statusCode);
    const final = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(final.replyCount).toBe(11);
    expect(final.acceptedPostId).toBeNull();
  });
});

describe('editing and deleting', () => {
  it('keeps a revision, shows "editada", and lets moderators and the author read the history', async () => {
    const { c, owner, moderator, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const editUrl = `${url}/posts/${opening.id}/edit`;
    const edited = await submitForm(
      t.app,
      editUrl,
      {
        title: 'Licencias de obra menor (resuelto)',
        body: `${QUESTION_TEXT} Actualizo: ya tenemos modelo.`,
        tag: 'PROFESSIONAL',
      },
      { cookie: owner.cookie },
    );
    expect(edited.statusCode, edited.body.slice(0, 500)).toBe(303);
    const thread = await t.db.thread.findUniqueOrThrow({ where: { id } });
    expect(thread.title).toBe('Licencias de obra menor (resuelto)');
    const revisions = await t.db.postRevision.findMany({ where: { postId: opening.id } });
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({ title: 'Licencias de obra menor', source: QUESTION_TEXT });
    expect(await t.db.policyDecision.count({ where: { postId: opening.id } })).toBe(2);

    const page = await get(url, member.cookie);
    expect(page.body).toContain('class="post__edited">editada<');
    const history = `${url}/posts/${opening.id}/history`;
    expect((await get(history, moderator.cookie)).body).toContain(QUESTION_TEXT);
    expect((await get(history, owner.cookie)).statusCode).toBe(200);
    expect((await get(history, member.cookie)).statusCode).toBe(404);
  });

  it('refuses editing someone else’s post with a message, changing nothing', async () => {
    const { c, owner, member } = await community();
    const { id } = await openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const editUrl = `/c/${c.slug}/threads/${id}/posts/${opening.id}/edit`;
    const form = await get(editUrl, member.cookie);
    expect(form.statusCode).toBe(403);
    expect(form.body).toContain('Solo quien escribió esta publicación puede cambiarla o eliminarla.');
    const attempt = await submitForm(
      t.app,
      editUrl,
      { title: 'Hackeado', body: 'Otro texto', tag: 'PROFESSIONAL' },
      { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/${id}` },
    );
    expect(attempt.statusCode).toBe(403);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: opening.id } })).source).toBe(QUESTION_TEXT);
    expect(await t.db.postRevision.count({ where: { postId: opening.id } })).toBe(0);
  });

  it('leaves a tombstone that keeps answers in place, and lowers the reply count', async () => {
    const { c, owner, member, other } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const answerId = await postReply(url, other.cookie, { parentId: replyId });
    expect((await act(`${url}/posts/${replyId}/delete`, other.cookie, { confirm: 'yes' }, url)).statusCode).toBe(403);
    expect((await act(`${url}/posts/${replyId}/delete`, member.cookie, { confirm: 'yes' }, url)).statusCode).toBe(303);
    const page = await get(url, owner.cookie);
    expect(page.body).toContain('Su autor o autora eliminó esta publicación.');
    const article = page.body.slice(page.body.indexOf(`id="post-${replyId}"`));
    expect(article.slice(0, article.indexOf('</article>'))).not.toContain(ANSWER_TEXT);
    expect(page.body).toContain(`id="post-${answerId}"`);
    const reply = await t.db.post.findUniqueOrThrow({ where: { id: replyId } });
    expect(reply).toMatchObject({ status: 'DELETED', source: '', html: '' });
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(1);
    // Deleted twice: still one fewer, not two.
    expect((await act(`${url}/posts/${replyId}/delete`, member.cookie, { confirm: 'yes' }, url)).statusCode).toBe(404);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(1);
  });
});

describe('accepted answers, reactions and moderation', () => {
  it('lets the question’s author or a moderator accept an answer of that thread only', async () => {
    const { c, owner, moderator, member, other } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    expect((await act(`${url}/posts/${replyId}/accept`, other.cookie, {}, url)).statusCode).toBe(403);
    expect((await act(`${url}/posts/${replyId}/accept`, owner.cookie, {}, url)).statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).acceptedPostId).toBe(replyId);
    const page = await get(url, other.cookie);
    expect(page.body).toContain('Respuesta aceptada');
    expect(page.body).toContain('Resuelta');

    const elsewhere = await openThread(c.slug, owner.cookie, { title: 'Otra pregunta' });
    const foreign = await act(`${elsewhere.url}/posts/${replyId}/accept`, owner.cookie, {}, elsewhere.url);
    expect(foreign.statusCode).toBe(404);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: elsewhere.id } })).acceptedPostId).toBeNull();

    expect((await act(`${url}/posts/${replyId}/unaccept`, moderator.cookie, {}, url)).statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).acceptedPostId).toBeNull();

    const discussion = await openThread(c.slug, owner.cookie, { kind: 'DISCUSSION', title: 'Debate' });
    const discussionReply = await postReply(discussion.url, member.cookie);
    const notQuestion = await act(
      `${discussion.url}/posts/${discussionReply}/accept`,
      owner.cookie,
      {},
      discussion.url,
    );
    expect(notQuestion.statusCode).toBe(422);
  });

  it('counts one "me gusta" and one "útil" per person, added and taken back', async () => {
    const { c, owner, member, other } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const react = (cookie: string, kind: string, state = 'on') =>
      act(`${url}/posts/${replyId}/react`, cookie, { kind, state }, url);
    expect((await react(owner.cookie, 'LIKE')).statusCode).toBe(303);
    await react(owner.cookie, 'USEFUL');
    await react(other.cookie, 'USEFUL');
    let page = await get(url, owner.cookie);
    expect(page.body).toContain('Me gusta (1)');
    expect(page.body).toContain('Útil (2)');
    await react(owner.cookie, 'USEFUL', 'off');
    page = await get(url, owner.cookie);
    expect(page.body).toContain('Útil (1)');
    expect(await t.db.reaction.count({ where: { postId: replyId } })).toBe(2);
    expect((await react(owner.cookie, 'LOVE')).statusCode).toBe(422);
    const outsider = await person();
    const outsiderReacts = await act(
      `${url}/posts/${replyId}/react`,
      outsider.cookie,
      { kind: 'LIKE', state: 'on' },
      url,
    );
    expect(outsiderReacts.statusCode).toBe(403);
  });

  it('lets moderators pin and unpin; audits it', async () => {
    const { c, owner, moderator } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    expect((await act(`${url}/pin`, owner.cookie, {}, url)).statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).pinned).toBe(true);
    expect((await act(`${url}/unpin`, moderator.cookie, {}, url)).statusCode).toBe(303);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).pinned).toBe(false);
    expect(
      await t.db.auditEntry.count({ where: { targetId: id, action: { in: ['thread.pin', 'thread.unpin'] } } }),
    ).toBe(2);
  });
});

describe('the home page', () => {
  it('shows members the latest conversations of their communities in their feed, and nobody else', async () => {
    const { c, owner, member } = await community({ visibility: 'PRIVATE' });
    await openThread(c.slug, owner.cookie, { title: 'Conversación para la portada' });
    const home = await get('/', member.cookie);
    expect(home.body).toContain('<h1>Su inicio</h1>');
    expect(home.body).toContain('Conversación para la portada');
    const outsider = await person();
    const theirs = await get('/', outsider.cookie);
    expect(theirs.body).not.toContain('Conversación para la portada');
    expect(theirs.body).toContain('Su inicio está vacío');
    expect((await get('/')).body).not.toContain('Su inicio');
  });
});

describe('topics', () => {
  it('lists only the threads the viewer may read', async () => {
    const { c, owner } = await community();
    const secret = await community({ visibility: 'SECRET' });
    const topic = `#Padron${Date.now()}`;
    await openThread(c.slug, owner.cookie, { title: 'Padrón abierto', body: `${QUESTION_TEXT} ${topic}` });
    await openThread(secret.c.slug, secret.owner.cookie, {
      title: 'Padrón secreto',
      body: `${QUESTION_TEXT} ${topic}`,
    });
    const slug = topic.slice(1).toLowerCase();
    const outsider = await person();
    const seen = await get(`/t/${slug}`, outsider.cookie);
    expect(seen.body).toContain('Padrón abierto');
    expect(seen.body).not.toContain('Padrón secreto');
    expect((await get(`/t/${slug}`, secret.owner.cookie)).body).toContain('Padrón secreto');
    expect((await get('/t/no-existe-este-tema')).statusCode).toBe(404);
  });

  it('orders threads by last activity, a reply on the topic brings its thread, an edit takes the topic away', async () => {
    const { c, owner, member } = await community();
    const topic = `Agenda${Date.now()}`;
    const slug = topic.toLowerCase();
    const first = await openThread(c.slug, owner.cookie, {
      title: 'Agenda primera',
      body: `${QUESTION_TEXT} #${topic}`,
    });
    const second = await openThread(c.slug, owner.cookie, {
      title: 'Agenda segunda',
      body: `${QUESTION_TEXT} #${topic}`,
    });
    const other = await openThread(c.slug, owner.cookie, { title: 'Agenda tercera', body: QUESTION_TEXT });
    const order = async () => {
      const body = (await get(`/t/${slug}`, member.cookie)).body;
      return ['Agenda primera', 'Agenda segunda', 'Agenda tercera']
        .filter((title) => body.includes(title))
        .sort((a, b) => body.indexOf(a) - body.indexOf(b));
    };
    expect(await order()).toEqual(['Agenda segunda', 'Agenda primera']);
    // A reply bumps the first thread to the top; a reply naming the topic brings the third.
    await postReply(first.url, member.cookie);
    expect(await order()).toEqual(['Agenda primera', 'Agenda segunda']);
    await postReply(other.url, member.cookie, { body: `${ANSWER_TEXT} #${topic}` });
    expect(await order()).toEqual(['Agenda tercera', 'Agenda primera', 'Agenda segunda']);
    // The second thread's opening post edited without the topic: it leaves the topic page.
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: second.id, isOpening: true } });
    const edited = await submitForm(
      t.app,
      `${second.url}/posts/${opening.id}/edit`,
      { title: 'Agenda segunda', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
      { cookie: owner.cookie },
    );
    expect(edited.statusCode).toBe(303);
    expect(await order()).toEqual(['Agenda tercera', 'Agenda primera']);
  });
});

describe('attachments', () => {
  const png = () =>
    sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

  it('stores files under generated names and serves them only to readers, images inline, others as downloads', async () => {
    const { c, owner, member } = await community({ visibility: 'PRIVATE' });
    const response = await submitMultipart(
      t.app,
      `/c/${c.slug}/threads`,
      { title: 'Con adjuntos', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
      [
        { field: 'files', name: 'plano.png', bytes: await png(), type: 'image/png' },
        { field: 'files', name: 'modelo de informe.pdf', bytes: pdf, type: 'application/pdf' },
      ],
      { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
    );
    expect(response.statusCode, response.body.slice(0, 2000)).toBe(303);
    const files = await t.db.attachment.findMany({
      where: { uploaderId: member.user.id },
      orderBy: { displayName: 'asc' },
    });
    expect(files.map((f) => [f.displayName, f.mimeType, f.isImage])).toEqual([
      ['modelo de informe.pdf', 'application/pdf', false],
      ['plano.png', 'image/png', true],
    ]);
    for (const file of files) {
      expect(file.postId).not.toBeNull();
      expect(file.storageName).not.toContain('plano');
      expect(file.storageName).not.toContain('informe');
    }
    const [pdfFile, pngFile] = files;
    const image = await get(`/attachments/${pngFile?.id}/plano.png`, owner.cookie);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(String(image.headers['content-disposition'])).toMatch(/^inline/);
    const download = await get(`/attachments/${pdfFile?.id}`, owner.cookie);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(String(download.headers['content-disposition'])).toMatch(
      /^attachment; filename\*=UTF-8''modelo%20de%20informe\.pdf/,
    );
    expect(download.rawPayload.equals(pdf)).toBe(true);

    const outsider = await person();
    expect((await get(`/attachments/${pngFile?.id}/plano.png`, outsider.cookie)).statusCode).toBe(404);
    expect((await get(`/attachments/${pngFile?.id}/plano.png`)).statusCode).toBe(404);

    // The image shows in the text where the author put it.
    const thread = await t.db.thread.findFirstOrThrow({ where: { communityId: c.id } });
    const post = await t.db.post.findFirstOrThrow({ where: { threadId: thread.id } });
    const edit = await submitForm(
      t.app,
      `/c/${c.slug}/threads/${thread.id}/posts/${post.id}/edit`,
      {
        title: 'Con adjuntos',
        body: `Mire el plano: ![plano](attachment:${pngFile?.id})`,
        tag: 'PROFESSIONAL',
        attachmentIds: [pngFile?.id ?? '', pdfFile?.id ?? ''] as unknown as string,
      },
      { cookie: member.cookie },
    );
    expect(edit.statusCode, edit.body.slice(0, 1000)).toBe(303);
    const updated = await t.db.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(updated.html).toContain(`<img src="/attachments/${pngFile?.id}/plano.png" alt="plano"`);
  });

  it('refuses a disguised or oversized file with a message, keeping the text and storing nothing', async () => {
    const { c, member } = await community();
    const before = await t.db.attachment.count();
    const disguised = await submitMultipart(
      t.app,
      `/c/${c.slug}/threads`,
      { title: 'Título guardado', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
      [
        {
          field: 'files',
          name: 'informe.pdf',
          bytes: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff'),
          type: 'application/pdf',
        },
      ],
      { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
    );
    expect(disguised.statusCode).toBe(422);
    expect(fieldError(disguised.body, 'files')).toMatch(/«informe\.pdf»/);
    expect(typed(disguised.body, 'body')).toBe(QUESTION_TEXT);
    expect(typed(disguised.body, 'title')).toBe('Título guardado');

    const small = await createTestApp({ ATTACHMENT_MAX_MB: '1' });
    try {
      const owner = await createUser(small.db, { organizationId: null });
      const org = await createOrganization(small.db);
      await small.db.user.update({ where: { id: owner.id }, data: { organizationId: org.id } });
      const c2 = await createCommunity(small.db, { organizationId: org.id, ownerId: owner.id });
      const cookie = await signInAs(small.app, owner.email);
      const big = await submitMultipart(
        small.app,
        `/c/${c2.slug}/threads`,
        { title: 'Grande', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
        [{ field: 'files', name: 'grande.pdf', bytes: Buffer.concat([pdf, Buffer.alloc(1_200_000, 32)]) }],
        { cookie, formUrl: `/c/${c2.slug}/threads/new` },
      );
      expect(big.statusCode).toBe(422);
      expect(fieldError(big.body, 'files')).toBe('«grande.pdf» pasa del máximo de 1 MB por archivo.');
      expect(await small.db.attachment.count()).toBe(0);
      expect(await small.db.thread.count()).toBe(0);
    } finally {
      await small.close();
    }
    expect(await t.db.attachment.count()).toBe(before);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('keeps a good file across a refused post, so nothing the author gave is lost', async () => {
    const { c, member } = await community();
    const refused = await submitMultipart(
      t.app,
      `/c/${c.slug}/threads`,
      { title: '', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
      [{ field: 'files', name: 'plano.png', bytes: await png(), type: 'image/png' }],
      { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
    );
    expect(refused.statusCode).toBe(422);
    const pending = await t.db.attachment.findFirstOrThrow({ where: { uploaderId: member.user.id } });
    expect(pending.postId).toBeNull();
    expect(refused.body).toContain(`name="attachmentIds" value="${pending.id}" checked`);
    // Someone else cannot claim it.
    const other = await person();
    await addMembership(t.db, c.id, other.user.id);
    const stolen = await newThread(c.slug, other.cookie, { attachmentIds: pending.id });
    expect(stolen.statusCode).toBe(422);
    expect(fieldError(stolen.body, 'files')).toBe('Algún archivo adjunto ya no está disponible. Vuelva a subirlo.');
    await openThread(c.slug, member.cookie, { title: 'Ahora sí', attachmentIds: pending.id });
    expect((await t.db.attachment.findUniqueOrThrow({ where: { id: pending.id } })).postId).not.toBeNull();
  });

  it('lets go of files left waiting for a post for more than a day, by the scheduled clean-up', async () => {
    const { c, member } = await community();
    const upload = (name: string) =>
      submitMultipart(
        t.app,
        `/c/${c.slug}/threads`,
        { title: '', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
        [{ field: 'files', name, bytes: pdf, type: 'application/pdf' }],
        { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
      );
    expect((await upload('viejo.pdf')).statusCode).toBe(422);
    const old = await t.db.attachment.findFirstOrThrow({ where: { uploaderId: member.user.id } });
    await t.db.attachment.update({ where: { id: old.id }, data: { createdAt: new Date(Date.now() - 25 * 3_600_000) } });
    const name = old.storageName;
    const file = path.join(t.config.attachments.dir, name.slice(0, 2), name.slice(2, 4), name);
    await expect(access(file)).resolves.toBeUndefined();
    expect((await upload('nuevo.pdf')).statusCode).toBe(422);
    // Uploading again leaves the old file alone: the scheduled job (hourly) lets it go.
    expect(await t.db.attachment.count({ where: { uploaderId: member.user.id } })).toBe(2);
    await t.app.jobs.queue.send(ATTACHMENT_JOBS.discardStale, {});
    await t.app.jobs.queue.drain();
    const left = await t.db.attachment.findMany({
      where: { uploaderId: member.user.id },
      select: { displayName: true },
    });
    expect(left).toEqual([{ displayName: 'nuevo.pdf' }]);
    await expect(access(file)).rejects.toThrow();
  });
});

describe('the thread page’s queries', () => {
  it('does not grow with the number of replies (20 and 200)', async () => {
    const queries: string[] = [];
    let counting = false;
    const q = await createTestApp({}, { onQuery: (sql) => counting && queries.push(sql) });
    try {
      const org = await createOrganization(q.db);
      const owner = await createUser(q.db, { organizationId: org.id });
      const readers = await Promise.all([1, 2, 3].map(() => createUser(q.db, { organizationId: org.id })));
      const c = await createCommunity(q.db, { organizationId: org.id, ownerId: owner.id });
      for (const reader of readers) await addMembership(q.db, c.id, reader.id);
      const cookie = await signInAs(q.app, owner.email);

      async function threadWith(replies: number) {
        const thread = await q.db.thread.create({
          data: {
            communityId: c.id,
            authorId: owner.id,
            title: `Con ${replies}`,
            kind: 'QUESTION',
            tag: 'PROFESSIONAL',
            replyCount: replies,
          },
        });
        await q.db.post.create({
          data: {
            threadId: thread.id,
            authorId: owner.id,
            isOpening: true,
            source: 'x',
            html: '<p>x</p>',
            tag: 'PROFESSIONAL',
          },
        });
        const tops = Math.ceil(replies / 2);
        const top = await q.db.post.createManyAndReturn({
          data: Array.from({ length: tops }, (_, i) => ({
            threadId: thread.id,
            authorId: readers[i % 3]?.id ?? owner.id,
            source: `r${i}`,
            html: `<p>r${i}</p>`,
            tag: 'PROFESSIONAL' as const,
            createdAt: new Date(Date.now() + i * 1000),
          })),
          select: { id: true },
        });
        const answers = await q.db.post.createManyAndReturn({
          data: Array.from({ length: replies - tops }, (_, i) => ({
            threadId: thread.id,
            authorId: readers[(i + 1) % 3]?.id ?? owner.id,
            parentId: top[i % tops]?.id ?? null,
            source: `a${i}`,
            html: `<p>a${i}</p>`,
            tag: 'PERSONAL' as const,
            createdAt: new Date(Date.now() + (tops + i) * 1000),
          })),
          select: { id: true },
        });
        const all = [...top, ...answers];
        await q.db.reaction.createMany({
          data: all.flatMap((post, i) => [
            { postId: post.id, userId: owner.id, kind: 'LIKE' as const },
            ...(i % 2 ? [{ postId: post.id, userId: readers[0]?.id ?? '', kind: 'USEFUL' as const }] : []),
          ]),
        });
        await q.db.policyDecision.createMany({
          data: all.map((post) => ({
            postId: post.id,
            communityId: c.id,
            authorId: owner.id,
            chosenTag: 'PROFESSIONAL' as const,
            suggestedTag: 'PROFESSIONAL' as const,
            confidence: 0.8,
            outcome: 'ALLOW' as const,
          })),
        });
        return `/c/${c.slug}/threads/${thread.id}`;
      }

      async function countFor(url: string) {
        queries.length = 0;
        counting = true;
        const page = await q.app.inject({ method: 'GET', url, headers: { cookie } });
        counting = false;
        expect(page.statusCode).toBe(200);
        return { count: queries.length, posts: page.body.split('<article class="post').length - 1 };
      }

      const small = await countFor(await threadWith(20));
      const large = await countFor(await threadWith(200));
      expect(small.posts).toBe(21);
      expect(large.posts).toBe(201);
      expect(small.count).toBeGreaterThan(3);
      expect(large.count).toBe(small.count);
      // The posts' statement, the costliest to plan, is the one kept prepared on each connection (db/client.ts).
      const posts = queries.filter((sql) => sql.includes('mentions_suspended'));
      expect(posts).toHaveLength(1);
      expect(posts[0]?.startsWith(PREPARED_STATEMENT)).toBe(true);
      // The thread is read without its author (the opening post shows them): no statement reads people alone.
      expect(queries.filter((sql) => /^SELECT "public"\."users"\./.test(sql))).toEqual([]);
      console.info(`thread page SQL queries: ${small.count} with 20 replies, ${large.count} with 200`);
    } finally {
      await q.close();
    }
  });
});
