import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Issue 14, item 8: words and small rules. One name per role wherever a role is shown; "útil" and
// accepted answers are others' judgement, never one's own; member lists and the organization beside
// a name are personal data, shown as the person's profile would show them; the audit log is read in
// words, not UUIDs and JSON.

let t: TestApp;
let home: { id: string; name: string };
beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Reglas Pequeñas' });
});
afterAll(async () => {
  await t.close();
});
const kit = threadTestKit(
  () => t,
  () => home,
);

function act(url: string, cookie: string, fields: Record<string, string>, formUrl: string) {
  return submitForm(t.app, url, fields, { cookie, formUrl });
}

describe('"útil" and accepted answers are what others judge', () => {
  it('refuses "útil" on one’s own post and shows no button for it; "me gusta" stays', async () => {
    const { c, owner, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, owner.cookie);
    const replyId = await kit.postReply(url, member.cookie);
    const own = await act(`${url}/posts/${replyId}/react`, member.cookie, { kind: 'USEFUL', state: 'on' }, url);
    expect(own.statusCode).toBe(403);
    expect(own.body).toContain('no se marca en las publicaciones propias');
    expect(await t.db.reaction.count({ where: { postId: replyId, kind: 'USEFUL' } })).toBe(0);
    const liked = await act(`${url}/posts/${replyId}/react`, member.cookie, { kind: 'LIKE', state: 'on' }, url);
    expect(liked.statusCode).toBe(303);
    const others = await act(`${url}/posts/${replyId}/react`, owner.cookie, { kind: 'USEFUL', state: 'on' }, url);
    expect(others.statusCode).toBe(303);

    const page = (await kit.get(url, member.cookie)).body;
    expect(page).not.toContain(`formaction="${url}/posts/${replyId}/react" name="reaction" value="USEFUL`);
    expect(page).toContain(`formaction="${url}/posts/${replyId}/react" name="reaction" value="LIKE`);
    expect(page).toContain('Útil (1)');
  });

  it('refuses the asker’s own reply as the accepted answer, and offers no button for it', async () => {
    const { c, owner, member } = await kit.community();
    const { id, url } = await kit.openThread(c.slug, owner.cookie, { kind: 'QUESTION' });
    const ownReply = await kit.postReply(url, owner.cookie, { body: 'Ya lo he resuelto yo con la ordenanza.' });
    const othersReply = await kit.postReply(url, member.cookie);
    const refused = await act(`${url}/posts/${ownReply}/accept`, owner.cookie, {}, url);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Una respuesta de quien hizo la pregunta no puede ser su respuesta aceptada');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id } })).acceptedPostId).toBeNull();
    // Not by a moderator of the community either: it is still the asker answering themselves.
    const { c: c2, owner: owner2, moderator } = await kit.community();
    const q2 = await kit.openThread(c2.slug, owner2.cookie, { kind: 'QUESTION' });
    const self2 = await kit.postReply(q2.url, owner2.cookie);
    expect((await act(`${q2.url}/posts/${self2}/accept`, moderator.cookie, {}, q2.url)).statusCode).toBe(403);

    const page = (await kit.get(url, owner.cookie)).body;
    expect(page).not.toContain(`${url}/posts/${ownReply}/accept`);
    expect(page).toContain(`${url}/posts/${othersReply}/accept`);
    expect((await act(`${url}/posts/${othersReply}/accept`, owner.cookie, {}, url)).statusCode).toBe(303);
  });
});

describe('member lists and organizations beside names', () => {
  it('sends a signed-out visitor to sign in instead of listing members, and names no moderator', async () => {
    const { c, moderator } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const moderatorName = (await t.db.user.findUniqueOrThrow({ where: { id: moderator.user.id } })).displayName;
    const members = await kit.get(`/c/${c.slug}/members`);
    expect(members.statusCode).toBe(303);
    expect(members.headers.location).toBe(`/sign-in?returnTo=${encodeURIComponent(`/c/${c.slug}/members`)}`);
    const searched = await kit.get(`/c/${c.slug}/members?q=${encodeURIComponent(moderatorName)}`);
    expect(searched.statusCode).toBe(303);
    const show = await kit.get(`/c/${c.slug}`);
    expect(show.statusCode).toBe(200);
    expect(show.body).not.toContain(moderatorName);
    expect(show.body).toContain('inicie sesión para ver quién participa');
    // Signed in, the names are there.
    const citizen = await createUser(t.db, { kind: 'CITIZEN' });
    const signedIn = await kit.get(`/c/${c.slug}/members`, await signInAs(t.app, citizen.email));
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toContain(moderatorName);
  });

  it('shows an employee’s organization to citizens and visitors only where their profile makes it public', async () => {
    const { c, member } = await kit.community({ audience: 'OPEN', visibility: 'PUBLIC' });
    const { url } = await kit.openThread(c.slug, member.cookie, { kind: 'DISCUSSION', tag: 'PROFESSIONAL' });
    const citizen = await createUser(t.db, { kind: 'CITIZEN' });
    await addMembership(t.db, c.id, citizen.id);
    const citizenCookie = await signInAs(t.app, citizen.email);
    const colleague = await kit.person();

    const byline = (html: string) => html.includes(`<span class="post__org"><bdi>${home.name}</bdi></span>`);
    expect(byline((await kit.get(url)).body)).toBe(false);
    expect(byline((await kit.get(url, citizenCookie)).body)).toBe(false);
    expect(byline((await kit.get(url, colleague.cookie)).body)).toBe(true);
    const list = (await kit.get(`/c/${c.slug}`)).body;
    expect(list).not.toContain(`(<bdi>${home.name}</bdi>)`);
    const members = (await kit.get(`/c/${c.slug}/members`, citizenCookie)).body;
    expect(members).not.toContain(home.name);

    await t.db.user.update({ where: { id: member.user.id }, data: { publicFields: ['organization'] } });
    expect(byline((await kit.get(url)).body)).toBe(true);
    expect((await kit.get(`/c/${c.slug}`)).body).toContain(`(<bdi>${home.name}</bdi>)`);
    expect((await kit.get(`/c/${c.slug}/members`, citizenCookie)).body).toContain(home.name);
  });
});

