import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization } from '../support/factories.js';
import { confirmationIn, cookieHeader, textareaText } from '../support/forms.js';
import { ANSWER_TEXT, QUESTION_TEXT, threadTestKit } from '../support/threads.js';

// Issue 9, "Actions mean what the button showed": toggles carry the state they ask for, a form sent
// twice publishes once, an edit without changes stores nothing.

let t: TestApp;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Acciones' });
});
afterAll(async () => {
  await t.close();
});

const BODY = QUESTION_TEXT;
const ANSWER = ANSWER_TEXT;
const { get, person, openThread, postReply, ...kit } = threadTestKit(
  () => t,
  () => townHall,
);
const community = (visibility: 'PUBLIC' | 'PRIVATE' | 'SECRET' = 'PUBLIC') => kit.community({ visibility });

/** A page with forms as a browser tab holds it: its HTML, its CSRF token and the cookies to send back. */
async function tab(url: string, cookie: string) {
  const page = await get(url, cookie);
  expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { html: page.body, csrf, cookie: [cookie, cookieHeader(page)].filter(Boolean).join('; ') };
}

/** Sends a form from a tab exactly as given: the same call twice is the same request twice. */
function send(from: { csrf: string; cookie: string }, url: string, fields: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: from.cookie },
    payload: { _csrf: from.csrf, ...fields },
  });
}

/** The hidden fields of the form posting to `action` (the first one), as a browser would send them. */
function hiddenFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    if (match[1] && match[1] !== '_csrf') fields[match[1]] = match[2] ?? '';
  }
  return fields;
}

const auditCount = (targetId: string, action: string) => t.db.auditEntry.count({ where: { targetId, action } });

describe('toggles carry the state they ask for', () => {
  it.each(['LIKE', 'USEFUL'] as const)('a stale or repeated %s button changes nothing', async (kind) => {
    const { c, owner, member } = await community();
    const { url } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, owner.cookie);
    const action = `${url}/posts/${replyId}/react`;
    const count = () => t.db.reaction.count({ where: { postId: replyId, kind } });

    // Two tabs show "Me gusta (0)": both buttons mean "add".
    const first = await tab(url, member.cookie);
    const second = await tab(url, member.cookie);
    // The button of the thread's one action form that names this post and this reaction.
    const press = (from: typeof first) => {
      const value = new RegExp(`formaction="${action}" name="reaction" value="(${kind}:(?:on|off))"`).exec(
        from.html,
      )?.[1];
      return send(from, action, { reaction: value ?? '' });
    };
    expect((await press(first)).statusCode).toBe(303);
    expect(await count()).toBe(1);
    expect((await press(second)).statusCode).toBe(303);
    expect(await count()).toBe(1);
    // The same request twice (a resent POST): still one.
    expect((await press(first)).statusCode).toBe(303);
    expect(await count()).toBe(1);

    // The page now offers to take it back; pressed twice, it is taken back once and stays off.
    const third = await tab(url, member.cookie);
    expect((await press(third)).statusCode).toBe(303);
    expect((await press(third)).statusCode).toBe(303);
    expect(await count()).toBe(0);
    // A request that names no state asks for a reaction: sent twice, one.
    expect((await send(third, action, { kind })).statusCode).toBe(303);
    expect((await send(third, action, { kind })).statusCode).toBe(303);
    expect(await count()).toBe(1);
    // Anything else is refused, not guessed.
    expect((await send(third, action, { kind, state: 'toggle' })).statusCode).toBe(422);
    expect(await count()).toBe(1);
  });

  it('pins, unpins, locks and unlocks once however many times the form is sent', async () => {
    const { c, owner, moderator } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const page = await tab(url, moderator.cookie);
    for (const action of ['pin', 'lock']) {
      expect((await send(page, `${url}/${action}`, {})).statusCode).toBe(303);
      expect((await send(page, `${url}/${action}`, {})).statusCode).toBe(303);
    }
    expect(await t.db.thread.findUniqueOrThrow({ where: { id } })).toMatchObject({ pinned: true, locked: true });
    expect(await auditCount(id, 'thread.pin')).toBe(1);
    expect(await auditCount(id, 'thread.lock')).toBe(1);
    // A stale "Fijar" after someone unpinned it pins it (what it showed), once.
    await send(page, `${url}/unpin`, {});
    await send(page, `${url}/unpin`, {});
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).pinned).toBe(false);
    expect(await auditCount(id, 'thread.unpin')).toBe(1);
  });

  it('accepts and unaccepts an answer once however many times the form is sent', async () => {
    const { c, owner, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, member.cookie);
    const page = await tab(url, owner.cookie);
    for (let i = 0; i < 2; i++) {
      expect((await send(page, `${url}/posts/${replyId}/accept`, {})).statusCode).toBe(303);
    }
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).acceptedPostId).toBe(replyId);
    expect(await auditCount(id, 'thread.accept_answer')).toBe(1);
    for (let i = 0; i < 2; i++) {
      expect((await send(page, `${url}/posts/${replyId}/unaccept`, {})).statusCode).toBe(303);
    }
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).acceptedPostId).toBeNull();
    expect(await auditCount(id, 'thread.unaccept_answer')).toBe(1);
  });

  it('joins, asks to join and leaves once however many times the form is sent', async () => {
    const open = await community('PUBLIC');
    const closed = await community('PRIVATE');
    const someone = await person();
    const membership = (communityId: string) =>
      t.db.membership.findUnique({ where: { communityId_userId: { communityId, userId: someone.user.id } } });

    const page = await tab(`/c/${open.c.slug}`, someone.cookie);
    expect((await send(page, `/c/${open.c.slug}/join`, {})).statusCode).toBe(303);
    expect((await send(page, `/c/${open.c.slug}/join`, {})).statusCode).toBe(303);
    expect((await membership(open.c.id))?.state).toBe('ACTIVE');
    expect(await auditCount(open.c.id, 'community.join')).toBe(1);
    expect((await send(page, `/c/${open.c.slug}/leave`, {})).statusCode).toBe(303);
    expect((await send(page, `/c/${open.c.slug}/leave`, {})).statusCode).toBe(303);
    expect(await membership(open.c.id)).toBeNull();
    expect(await auditCount(open.c.id, 'community.leave')).toBe(1);

    const other = await tab(`/c/${closed.c.slug}`, someone.cookie);
    expect((await send(other, `/c/${closed.c.slug}/request`, {})).statusCode).toBe(303);
    expect((await send(other, `/c/${closed.c.slug}/request`, {})).statusCode).toBe(303);
    expect((await membership(closed.c.id))?.state).toBe('PENDING');
    expect(await auditCount(closed.c.id, 'community.request')).toBe(1);

    const secret = await community('SECRET');
    await addMembership(t.db, secret.c.id, someone.user.id, 'INVITED');
    const invitation = await tab(`/c/${secret.c.slug}`, someone.cookie);
    expect((await send(invitation, `/c/${secret.c.slug}/accept`, {})).statusCode).toBe(303);
    expect((await send(invitation, `/c/${secret.c.slug}/accept`, {})).statusCode).toBe(303);
    expect((await membership(secret.c.id))?.state).toBe('ACTIVE');
    expect(await auditCount(secret.c.id, 'community.invitation_accept')).toBe(1);
  });
});

