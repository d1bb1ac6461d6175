import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Audience, type CommunityActor, can, type Visibility } from '../../src/access/communities.js';
import { AUDIENCES, createMatrixCast, VISIBILITIES } from '../support/access-matrix.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity } from '../support/factories.js';
import { submitForm, submitMultipart } from '../support/forms.js';

// Held, rejected and hidden posts leak through no page to anyone but their author and the community's
// moderators (issue 10): every audience × visibility, every kind of viewer, every page that shows posts
// or counts them — the community, the threads, a topic, the home page, the author's profile, the
// notifications, the attachments, the review queues. The same cases show the published words to whoever
// may read the community (can(), the access module), so the test cannot pass by showing nothing.

let t: TestApp;

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

interface Viewer {
  readonly name: string;
  readonly cookie: string | undefined;
  readonly actor: CommunityActor | null;
  /** Their membership in every community of the matrix (where the audience lets them have one). */
  readonly member: boolean;
  readonly moderator: boolean;
  readonly author: boolean;
}

interface Case {
  readonly slug: string;
  readonly id: string;
  readonly audience: Audience;
  readonly visibility: Visibility;
  readonly ownerOrganizationId: string;
  readonly published: { threadId: string; marker: string };
  readonly heldThreadId: string;
  readonly attachmentId: string;
  /** Words that must reach only the author and the moderators. */
  readonly secrets: string[];
  readonly memberIds: Set<string>;
}

const viewers: Viewer[] = [];
const cases: Case[] = [];
let authorHandle = '';

beforeAll(async () => {
  t = await createTestApp();
  const matrix = await createMatrixCast(t);
  const { townHall, owner, ownerCookie, author, authorCookie } = matrix;
  authorHandle = author.handle;
  await t.db.watchedWord.create({ data: { phrase: 'retenlo', scopedKey: 'site:retenlo', action: 'HOLD' } });
  for (const viewer of matrix.viewers) {
    viewers.push({
      name: viewer.name,
      cookie: viewer.cookie,
      actor: viewer.actor,
      member: viewer.role === 'member',
      moderator: viewer.role === 'moderator',
      author: viewer.author,
    });
  }
  // The author is made a member of each community on their own, below.
  const cast = matrix.viewers.flatMap((viewer) =>
    viewer.user && !viewer.author ? [{ user: viewer.user, role: viewer.role }] : [],
  );

  let n = 0;
  for (const audience of AUDIENCES) {
    for (const visibility of VISIBILITIES) {
      n++;
      const c = await createCommunity(t.db, { organizationId: townHall.id, ownerId: owner.id, audience, visibility });
      const memberIds = new Set<string>([author.id]);
      await addMembership(t.db, c.id, author.id);
      for (const { user, role } of cast) {
        if (role === 'none') continue;
        await addMembership(t.db, c.id, user.id, 'ACTIVE', role === 'moderator' ? 'MODERATOR' : 'MEMBER');
        memberIds.add(user.id);
        // Members watch everything: a notification about a held or hidden post would reach them.
        await t.db.communityWatch.create({ data: { userId: user.id, communityId: c.id, level: 'WATCHING' } });
      }
      const base = `/c/${c.slug}`;
      const post = (url: string, cookie: string, fields: Record<string, string>, formUrl: string) =>
        submitForm(t.app, url, fields, { cookie, formUrl });
      const published = `publicado${n}`;
      const opened = await post(
        `${base}/threads`,
        ownerCookie,
        { title: `Hilo ${published}`, kind: 'DISCUSSION', body: `Texto ${published} #fuga${n}`, tag: 'PROFESSIONAL' },
        `${base}/threads/new`,
      );
      expect(opened.statusCode, opened.body.slice(0, 300)).toBe(303);
      const threadId = /\/threads\/([0-9a-f-]{36})/.exec(String(opened.headers.location))?.[1] ?? '';
      const threadUrl = `${base}/threads/${threadId}`;

      // A reply held by the site's watched word, with the author's mention of a member and a topic.
      const heldReply = `retenida${n}`;
      const held = await post(
        `${threadUrl}/replies`,
        authorCookie,
        { body: `Respuesta ${heldReply} retenlo #fuga${n}`, tag: 'PROFESSIONAL' },
        threadUrl,
      );
      expect(held.headers.location).toContain('notice=post-held');
      // A reply, with a file, published and then hidden by a moderator.
      const hiddenReply = `oculta${n}`;
      const withFile = await submitMultipart(
        t.app,
        `${threadUrl}/replies`,
        { body: `Respuesta ${hiddenReply} #fuga${n}`, tag: 'PROFESSIONAL' },
        [{ field: 'files', name: `anexo-${hiddenReply}.pdf`, bytes: PDF, type: 'application/pdf' }],
        { cookie: authorCookie, formUrl: threadUrl },
      );
      expect(withFile.statusCode, withFile.body.slice(0, 300)).toBe(303);
      const hiddenId = /#post-([0-9a-f-]{36})/.exec(String(withFile.headers.location))?.[1] ?? '';
      const hid = await post(
        `${base}/review/posts/${hiddenId}`,
        ownerCookie,
        { action: 'hide', ground: 'OFF_TOPIC', statement: 'Fuera de tema.' },
        `${base}/review`,
      );
      expect(hid.statusCode, hid.body.slice(0, 300)).toBe(303);
      const attachment = await t.db.attachment.findFirstOrThrow({ where: { postId: hiddenId } });
      // A thread whose opening post is held: its title too is the author's words.
      const heldThread = `hiloretenido${n}`;
      const heldOpening = await post(
        `${base}/threads`,
        authorCookie,
        {
          title: `Título ${heldThread}`,
          kind: 'DISCUSSION',
          body: `Apertura retenlo #fuga${n}`,
          tag: 'PROFESSIONAL',
        },
        `${base}/threads/new`,
      );
      expect(heldOpening.headers.location).toContain('notice=post-held');
      const heldThreadId = /\/threads\/([0-9a-f-]{36})/.exec(String(heldOpening.headers.location))?.[1] ?? '';
      cases.push({
        slug: c.slug,
        id: c.id,
        audience,
        visibility,
        ownerOrganizationId: townHall.id,
        published: { threadId, marker: published },
        heldThreadId,
        attachmentId: attachment.id,
        secrets: [heldReply, hiddenReply, heldThread, `anexo-${hiddenReply}`],
        memberIds,
      });
    }
  }
  await t.app.jobs.queue.drain();
}, 240_000);

