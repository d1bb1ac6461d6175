import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// People and expertise, follows and the home feed through HTTP (issue 12).

let t: TestApp;
let home: { id: string; name: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

type Person = Awaited<ReturnType<typeof kit.person>>;
let lucia: Person;
let reader: Person;
let citizen: Person;
let slug: string;

beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Vilanova' });
  const community = await kit.community({ name: 'Padrón municipal' });
  slug = community.c.slug;
  reader = community.member;
  lucia = await kit.person();
  await t.db.user.update({
    where: { id: lucia.user.id },
    data: { displayName: 'Lucía Martín', jobTitle: 'Técnica de contratación', expertise: ['Contratación', 'Padrón'] },
  });
  await addMembership(t.db, community.c.id, lucia.user.id);
  citizen = await kit.person({ kind: 'CITIZEN', organizationId: null });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

function names(body: string): string[] {
  return [...body.matchAll(/class="person-card__name"><a href="\/u\/([^"]+)"/g)].map((match) => match[1] ?? '');
}

describe('/people', () => {
  it('finds "Lucía Martín" typed as "lucia martin", and by job title, organization and expertise', async () => {
    for (const q of [
      'lucia martin',
      'LUCÍA',
      'tecnica contratacion',
      'vilanova martin',
      'padron',
      `@${lucia.user.handle}`,
    ]) {
      const response = await kit.get(`/people?q=${encodeURIComponent(q)}`, reader.cookie);
      expect(response.statusCode, q).toBe(200);
      expect(names(response.body), q).toContain(lucia.user.handle);
    }
    const nobody = await kit.get('/people?q=zzzz-nadie', reader.cookie);
    expect(names(nobody.body)).toEqual([]);
  });

  it('matches citizens only on what the person made public', async () => {
    const byName = await kit.get('/people?q=lucia', citizen.cookie);
    expect(names(byName.body)).toContain(lucia.user.handle);
    expect(byName.body).not.toContain('Técnica de contratación');
    const byJob = await kit.get('/people?q=tecnica', citizen.cookie);
    expect(names(byJob.body)).not.toContain(lucia.user.handle);
    await t.db.user.update({ where: { id: lucia.user.id }, data: { publicFields: ['jobTitle'] } });
    const nowPublic = await kit.get('/people?q=tecnica', citizen.cookie);
    expect(names(nowPublic.body)).toContain(lucia.user.handle);
    expect(nowPublic.body).toContain('Técnica de contratación');
    // Each field on its own: the organization and the expertise are found once public, not before.
    const found = async (q: string) => names((await kit.get(`/people?q=${q}`, citizen.cookie)).body);
    await t.db.user.update({ where: { id: lucia.user.id }, data: { publicFields: [] } });
    expect(await found('vilanova')).not.toContain(lucia.user.handle);
    expect(await found('padron')).not.toContain(lucia.user.handle);
    await t.db.user.update({ where: { id: lucia.user.id }, data: { publicFields: ['organization'] } });
    expect(await found('vilanova')).toContain(lucia.user.handle);
    expect(await found('padron')).not.toContain(lucia.user.handle);
    // The organization renamed: found by its new name (kept by the trigger), no longer by the old one.
    const { organizationId } = await t.db.user.findUniqueOrThrow({ where: { id: lucia.user.id } });
    const organization = await t.db.organization.findUniqueOrThrow({ where: { id: organizationId ?? '' } });
    await t.db.organization.update({ where: { id: organization.id }, data: { name: 'Concello de Lugoviejo' } });
    expect(await found('lugoviejo')).toContain(lucia.user.handle);
    expect(await found('vilanova')).not.toContain(lucia.user.handle);
    await t.db.organization.update({ where: { id: organization.id }, data: { name: organization.name } });
    await t.db.user.update({ where: { id: lucia.user.id }, data: { publicFields: ['expertise'] } });
    expect(await found('padron')).toContain(lucia.user.handle);
    expect(await found('vilanova')).not.toContain(lucia.user.handle);
    await t.db.user.update({ where: { id: lucia.user.id }, data: { publicFields: [] } });
  });

  it("searches a community's members the same way", async () => {
    const response = await kit.get(`/c/${slug}/members?q=${encodeURIComponent('LUCIA martin')}`, reader.cookie);
    expect(response.statusCode).toBe(200);
    const list = (body: string) => body.split('id="members-title"')[1] ?? '';
    expect(list(response.body)).toContain('Lucía Martín');
    expect(list(response.body)).not.toContain(reader.user.displayName);
    expect(list((await kit.get(`/c/${slug}/members`, reader.cookie)).body)).toContain(reader.user.displayName);
  });

  it('refuses a query that is too long with a message, the words kept', async () => {
    const response = await kit.get(`/people?q=${'x'.repeat(150)}`, reader.cookie);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('como mucho 100 caracteres');
    expect(response.body).toContain(`value="${'x'.repeat(150)}"`);
    for (const q of ['%26%7C!()%3A*', '%25%25', '_']) {
      expect((await kit.get(`/people?q=${q}`, reader.cookie)).statusCode).toBe(200);
    }
  });

  it('ranks who knows about a topic by accepted answers and "útil" reactions the viewer may read', async () => {
    const question = await kit.openThread(slug, reader.cookie, {
      title: 'Altas en el padrón',
      body: '¿Cómo tramitáis las altas en el #Padrón de personas sin domicilio fijo?',
    });
    const answer = await kit.postReply(question.url, lucia.cookie, {
      body: 'Las damos de alta en la dirección del centro de servicios sociales.',
    });
    const other = await kit.person();
    await addMembership(t.db, (await t.db.community.findUniqueOrThrow({ where: { slug } })).id, other.user.id);
    const useful = await kit.postReply(question.url, other.cookie, {
      body: 'Nosotros pedimos un informe de los servicios sociales.',
    });
    await t.db.thread.update({ where: { id: question.id }, data: { acceptedPostId: answer } });
    await t.db.reaction.create({ data: { postId: useful, userId: reader.user.id, kind: 'USEFUL' } });

    // Her own "útil" on her own answer counts for nothing.
    await t.db.reaction.create({ data: { postId: answer, userId: lucia.user.id, kind: 'USEFUL' } });
    const response = await kit.get('/people?topic=padron', reader.cookie);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('0 reacciones «útil»');
    const ranked = names(response.body.split('id="declared-title"')[0] ?? '');
    expect(ranked).toEqual([lucia.user.handle, other.user.handle]);
    expect(response.body).toContain('1 respuesta aceptada');
    // Declared on her profile, too.
    expect(names(response.body.split('id="declared-title"')[1] ?? '')).toContain(lucia.user.handle);

    // A citizen may not read this inter-administrative community: nothing there counts for them.
    const outside = await kit.get('/people?topic=padron', citizen.cookie);
    expect(names(outside.body.split('id="declared-title"')[0] ?? '')).toEqual([]);

    // What is no longer published counts for nobody: a hidden reply's reactions, a deleted accepted answer.
    await t.db.post.update({ where: { id: useful }, data: { status: 'HIDDEN' } });
    const hidden = await kit.get('/people?topic=padron', reader.cookie);
    expect(names(hidden.body.split('id="declared-title"')[0] ?? '')).toEqual([lucia.user.handle]);
    await t.db.post.update({ where: { id: answer }, data: { deletedAt: new Date() } });
    const deleted = await kit.get('/people?topic=padron', reader.cookie);
    expect(names(deleted.body.split('id="declared-title"')[0] ?? '')).toEqual([]);
  });
});

describe('follows and the home feed', () => {
  it('follows the very handle named: _ is a letter of handles, not a wildcard, and case does not matter', async () => {
    const follower = await kit.person();
    const suffix = Date.now().toString(36);
    const named = await kit.person({ handle: `ana-x${suffix}` });
    // Only ana-x… exists: ana_x… is nobody (an ILIKE read _ as any character and followed ana-x…).
    const nobody = await submitForm(
      t.app,
      `/u/ana_x${suffix}/follow`,
      {},
      { cookie: follower.cookie, formUrl: `/u/${named.user.handle}` },
    );
    expect(nobody.statusCode).toBe(404);
    expect(await t.db.follow.count({ where: { followerId: follower.user.id } })).toBe(0);
    const upper = await submitForm(
      t.app,
      `/u/ANA-X${suffix.toUpperCase()}/follow`,
      {},
      { cookie: follower.cookie, formUrl: `/u/${named.user.handle}` },
    );
    expect(upper.statusCode).toBe(303);
    expect(await t.db.follow.count({ where: { followerId: follower.user.id, userId: named.user.id } })).toBe(1);
  });

  it('an employee follows a person and sees their next post from a community they did not join', async () => {
    const follower = await kit.person();
    const elsewhere = await createCommunity(t.db, {
      organizationId: home.id,
      ownerId: lucia.user.id,
      name: 'Urbanismo',
    });
    const empty = await kit.get('/', follower.cookie);
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('Su inicio está vacío');

    const followed = await submitForm(
      t.app,
      `/u/${lucia.user.handle}/follow`,
      {},
      { cookie: follower.cookie, formUrl: `/u/${lucia.user.handle}` },
    );
    expect(followed.statusCode).toBe(303);
    const again = await submitForm(
      t.app,
      `/u/${lucia.user.handle}/follow`,
      {},
      { cookie: follower.cookie, formUrl: `/u/${lucia.user.handle}` },
    );
    expect(again.statusCode).toBe(303);
    expect(await t.db.follow.count({ where: { followerId: follower.user.id } })).toBe(1);
    expect((await kit.get(`/u/${lucia.user.handle}`, follower.cookie)).body).toContain('Siguiendo (dejar de seguir)');

    await kit.openThread(elsewhere.slug, lucia.cookie, {
      title: 'Plan general de ordenación',
      kind: 'DISCUSSION',
      body: 'Abrimos el debate del plan general.',
    });
    const feed = await kit.get('/', follower.cookie);
    expect(feed.body).toContain('Plan general de ordenación');
    expect(feed.body).toContain('Nueva conversación');
    expect(feed.body).toContain('tag tag--');
    expect((await kit.get('/?kind=QUESTION', follower.cookie)).body).not.toContain('Plan general de ordenación');
    expect((await kit.get('/?kind=DISCUSSION&tag=PROFESSIONAL', follower.cookie)).body).toContain(
      'Plan general de ordenación',
    );

    const unfollowed = await submitForm(
      t.app,
      `/u/${lucia.user.handle}/unfollow`,
      {},
      { cookie: follower.cookie, formUrl: `/u/${lucia.user.handle}` },
    );
    expect(unfollowed.statusCode).toBe(303);
    expect((await kit.get('/', follower.cookie)).body).not.toContain('Plan general de ordenación');
  });

  it('follows a topic by any spelling, and shows unsolved questions on it beside the feed', async () => {
    const follower = await kit.person();
    const response = await submitForm(t.app, '/t/PADRON/follow', {}, { cookie: follower.cookie, formUrl: '/t/padron' });
    expect(response.statusCode).toBe(303);
    await kit.openThread(slug, reader.cookie, {
      title: 'Bajas de oficio',
      body: '¿Quién firma las bajas de oficio del #padrón?',
    });
    const page = await kit.get('/', follower.cookie);
    expect(page.body).toContain('Bajas de oficio');
    const aside = page.body.split('id="unanswered-title"')[1] ?? '';
    expect(aside).toContain('Bajas de oficio');
    expect(aside).not.toContain('Altas en el padrón');
  });

  it('a followed topic brings the replies of threads opened on it; editing the topic out takes them away', async () => {
    const follower = await kit.person();
    const followed = await submitForm(
      t.app,
      '/t/empadronamiento/follow',
      {},
      { cookie: follower.cookie, formUrl: '/' },
    );
    // Nothing readable on the topic yet: it does not exist for them.
    expect(followed.statusCode).toBe(404);
    const { url, id } = await kit.openThread(slug, reader.cookie, {
      title: 'Certificados colectivos',
      kind: 'DISCUSSION',
      body: 'Cómo emitís los certificados colectivos de #empadronamiento',
    });
    expect(
      (await submitForm(t.app, '/t/empadronamiento/follow', {}, { cookie: follower.cookie, formUrl: '/' })).statusCode,
    ).toBe(303);
    // A reply that does not name the topic itself: it is on the topic through its thread.
    await kit.postReply(url, lucia.cookie, { body: 'Los firma la secretaría con sello de tiempo.' });
    const feed = async () => (await kit.get('/', follower.cookie)).body;
    expect(await feed()).toContain('Los firma la secretaría con sello de tiempo.');
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: id, isOpening: true } });
    const edit = (body: string) =>
      submitForm(
        t.app,
        `${url}/posts/${opening.id}/edit`,
        { title: 'Certificados colectivos', body, tag: 'PROFESSIONAL' },
        { cookie: reader.cookie },
      );
    expect((await edit('Cómo emitís los certificados colectivos, sin etiqueta')).statusCode).toBe(303);
    const without = await feed();
    expect(without).not.toContain('Los firma la secretaría con sello de tiempo.');
    expect(without).not.toContain('Certificados colectivos');
    expect((await edit('Cómo emitís los certificados colectivos de #Empadronamiento')).statusCode).toBe(303);
    expect(await feed()).toContain('Los firma la secretaría con sello de tiempo.');
    // The thread's later replies join it as they are written.
    await kit.postReply(url, reader.cookie, { body: 'Y el padrón histórico lo pide el archivo.' });
    expect(await feed()).toContain('Y el padrón histórico lo pide el archivo.');
  });

  it('"who knows" names a topic only to those who may read something on it, as its page does', async () => {
    const secret = await kit.community({ visibility: 'SECRET', name: 'Gabinete' });
    await kit.openThread(secret.c.slug, secret.owner.cookie, {
      title: 'Comisión de fiestas',
      body: '¿Quién prepara el orden del día de la reunión de la comisión? #Sécretotema',
    });
    const outsider = await kit.person();
    for (const cookie of [outsider.cookie, undefined]) {
      const unknown = (await kit.get('/people?topic=noexistetema', cookie)).body;
      expect((await kit.get('/t/secretotema', cookie)).statusCode).toBe(404);
      const body = (await kit.get('/people?topic=secretotema', cookie)).body;
      expect(body).not.toContain('Sécretotema');
      expect(body).not.toContain('href="/t/secretotema"');
      // The same page as for a topic nobody ever wrote, the typed words aside.
      expect(body.replaceAll('secretotema', 'X').length).toBe(unknown.replaceAll('noexistetema', 'X').length);
    }
    expect((await kit.get('/people?topic=secretotema', secret.member.cookie)).body).toContain('Sécretotema');
    // Following and unfollowing answer as for a topic nobody ever wrote, too.
    for (const action of ['follow', 'unfollow']) {
      const secretTopic = await submitForm(
        t.app,
        `/t/secretotema/${action}`,
        {},
        { cookie: outsider.cookie, formUrl: '/people' },
      );
      const unknownTopic = await submitForm(
        t.app,
        `/t/noexistetema/${action}`,
        {},
        { cookie: outsider.cookie, formUrl: '/people' },
      );
      expect(secretTopic.statusCode, action).toBe(404);
      const same = (html: string, word: string) =>
        html.replaceAll(word, 'X').replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
      expect(same(secretTopic.body, 'secretotema')).toBe(same(unknownTopic.body, 'noexistetema'));
    }
    // A member follows it, leaves the community, and may still stop following it.
    const member = secret.member;
    expect(
      (await submitForm(t.app, '/t/secretotema/follow', {}, { cookie: member.cookie, formUrl: '/people' })).statusCode,
    ).toBe(303);
    await t.db.membership.deleteMany({ where: { communityId: secret.c.id, userId: member.user.id } });
    const left = await submitForm(t.app, '/t/secretotema/unfollow', {}, { cookie: member.cookie, formUrl: '/people' });
    expect(left.statusCode).toBe(303);
    // Home, where follows are listed: the topic's page is a 404 for them now.
    expect(left.headers.location).toBe('/?notice=unfollowed');
    expect(await t.db.follow.count({ where: { followerId: member.user.id } })).toBe(0);
  });

  it('refuses to follow oneself, an unknown person or a topic with nothing readable', async () => {
    const me = await kit.person();
    const self = await submitForm(
      t.app,
      `/u/${me.user.handle}/follow`,
      {},
      { cookie: me.cookie, formUrl: `/u/${me.user.handle}` },
    );
    expect(self.statusCode).toBe(403);
    const nobody = await submitForm(t.app, '/u/nadie-nunca/follow', {}, { cookie: me.cookie, formUrl: '/people' });
    expect(nobody.statusCode).toBe(404);
    const noTopic = await submitForm(t.app, '/t/inexistente/follow', {}, { cookie: me.cookie, formUrl: '/people' });
    expect(noTopic.statusCode).toBe(404);
    const signedOut = await t.app.inject({ method: 'POST', url: `/u/${lucia.user.handle}/follow` });
    expect([303, 403]).toContain(signedOut.statusCode);
    expect(await t.db.follow.count({ where: { followerId: me.user.id } })).toBe(0);
  });

  it('leaves out the posts of a thread restricted since they were published, and still fills the page', async () => {
    // The feed checks threads on the page's candidates only and reads again, checking every candidate,
    // when one of them is in a thread no longer listed: the page must then be the next 20 listed posts.
    const author = await kit.person();
    const c = await createCommunity(t.db, { organizationId: home.id, ownerId: author.user.id, name: 'Retenidos' });
    const member = await createUser(t.db, { organizationId: home.id });
    await addMembership(t.db, c.id, member.id);
    const cookie = await signInAs(t.app, member.email);
    const create = (title: string, minutesAgo: number, restricted: boolean) =>
      t.db.thread.create({
        data: {
          communityId: c.id,
          authorId: author.user.id,
          title,
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
          restricted,
          posts: {
            create: {
              authorId: author.user.id,
              isOpening: true,
              source: 'Cuerpo del hilo.',
              html: '',
              tag: 'PROFESSIONAL',
              createdAt: new Date(Date.now() - minutesAgo * 60_000),
            },
          },
        },
      });
    for (let i = 0; i < 22; i++) await create(`Listado ${String(i).padStart(2, '0')}`, i + 1, false);
    // The newest post of all, and one in the middle of the first page, in restricted threads.
    await create('Restringido nuevo', 0, true);
    await create('Restringido medio', 10.5, true);
    const titles = (body: string) => [...body.matchAll(/Listado (\d\d)/g)].map((match) => match[1]);
    const first = await kit.get('/', cookie);
    expect(first.statusCode).toBe(200);
    expect(first.body).not.toContain('Restringido');
    expect(titles(first.body)).toEqual(Array.from({ length: 20 }, (_, i) => String(i).padStart(2, '0')));
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const second = await kit.get(next, cookie);
    expect(titles(second.body)).toEqual(['20', '21']);
    expect(second.body).not.toContain('Restringido');
    expect(second.body).not.toContain('rel="next"');
  });

  it('pages the feed with keyset cursors; bad filters and cursors never fail', async () => {
    const author = await kit.person();
    const c = await createCommunity(t.db, { organizationId: home.id, ownerId: author.user.id, name: 'Muchos hilos' });
    const reader2 = await createUser(t.db, { organizationId: home.id });
    await addMembership(t.db, c.id, reader2.id);
    const cookie = await signInAs(t.app, reader2.email);
    for (let i = 0; i < 23; i++) {
      await t.db.thread.create({
        data: {
          communityId: c.id,
          authorId: author.user.id,
          title: `Hilo del feed ${String(i).padStart(2, '0')}`,
          kind: 'DISCUSSION',
          tag: 'PROFESSIONAL',
          posts: {
            create: {
              authorId: author.user.id,
              isOpening: true,
              source: `Texto ${i}`,
              html: '',
              tag: 'PROFESSIONAL',
              createdAt: new Date(Date.now() - i * 60_000),
            },
          },
        },
      });
    }
    const first = await kit.get('/', cookie);
    const titles = (body: string) => [...body.matchAll(/Hilo del feed (\d\d)/g)].map((match) => match[1]);
    expect(titles(first.body)).toHaveLength(20);
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const second = await kit.get(next, cookie);
    expect(titles(second.body)).toEqual(['20', '21', '22']);
    expect((await kit.get('/?after=basura', cookie)).statusCode).toBe(200);
    const bad = await kit.get('/?tag=SECRETO&kind=X', cookie);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Elija una etiqueta');
  });
});