describe('a form sent twice publishes once', () => {
  const threadFields = { title: 'Modelo de ordenanza', kind: 'DISCUSSION', body: BODY, tag: 'PROFESSIONAL' };

  it('opens one thread when the new-thread form is sent twice, one after the other or at once', async () => {
    const { c, member } = await community();
    const form = await tab(`/c/${c.slug}/threads/new`, member.cookie);
    const key = hiddenFields(form.html, `/c/${c.slug}/threads`).submissionKey;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const fields = { ...threadFields, submissionKey: key ?? '' };
    const first = await send(form, `/c/${c.slug}/threads`, fields);
    const again = await send(form, `/c/${c.slug}/threads`, fields);
    expect(first.statusCode).toBe(303);
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(1);

    // A double click: both copies arrive together.
    const next = await tab(`/c/${c.slug}/threads/new`, member.cookie);
    const nextKey = hiddenFields(next.html, `/c/${c.slug}/threads`).submissionKey ?? '';
    expect(nextKey).not.toBe(key);
    const both = { ...threadFields, title: 'Otra ordenanza', submissionKey: nextKey };
    const [a, b] = await Promise.all([
      send(next, `/c/${c.slug}/threads`, both),
      send(next, `/c/${c.slug}/threads`, both),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(2);
  });

  it('opens one thread when the same words are sent twice without a key (a client that sends none)', async () => {
    const { c, member } = await community();
    const form = await tab(`/c/${c.slug}/threads/new`, member.cookie);
    const [a, b] = await Promise.all([
      send(form, `/c/${c.slug}/threads`, threadFields),
      send(form, `/c/${c.slug}/threads`, threadFields),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect((await send(form, `/c/${c.slug}/threads`, threadFields)).headers.location).toBe(a.headers.location);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(1);
    // Other words are another thread.
    await send(form, `/c/${c.slug}/threads`, { ...threadFields, title: 'Otro título' });
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(2);
  });

  it('keeps the key through a warning, so the confirmed form still publishes once', async () => {
    const { c, member } = await community();
    const form = await tab(`/c/${c.slug}/threads/new`, member.cookie);
    const key = hiddenFields(form.html, `/c/${c.slug}/threads`).submissionKey ?? '';
    // A personal tag on a clearly professional text asks for confirmation first.
    const fields = { ...threadFields, tag: 'PERSONAL', submissionKey: key };
    const warned = await send(form, `/c/${c.slug}/threads`, fields);
    expect(warned.statusCode).toBe(422);
    expect(hiddenFields(warned.body, `/c/${c.slug}/threads`).submissionKey).toBe(key);
    const confirmed = { ...fields, confirmation: confirmationIn(warned.body) };
    expect((await send(form, `/c/${c.slug}/threads`, confirmed)).statusCode).toBe(303);
    expect((await send(form, `/c/${c.slug}/threads`, confirmed)).statusCode).toBe(303);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(1);
  });

  it('publishes one reply and one answer when their forms are sent twice', async () => {
    const { c, owner, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const page = await tab(url, member.cookie);
    const replyKey = hiddenFields(page.html, `${url}/replies`).submissionKey ?? '';
    const reply = { body: ANSWER, tag: 'PROFESSIONAL', submissionKey: replyKey };
    const [a, b] = await Promise.all([send(page, `${url}/replies`, reply), send(page, `${url}/replies`, reply)]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect((await send(page, `${url}/replies`, reply)).headers.location).toBe(a.headers.location);
    const replyId = /#post-([0-9a-f-]{36})/.exec(String(a.headers.location))?.[1] ?? '';
    expect(await t.db.post.count({ where: { threadId: id, isOpening: false } })).toBe(1);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(1);

    // The form that answers that reply ("Responder a esta respuesta" links to it) has a key of its own.
    const answerKeyIn = (html: string) => {
      const form = html.slice(html.indexOf('id="reply-form"'));
      expect(form).toContain(`name="parentId" value="${replyId}"`);
      return /name="submissionKey" value="([^"]+)"/.exec(form)?.[1] ?? '';
    };
    const withReply = await tab(`${url}?answer=${replyId}`, owner.cookie);
    const answerKey = answerKeyIn(withReply.html);
    expect(answerKey).not.toBe(replyKey);
    const answer = { body: 'Gracias, nos sirve.', tag: 'PROFESSIONAL', parentId: replyId, submissionKey: answerKey };
    await send(withReply, `${url}/replies`, answer);
    await send(withReply, `${url}/replies`, answer);
    expect(await t.db.post.count({ where: { threadId: id, parentId: replyId } })).toBe(1);
    // A later, different form with the same words is a new answer (the key says it is another submission).
    const later = await tab(`${url}?answer=${replyId}`, owner.cookie);
    const laterKey = answerKeyIn(later.html);
    await send(later, `${url}/replies`, { ...answer, submissionKey: laterKey });
    expect(await t.db.post.count({ where: { threadId: id, parentId: replyId } })).toBe(2);
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).replyCount).toBe(3);
  });

  it('publishes the changed words of a form the author went back to, once, and loses nothing', async () => {
    const { c, owner, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const page = await tab(url, member.cookie);
    const key = hiddenFields(page.html, `${url}/replies`).submissionKey ?? '';
    const first = await send(page, `${url}/replies`, { body: ANSWER, tag: 'PROFESSIONAL', submissionKey: key });
    // Back in the browser, the same form (the same key) with its text changed, sent twice.
    const changed = { body: `${ANSWER} Y otra cosa más.`, tag: 'PROFESSIONAL', submissionKey: key };
    const second = await send(page, `${url}/replies`, changed);
    const third = await send(page, `${url}/replies`, changed);
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([303, 303, 303]);
    expect(second.headers.location).not.toBe(first.headers.location);
    expect(third.headers.location).toBe(second.headers.location);
    const replies = await t.db.post.findMany({
      where: { threadId: id, isOpening: false },
      orderBy: { createdAt: 'asc' },
    });
    expect(replies.map((post) => post.source)).toEqual([ANSWER, `${ANSWER} Y otra cosa más.`]);

    // The same for a new thread whose title was changed.
    const form = await tab(`/c/${c.slug}/threads/new`, member.cookie);
    const threadKey = hiddenFields(form.html, `/c/${c.slug}/threads`).submissionKey ?? '';
    const thread = { ...threadFields, title: 'Primer título', submissionKey: threadKey };
    await send(form, `/c/${c.slug}/threads`, thread);
    await send(form, `/c/${c.slug}/threads`, { ...thread, title: 'Título corregido' });
    await send(form, `/c/${c.slug}/threads`, { ...thread, title: 'Título corregido' });
    const titles = await t.db.thread.findMany({
      where: { communityId: c.id, authorId: member.user.id },
      select: { title: true },
    });
    expect(titles.map((row) => row.title).sort()).toEqual(['Primer título', 'Título corregido']);
  });

  it('publishes one reply when the same words are sent twice without a key', async () => {
    const { c, owner, member } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const page = await tab(url, member.cookie);
    const reply = { body: ANSWER, tag: 'PROFESSIONAL' };
    const [a, b] = await Promise.all([send(page, `${url}/replies`, reply), send(page, `${url}/replies`, reply)]);
    expect(a.headers.location).toBe(b.headers.location);
    expect(await t.db.post.count({ where: { threadId: id, isOpening: false } })).toBe(1);
  });
});

describe('an edit without changes stores nothing', () => {
  async function editOf(url: string, postId: string, cookie: string) {
    const form = await tab(`${url}/posts/${postId}/edit`, cookie);
    const field = (name: string) =>
      textareaText(form.html, `field-${name}`) ??
      new RegExp(`id="field-${name}" name="${name}" type="text" value="([^"]*)"`).exec(form.html)?.[1];
    return { form, title: field('title'), body: field('body') };
  }

  it('saves an unchanged opening post or reply without a revision, an "edited" mark or a decision', async () => {
    const { c, owner } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const replyId = await postReply(url, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    for (const [postId, withTitle] of [
      [opening.id, true],
      [replyId, false],
    ] as const) {
      const decisions = await t.db.policyDecision.count({ where: { postId } });
      const { form, title, body } = await editOf(url, postId, owner.cookie);
      expect(body).toBeTruthy();
      const fields: Record<string, string> = { body: `  ${body}\n`, tag: 'PROFESSIONAL' };
      if (withTitle) fields.title = ` ${title} `;
      const saved = await send(form, `${url}/posts/${postId}/edit`, fields);
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toContain('notice=post-unchanged');
      expect(await t.db.postRevision.count({ where: { postId } })).toBe(0);
      expect(await t.db.policyDecision.count({ where: { postId } })).toBe(decisions);
      expect((await t.db.post.findUniqueOrThrow({ where: { id: postId } })).editedAt).toBeNull();
    }
    const page = await get(url, owner.cookie);
    expect(page.body).not.toContain('class="post__edited"');
    expect((await get(`${url}?notice=post-unchanged`, owner.cookie)).body).toContain('No había cambios');
  });

  it('sees a post stored with LF line breaks, saved from a browser that sends CRLF, as unchanged', async () => {
    const { c, owner } = await community();
    const lines = ['Primera línea del expediente.', 'Segunda línea, con el informe técnico.', '', 'Fin.'];
    const { url } = await openThread(c.slug, owner.cookie, { body: lines.join('\r\n') });
    const replyId = await postReply(url, owner.cookie, { body: lines.join('\r\n') });
    // As the demo data or an import stores text: LF.
    await t.db.post.update({ where: { id: replyId }, data: { source: lines.join('\n') } });
    const { form } = await editOf(url, replyId, owner.cookie);
    const saved = await send(form, `${url}/posts/${replyId}/edit`, { body: lines.join('\r\n'), tag: 'PROFESSIONAL' });
    expect(saved.headers.location).toContain('notice=post-unchanged');
    expect(await t.db.postRevision.count({ where: { postId: replyId } })).toBe(0);
    expect((await t.db.post.findUniqueOrThrow({ where: { id: replyId } })).editedAt).toBeNull();
  });

  it('still saves a change of the title alone, of the tag alone, or of the text alone', async () => {
    const { c, owner } = await community();
    const { url, id } = await openThread(c.slug, owner.cookie);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const changes: Record<string, string>[] = [
      { title: 'Licencias de obra menor (resuelto)', body: BODY, tag: 'PROFESSIONAL' },
      { title: 'Licencias de obra menor (resuelto)', body: BODY, tag: 'PERSONAL' },
      { title: 'Licencias de obra menor (resuelto)', body: `${BODY} Actualizo.`, tag: 'PERSONAL' },
    ];
    for (const [index, fields] of changes.entries()) {
      const { form } = await editOf(url, opening.id, owner.cookie);
      let saved = await send(form, `${url}/posts/${opening.id}/edit`, fields);
      // A personal tag on this text is warned of: the author confirms what they were shown.
      if (saved.statusCode === 422) {
        saved = await send(form, `${url}/posts/${opening.id}/edit`, {
          ...fields,
          confirmation: confirmationIn(saved.body),
        });
      }
      expect(saved.statusCode, saved.body.slice(0, 400)).toBe(303);
      expect(saved.headers.location).toContain('notice=post-edited');
      expect(await t.db.postRevision.count({ where: { postId: opening.id } })).toBe(index + 1);
    }
  });
});

describe('the community and profile forms mean what they showed too', () => {
  it('creates one community when its form is sent twice, one after the other or at once', async () => {
    const creator = await person();
    const form = await tab('/communities/new', creator.cookie);
    const slug = `doble-${Date.now()}`;
    const fields = {
      name: 'Comunidad del doble clic',
      slug,
      description: 'Para probar envíos repetidos.',
      audience: 'INTERNAL',
      visibility: 'PUBLIC',
      welcomedTags: ['PROFESSIONAL'],
    } as unknown as Record<string, string>;
    const [a, b] = await Promise.all([send(form, '/communities', fields), send(form, '/communities', fields)]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect((await send(form, '/communities', fields)).statusCode).toBe(303);
    const created = await t.db.community.findUniqueOrThrow({ where: { slug } });
    expect(await auditCount(created.id, 'community.create')).toBe(1);
    // Someone else asking for the same address is told it is taken.
    const other = await person();
    const taken = await send(await tab('/communities/new', other.cookie), '/communities', fields);
    expect(taken.statusCode).toBe(422);
  });

  // Decision kept from issue 4: a member action sent again is refused with a message (422, or 404 once
  // the membership is gone) rather than done again; either way it changes and records nothing.
  it('applies a moderator’s member action once however many times it is sent', async () => {
    const { c, owner } = await community();
    const someone = await person();
    await addMembership(t.db, c.id, someone.user.id, 'PENDING');
    const page = await tab(`/c/${c.slug}/members`, owner.cookie);
    const act = (action: string) => send(page, `/c/${c.slug}/members/${someone.user.id}/${action}`, {});
    const audits = (action: string) =>
      t.db.auditEntry.count({ where: { targetId: c.id, action: `community.member_${action}` } });
    for (const action of ['approve', 'promote', 'demote', 'ban', 'unban']) {
      expect((await act(action)).statusCode, action).toBe(303);
      expect([422, 404], `${action} again`).toContain((await act(action)).statusCode);
      expect(await audits(action), action).toBe(1);
    }
    expect(
      await t.db.membership.findUnique({
        where: { communityId_userId: { communityId: c.id, userId: someone.user.id } },
      }),
    ).toBeNull();
  });

  it('stores nothing when a community’s settings or a profile are saved without a change', async () => {
    const { c, owner } = await community();
    const settings = await tab(`/c/${c.slug}/settings`, owner.cookie);
    const current = await t.db.community.findUniqueOrThrow({ where: { id: c.id } });
    const fields = {
      name: current.name,
      description: current.description,
      rules: current.rules,
      visibility: current.visibility,
      welcomedTags: current.welcomedTags,
    } as unknown as Record<string, string>;
    expect((await send(settings, `/c/${c.slug}/settings`, fields)).statusCode).toBe(303);
    expect(await auditCount(c.id, 'community.settings')).toBe(0);
    expect((await t.db.community.findUniqueOrThrow({ where: { id: c.id } })).updatedAt).toEqual(current.updatedAt);
    expect((await send(settings, `/c/${c.slug}/settings`, { ...fields, name: 'Nombre nuevo' })).statusCode).toBe(303);
    expect(await auditCount(c.id, 'community.settings')).toBe(1);

    const profileForm = await tab('/account/profile', owner.cookie);
    const profile = { displayName: 'Nombre cambiado', jobTitle: 'Técnica', bio: '', expertise: '', publicFields: [] };
    const asFields = profile as unknown as Record<string, string>;
    expect((await send(profileForm, '/account/profile', asFields)).statusCode).toBe(303);
    expect((await send(profileForm, '/account/profile', asFields)).statusCode).toBe(303);
    expect(await auditCount(owner.user.id, 'profile.update')).toBe(1);
  });
});
