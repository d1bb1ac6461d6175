import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_COMMUNITIES, seedDemoData } from '../../src/demo/demo-data.js';
import { DEMO_THREADS, type DemoThread, seedDemoThreads } from '../../src/demo/demo-threads.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedDemoData(t.db);
});
afterAll(async () => {
  await t.close();
});

/** Rows of every table the demo writes, to compare before and after seeding again. */
async function counts() {
  const { db } = t;
  const [
    organizations,
    users,
    communities,
    memberships,
    officialVoices,
    threads,
    posts,
    reactions,
    decisions,
    mentions,
    topics,
    postTopics,
  ] = await Promise.all([
    db.organization.count(),
    db.user.count(),
    db.community.count(),
    db.membership.count(),
    db.officialVoice.count(),
    db.thread.count(),
    db.post.count(),
    db.reaction.count(),
    db.policyDecision.count(),
    db.mention.count(),
    db.topic.count(),
    db.postTopic.count(),
  ]);
  return {
    organizations,
    users,
    communities,
    memberships,
    officialVoices,
    threads,
    posts,
    reactions,
    decisions,
    mentions,
    topics,
    postTopics,
  };
}

async function demoThreads() {
  return t.db.thread.findMany({
    select: {
      id: true,
      title: true,
      kind: true,
      tag: true,
      pinned: true,
      replyCount: true,
      lastActivityAt: true,
      acceptedPostId: true,
      authorId: true,
      communityId: true,
      community: { select: { slug: true } },
      posts: {
        select: {
          id: true,
          isOpening: true,
          parentId: true,
          status: true,
          tag: true,
          onBehalfOfId: true,
          html: true,
          createdAt: true,
          authorId: true,
          author: { select: { kind: true, handle: true } },
          decisions: { select: { postId: true, chosenTag: true, outcome: true, confirmed: true, communityId: true } },
          reactions: { select: { kind: true, userId: true } },
          mentions: { select: { userId: true } },
          topics: { select: { topic: { select: { slug: true } } } },
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      },
    },
  });
}

describe('the demo communities', () => {
  it('give each secret one an address of Ágora’s choosing, which tells nothing of it', async () => {
    const secret = await t.db.community.findMany({ where: { visibility: 'SECRET' }, select: { slug: true } });
    expect(secret.length).toBe(DEMO_COMMUNITIES.filter((c) => c.visibility === 'SECRET').length);
    expect(secret.length).toBeGreaterThan(0);
    for (const { slug } of secret) expect(slug).toMatch(/^s-[0-9a-f]{12}$/);
  });
});

describe('the demo threads', () => {
  it('are all written, in the demo communities, one of each kind at least', async () => {
    const threads = await demoThreads();
    expect(threads.map((thread) => thread.title).sort()).toEqual(DEMO_THREADS.map((thread) => thread.title).sort());
    expect(new Set(threads.map((thread) => thread.kind))).toEqual(new Set(['DISCUSSION', 'QUESTION', 'ANNOUNCEMENT']));
    expect(new Set(threads.map((thread) => thread.community.slug)).size).toBeGreaterThanOrEqual(3);
    const slugs = new Set(DEMO_COMMUNITIES.map((community) => community.slug));
    for (const thread of threads) expect(slugs.has(thread.community.slug)).toBe(true);
    expect(threads.some((thread) => thread.pinned)).toBe(true);
  });

  it('keep replyCount, lastActivityAt, the thread tag and author as the service keeps them', async () => {
    for (const thread of await demoThreads()) {
      const opening = thread.posts.filter((post) => post.isOpening);
      expect(opening, thread.title).toHaveLength(1);
      const replies = thread.posts.filter((post) => !post.isOpening && post.status === 'PUBLISHED');
      expect(thread.replyCount, thread.title).toBe(replies.length);
      const latest = Math.max(...thread.posts.map((post) => post.createdAt.getTime()));
      expect(thread.lastActivityAt.getTime(), thread.title).toBe(latest);
      expect(thread.tag).toBe(opening[0]?.tag);
      expect(thread.authorId).toBe(opening[0]?.authorId);
      expect(thread.posts.every((post) => post.createdAt.getTime() <= Date.now())).toBe(true);
    }
  });

  it('have a question with an accepted answer, and answers nested one level under a reply', async () => {
    const threads = await demoThreads();
    const accepted = threads.filter((thread) => thread.acceptedPostId !== null);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const thread of accepted) {
      expect(thread.kind).toBe('QUESTION');
      const answer = thread.posts.find((post) => post.id === thread.acceptedPostId);
      expect(answer?.isOpening).toBe(false);
      expect(answer?.status).toBe('PUBLISHED');
    }
    // And a question still waiting for one (the list's "unanswered" filter has something to show).
    expect(threads.some((thread) => thread.kind === 'QUESTION' && thread.acceptedPostId === null)).toBe(true);

    const posts = threads.flatMap((thread) => thread.posts);
    const byId = new Map(posts.map((post) => [post.id, post]));
    const nested = posts.filter((post) => post.parentId !== null);
    expect(nested.length).toBeGreaterThanOrEqual(3);
    for (const answer of nested) {
      const parent = byId.get(answer.parentId ?? '');
      expect(parent?.isOpening).toBe(false);
      expect(parent?.parentId).toBeNull();
      expect(answer.createdAt.getTime()).toBeGreaterThan(parent?.createdAt.getTime() ?? Infinity);
    }
  });

  it('have reactions of both kinds from several people, none on their own posts', async () => {
    const posts = (await demoThreads()).flatMap((thread) => thread.posts);
    const reactions = posts.flatMap((post) => post.reactions.map((reaction) => ({ ...reaction, post })));
    expect(new Set(reactions.map((reaction) => reaction.kind))).toEqual(new Set(['LIKE', 'USEFUL']));
    expect(new Set(reactions.map((reaction) => reaction.userId)).size).toBeGreaterThanOrEqual(4);
    expect(reactions.filter((reaction) => reaction.userId === reaction.post.authorId)).toEqual([]);
  });

  it('use all three tags, each as the policy allows it, with one stored decision per post', async () => {
    const threads = await demoThreads();
    const voices = await t.db.officialVoice.findMany({ select: { userId: true, organizationId: true } });
    const memberships = await t.db.membership.findMany({
      select: { userId: true, communityId: true, role: true, state: true },
    });
    const voiceOf = new Set(voices.map((voice) => `${voice.userId}:${voice.organizationId}`));
    const posts = threads.flatMap((thread) => thread.posts.map((post) => ({ ...post, thread })));
    expect(new Set(posts.map((post) => post.tag))).toEqual(new Set(['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL']));

    for (const post of posts) {
      const where = `${post.thread.title}: ${post.author?.handle}`;
      // Every author may post there: an active member of the community.
      const membership = memberships.find(
        (m) => m.userId === post.authorId && m.communityId === post.thread.communityId,
      );
      expect(membership?.state, where).toBe('ACTIVE');
      expect(post.decisions, where).toHaveLength(1);
      const [decision] = post.decisions;
      expect(decision?.postId).toBe(post.id);
      expect(decision?.communityId).toBe(post.thread.communityId);
      expect(decision?.chosenTag).toBe(post.tag);
      expect(['ALLOW', 'WARN'], where).toContain(decision?.outcome);
      expect(decision?.confirmed).toBe(decision?.outcome === 'WARN');
      if (post.tag === 'ORGANIZATIONAL') {
        expect(voiceOf.has(`${post.authorId}:${post.onBehalfOfId}`), where).toBe(true);
      } else {
        expect(post.onBehalfOfId, where).toBeNull();
      }
      if (post.author?.kind === 'CITIZEN') expect(post.tag, where).toBe('PERSONAL');
      if (post.thread.kind === 'ANNOUNCEMENT' && post.isOpening) {
        expect(post.tag, where).not.toBe('PERSONAL');
        const mayAnnounce =
          membership?.role === 'OWNER' ||
          membership?.role === 'MODERATOR' ||
          voices.some((voice) => voice.userId === post.authorId);
        expect(mayAnnounce, where).toBe(true);
      }
    }
    // Citizens take part.
    expect(posts.some((post) => post.author?.kind === 'CITIZEN')).toBe(true);
  });

  it('link their @mentions and #topics, rendered once into the stored HTML', async () => {
    const posts = (await demoThreads()).flatMap((thread) => thread.posts);
    const mentioning = posts.filter((post) => post.mentions.length > 0);
    expect(mentioning.length).toBeGreaterThanOrEqual(3);
    for (const post of mentioning) expect(post.html).toMatch(/<a href="\/u\/[a-z-]+" class="mention">@/);
    const topics = new Set(posts.flatMap((post) => post.topics.map((row) => row.topic.slug)));
    for (const slug of ['licencias', 'padron', 'transparencia', 'teletrabajo', 'contratacion']) {
      expect(topics.has(slug), slug).toBe(true);
    }
    // Accents folded, one topic however it is written: #padrón → padron.
    expect(posts.some((post) => post.html.includes('<a href="/t/padron" class="topic">#padrón</a>'))).toBe(true);
  });

  it('are mostly Spanish, with some Catalan', async () => {
    const titles = DEMO_THREADS.map((thread) => thread.title);
    expect(titles).toContain('Per què una xarxa de tècnics municipals?');
  });

  it('show on the thread page of an open community, accepted answer included', async () => {
    const thread = await t.db.thread.findFirstOrThrow({
      where: { community: { slug: 'participacion-villanueva' }, kind: 'QUESTION', acceptedPostId: { not: null } },
      select: { id: true, title: true },
    });
    const page = await t.app.inject({ method: 'GET', url: `/c/participacion-villanueva/threads/${thread.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Para el padrón basta con acreditar que vive ahí');
    const list = await t.app.inject({ method: 'GET', url: '/c/participacion-villanueva' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Cita previa electrónica para el padrón y los certificados');
  });

  it('seeding again writes nothing more', async () => {
    const before = await counts();
    expect(before.users).toBeGreaterThanOrEqual(DEMO_ACCOUNTS.length);
    expect(before.officialVoices).toBe(2);
    await seedDemoData(t.db);
    await seedDemoData(t.db);
    expect(await counts()).toEqual(before);
  });
});

describe('a demo thread that breaks the rules', () => {
  const base: DemoThread = {
    community: 'participacion-villanueva',
    title: 'Hilo de prueba que no debe escribirse',
    kind: 'DISCUSSION',
    daysAgo: 1,
    opening: { author: 'carmen-vidal', tag: 'PERSONAL', body: 'Una propuesta para el barrio.' },
    replies: [],
  };

  async function written(title: string): Promise<number> {
    return t.db.thread.count({ where: { title } });
  }

  it('stops the seeding when the policy would reject a post, and nothing of the thread is written', async () => {
    const citizenSpeaksForTheTownHall: DemoThread = {
      ...base,
      replies: [{ author: 'carmen-vidal', tag: 'PROFESSIONAL', hours: 1, body: 'Como técnica, opino que sí.' }],
    };
    await expect(seedDemoThreads(t.db, [citizenSpeaksForTheTownHall])).rejects.toThrow(
      /policy gives REJECT to .*carmen-vidal: citizen-posts-personal/,
    );
    expect(await written(base.title)).toBe(0);
  });

  it('stops on an organizational post without an official voice, and on an announcement by a plain member', async () => {
    const announcement: DemoThread = {
      ...base,
      kind: 'ANNOUNCEMENT',
      opening: { author: 'pablo-ortega', tag: 'PROFESSIONAL', body: 'Aviso: jornada de puertas abiertas.' },
    };
    await expect(seedDemoThreads(t.db, [announcement])).rejects.toThrow(/announcement-opening-restricted/);
    const organizational: DemoThread = {
      ...base,
      opening: {
        author: 'ana-ruiz',
        tag: 'ORGANIZATIONAL',
        onBehalfOf: 'diputacion-valdeserra',
        body: 'La Diputación informa.',
      },
    };
    await expect(seedDemoThreads(t.db, [organizational])).rejects.toThrow(/organizational-not-official-voice/);
    expect(await written(base.title)).toBe(0);
  });

  it('stops when an author may not post in the community', async () => {
    const outsider: DemoThread = { ...base, community: 'personal-villanueva' };
    await expect(seedDemoThreads(t.db, [outsider])).rejects.toThrow(/carmen-vidal may not post there/);
    expect(await written(base.title)).toBe(0);
  });
});