describe('the language switch on a page a form answered', () => {
  it('brings the reader back to the form’s page, not to the POST’s address that has no page', async () => {
    const { c, member } = await kit.community();
    const { url } = await kit.openThread(c.slug, member.cookie);
    const form = await kit.get(url, member.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const cookie = [member.cookie, ...form.cookies.map((k) => `${k.name}=${k.value}`)].join('; ');
    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie, referer: `http://localhost${url}` },
      payload: { _csrf: csrf, body: '', tag: 'PROFESSIONAL' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain(`name="returnTo" value="${url}"`);
    // From another site's page, home.
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: `${url}/replies`,
      headers: { cookie, referer: 'https://evil.example/x' },
      payload: { _csrf: csrf, body: '', tag: 'PROFESSIONAL' },
    });
    expect(elsewhere.body).toContain('name="returnTo" value="/"');
  });
});

describe('one name for each role', () => {
  it('calls the owner "Responsable" in the directory as in "Mis comunidades"', async () => {
    const { c, owner } = await kit.community();
    const name = (await t.db.community.findUniqueOrThrow({ where: { id: c.id } })).name;
    const card = (html: string) => {
      const at = html.indexOf(`<bdi>${name}</bdi>`);
      return html.slice(at, html.indexOf('</li>', at));
    };
    const directory = await kit.get(`/communities?q=${encodeURIComponent(name)}`, owner.cookie);
    const mine = await kit.get('/communities/mine', owner.cookie);
    expect(card(directory.body)).toContain('<p class="community-card__membership">Responsable</p>');
    expect(card(mine.body)).toContain('<p class="community-card__membership">Responsable</p>');
  });
});

describe('the audit log in words', () => {
  it('names actions, targets and the records in details, with links, and shows no JSON', async () => {
    const org = await createOrganization(t.db, { name: 'Diputación del Registro Legible' });
    const admin = await createUser(t.db, { role: 'ADMIN', organizationId: org.id, displayName: 'Admin Legible' });
    const adminCookie = await signInAs(t.app, admin.email);
    const owner = await kit.person({ displayName: 'Rosa Responsable' });
    const c = await createCommunity(t.db, { organizationId: home.id, ownerId: owner.user.id });
    const community = await t.db.community.findUniqueOrThrow({ where: { id: c.id } });
    const invited = await kit.person({ displayName: 'Iván Invitado' });
    const invite = await submitForm(
      t.app,
      `/c/${c.slug}/invitations`,
      { who: `@${(await t.db.user.findUniqueOrThrow({ where: { id: invited.user.id } })).handle}` },
      { cookie: owner.cookie, formUrl: `/c/${c.slug}/members` },
    );
    expect(invite.statusCode).toBe(303);

    const page = await kit.get('/admin/audit?action=community.invite', adminCookie);
    expect(page.statusCode).toBe(200);
    const row = page.body.slice(page.body.indexOf('<tbody>'), page.body.indexOf('</tbody>'));
    expect(row).toContain('Invitación a una comunidad');
    expect(row).toContain('<code class="audit-code">community.invite</code>');
    expect(row).toContain(`<a href="/c/${c.slug}"><bdi>${community.name}</bdi></a>`);
    expect(row).toContain('<dt>Persona</dt>');
    expect(row).toContain(`<a href="/admin/users/${invited.user.id}"><bdi>Iván Invitado (@`);
    // No record's id is shown as text: ids are left only in links' addresses, and in the request id
    // that ties the entry to the server's log.
    const shown = row.replace(/href="[^"]*"/g, '').replace(/<td><code>[0-9a-f-]{36}<\/code>/g, '');
    expect(shown.match(/[\s\S]{0,120}[0-9a-f]{8}-[0-9a-f]{4}-[\s\S]{0,40}/)?.[0] ?? null).toBeNull();
    expect(row).not.toMatch(/\{"/);
  });
});