afterAll(async () => {
  await t.close();
});

describe('held and hidden posts, for every audience × visibility and every viewer', () => {
  it('reach only their author and the moderators, while readers see what is published', async () => {
    let checked = 0;
    for (const viewer of viewers) {
      const headers = viewer.cookie ? { cookie: viewer.cookie } : {};
      const get = (url: string) => t.app.inject({ method: 'GET', url, headers });
      // Pages across communities: the home page, the author's profile, the notifications, the queues.
      const across = [await get('/'), await get(`/u/${authorHandle}`)];
      if (viewer.cookie) across.push(await get('/notifications'), await get('/review'));
      const sees = (c: Case) => {
        const membership = viewer.actor && c.memberIds.has(viewer.actor.id) ? viewerMembership(viewer, c) : null;
        return can(viewer.actor, 'read', { ...c, archived: false }, membership);
      };
      for (const c of cases) {
        const reads = sees(c);
        const privileged = reads && (viewer.author || viewer.moderator || viewer.actor?.role === 'ADMIN');
        const pages = [
          await get(`/c/${c.slug}`),
          await get(`/c/${c.slug}/threads/${c.published.threadId}`),
          await get(`/t/fuga${cases.indexOf(c) + 1}`),
        ];
        const heldThread = await get(`/c/${c.slug}/threads/${c.heldThreadId}`);
        const file = await get(`/attachments/${c.attachmentId}`);
        const where = `${viewer.name} in ${c.audience}/${c.visibility}`;
        expect(heldThread.statusCode, where).toBe(privileged ? 200 : 404);
        expect(file.statusCode, where).toBe(privileged ? 200 : 404);
        // The published words are there for every reader: the matrix is not vacuous.
        expect(pages[1]?.body.includes(c.published.marker), where).toBe(reads);
        for (const page of [...pages, ...across]) {
          for (const secret of c.secrets) {
            if (!privileged) expect(page.body.includes(secret), `${where}: a page shows ${secret}`).toBe(false);
          }
        }
        if (privileged) {
          const body = pages[1]?.body ?? '';
          expect(body.includes(c.secrets[0] ?? '-'), where).toBe(true);
          expect(body.includes(c.secrets[1] ?? '-'), where).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBe(viewers.length * cases.length);
  }, 240_000);

  it('count only published replies and list no held thread in a topic', async () => {
    for (const c of cases) {
      const thread = await t.db.thread.findUniqueOrThrow({ where: { id: c.published.threadId } });
      expect(thread.replyCount).toBe(0);
      expect(await t.db.thread.findUniqueOrThrow({ where: { id: c.heldThreadId } })).toMatchObject({
        restricted: true,
      });
    }
    const notified = await t.db.notification.findMany({
      where: { post: { status: { not: 'PUBLISHED' } } },
      select: { recipientId: true, post: { select: { status: true } } },
    });
    // Written while the post was published (the hidden reply) is kept, but never shown (visibleNotificationWhere).
    for (const row of notified) expect(row.post?.status).toBe('HIDDEN');
  });
});

function viewerMembership(viewer: Viewer, _c: Case) {
  return { state: 'ACTIVE' as const, role: viewer.moderator ? ('MODERATOR' as const) : ('MEMBER' as const) };
}
