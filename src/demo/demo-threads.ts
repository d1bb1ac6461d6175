import { actorFromUserRow, type CommunityActor, can, type MembershipFacts } from '../access/communities.js';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { CommunityAudience, CommunityVisibility, ReactionKind } from '../generated/prisma/enums.js';
import { findReferences, renderPostMarkdown } from '../markdown/post-markdown.js';
import { decidePost, type PolicyDecision } from '../policy/rules.js';
import type { PostTag } from '../policy/tags.js';
import { postTextFields } from '../search/post-text.js';
import { linkTopics } from '../topics/topic-links.js';
import { DEMO_THREADS, type DemoPostData, type DemoThread } from './demo-thread-data.js';

// The demo's threads: a few conversations in the demo communities, written as the threads service
// writes them (Markdown rendered once, mentions and topics linked, the policy's decision stored with
// each post) and held to the same rules: an author who could not post there, or a post the policy
// would refuse, stops the seeding with an error instead of being written. Idempotent: a thread whose
// title already exists in its community is left as it is.

export { DEMO_THREADS, type DemoThread } from './demo-thread-data.js';

// ─── Writing ────────────────────────────────────────────────────────────────────────────────────────

interface DemoUser {
  readonly id: string;
  readonly actor: CommunityActor;
  /** The organizations this user may speak for (OfficialVoice grants). */
  readonly voices: readonly string[];
}

interface DemoCommunityRow {
  readonly id: string;
  readonly ownerOrganizationId: string;
  readonly audience: CommunityAudience;
  readonly visibility: CommunityVisibility;
  readonly archivedAt: Date | null;
  readonly welcomedTags: PostTag[];
}

interface DemoWorld {
  readonly users: ReadonlyMap<string, DemoUser>;
  readonly communities: ReadonlyMap<string, DemoCommunityRow>;
  readonly memberships: ReadonlyMap<string, MembershipFacts>;
  readonly organizations: ReadonlyMap<string, string>;
  readonly knownHandles: ReadonlySet<string>;
  readonly now: number;
}

const HOUR = 3_600_000;

/** A thread's posts: the opening one, then each reply followed by its answers. */
function postsOf(thread: DemoThread): DemoPostData[] {
  return [{ ...thread.opening, hours: 0 }, ...repliesOf(thread)];
}

function repliesOf(thread: DemoThread): DemoPostData[] {
  return thread.replies.flatMap((reply) => [reply, ...(reply.answers ?? [])]);
}

/** The people a post involves: its author, those who react to it and those it mentions. */
function handlesOf(post: DemoPostData): string[] {
  return [post.author, ...(post.likes ?? []), ...(post.useful ?? []), ...findReferences(post.body).handles];
}

/** Who is who, where they belong and what they may speak for: what the access rules and the policy ask. */
async function loadWorld(db: Db, threads: readonly DemoThread[]): Promise<DemoWorld> {
  const posts = threads.flatMap(postsOf);
  const handles = [...new Set(posts.flatMap(handlesOf))];
  const onBehalf = [...new Set(posts.flatMap((post) => (post.onBehalfOf ? [post.onBehalfOf] : [])))];
  const [users, communities] = await Promise.all([
    db.user.findMany({
      where: { handle: { in: handles, mode: 'insensitive' } },
      select: {
        id: true,
        handle: true,
        kind: true,
        role: true,
        status: true,
        emailVerifiedAt: true,
        organizationId: true,
        organization: { select: { kind: true } },
        officialVoices: { select: { organizationId: true } },
      },
    }),
    db.community.findMany({
      where: { slug: { in: threads.map((thread) => thread.community) } },
      select: {
        id: true,
        slug: true,
        ownerOrganizationId: true,
        audience: true,
        visibility: true,
        archivedAt: true,
        welcomedTags: true,
      },
    }),
  ]);
  const [memberships, organizations] = await Promise.all([
    db.membership.findMany({
      where: { userId: { in: users.map((user) => user.id) }, communityId: { in: communities.map((c) => c.id) } },
      select: { communityId: true, userId: true, role: true, state: true },
    }),
    db.organization.findMany({ where: { slug: { in: onBehalf } }, select: { id: true, slug: true } }),
  ]);
  return {
    users: new Map(
      users.map((user) => [
        user.handle.toLowerCase(),
        {
          id: user.id,
          actor: actorFromUserRow(user),
          voices: user.officialVoices.map((voice) => voice.organizationId),
        },
      ]),
    ),
    communities: new Map(communities.map(({ slug, ...community }) => [slug.toLowerCase(), community])),
    memberships: new Map(memberships.map((row) => [`${row.communityId}:${row.userId}`, row])),
    organizations: new Map(organizations.map((organization) => [organization.slug, organization.id])),
    knownHandles: new Set(users.map((user) => user.handle.toLowerCase())),
    now: Date.now(),
  };
}

function required<T>(map: ReadonlyMap<string, T>, key: string, what: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`Demo threads: no ${what} "${key}"`);
  return value;
}

/** Where a post sits in its thread. */
interface Placement {
  readonly thread: DemoThread;
  readonly threadId: string;
  readonly isOpening: boolean;
  readonly parentId: string | null;
}

/**
 * The policy's decision on a demo post, as the threads service asks for it; throws when the author
 * may not post in the community or the policy would refuse the post.
 */
function judgeDemoPost(world: DemoWorld, place: Placement, post: DemoPostData): PolicyDecision {
  const { thread } = place;
  const community = required(world.communities, thread.community, 'community');
  const author = required(world.users, post.author, 'user');
  const membership = world.memberships.get(`${community.id}:${author.id}`) ?? null;
  const facts = {
    ownerOrganizationId: community.ownerOrganizationId,
    audience: community.audience,
    visibility: community.visibility,
    archived: community.archivedAt !== null,
  };
  const where = `"${thread.title}" (${thread.community}), post by ${post.author}`;
  if (!can(author.actor, 'post', facts, membership)) throw new Error(`Demo threads: ${where} may not post there`);
  for (const handle of [...(post.likes ?? []), ...(post.useful ?? [])]) {
    const reactor = required(world.users, handle, 'user');
    const reactorMembership = world.memberships.get(`${community.id}:${reactor.id}`) ?? null;
    if (!can(reactor.actor, 'post', facts, reactorMembership)) {
      throw new Error(`Demo threads: ${where}: ${handle} may not react there`);
    }
  }
  const decision = decidePost({
    author: {
      kind: author.actor.kind,
      officialVoiceFor: author.voices,
      communityRole: membership?.state === 'ACTIVE' ? membership.role : null,
    },
    community: {
      welcomedTags: community.welcomedTags,
      ownerOrganizationId: community.ownerOrganizationId,
      audience: community.audience,
    },
    thread: { kind: thread.kind, isOpeningPost: place.isOpening },
    chosenTag: post.tag,
    onBehalfOf: post.onBehalfOf ? required(world.organizations, post.onBehalfOf, 'organization') : null,
    text: place.isOpening ? `${thread.title}\n\n${post.body}` : post.body,
  });
  if (decision.outcome === 'REJECT' || decision.outcome === 'HOLD') {
    const codes = decision.rules.filter((rule) => rule.outcome === decision.outcome).map((rule) => rule.code);
    throw new Error(`Demo threads: the policy gives ${decision.outcome} to ${where}: ${codes.join(', ')}`);
  }
  return decision;
}

/** Writes one post as the threads service would: HTML, mentions, topics, reactions and the policy's decision. */
async function writePost(
  tx: Prisma.TransactionClient,
  world: DemoWorld,
  place: Placement,
  post: DemoPostData,
): Promise<string> {
  const decision = judgeDemoPost(world, place, post);
  const community = required(world.communities, place.thread.community, 'community');
  const author = required(world.users, post.author, 'user');
  const rendered = renderPostMarkdown(post.body, { knownHandles: world.knownHandles, images: new Map() });
  const { id: postId } = await tx.post.create({
    data: {
      threadId: place.threadId,
      authorId: author.id,
      parentId: place.parentId,
      isOpening: place.isOpening,
      source: post.body,
      ...postTextFields(place.isOpening ? place.thread.title : null, post.body),
      html: rendered.html,
      tag: post.tag,
      onBehalfOfId: post.onBehalfOf ? required(world.organizations, post.onBehalfOf, 'organization') : null,
      createdAt: postTime(world, place.thread, post.hours),
    },
    select: { id: true },
  });
  await tx.policyDecision.create({
    data: {
      postId,
      communityId: community.id,
      authorId: author.id,
      chosenTag: decision.tag,
      suggestedTag: decision.suggestion.tag,
      confidence: decision.suggestion.confidence,
      cues: decision.suggestion.cues.map((cue) => ({ ...cue })),
      outcome: decision.outcome,
      rules: decision.rules.map((rule) => ({ code: rule.code, outcome: rule.outcome, params: rule.params ?? {} })),
      // A warning is published only once its author confirms the tag, as they do here.
      confirmed: decision.outcome === 'WARN',
      createdAt: postTime(world, place.thread, post.hours),
    },
  });
  if (rendered.mentions.length > 0) {
    await tx.mention.createMany({
      data: rendered.mentions.map((handle) => ({ postId, userId: required(world.users, handle, 'user').id })),
    });
  }
  await linkTopics(tx, postId, rendered.topics);
  const reactions: [ReactionKind, readonly string[] | undefined][] = [
    ['LIKE', post.likes],
    ['USEFUL', post.useful],
  ];
  const rows = reactions.flatMap(([kind, handles]) =>
    (handles ?? []).map((handle) => ({
      postId,
      userId: required(world.users, handle, 'user').id,
      kind,
      createdAt: new Date(Math.min(world.now, postTime(world, place.thread, post.hours + 1).getTime())),
    })),
  );
  if (rows.length > 0) await tx.reaction.createMany({ data: rows });
  return postId;
}

function postTime(world: DemoWorld, thread: DemoThread, hours: number): Date {
  return new Date(world.now - thread.daysAgo * 24 * HOUR + hours * HOUR);
}

/** The thread, its opening post and its replies (each followed by its answers), in one transaction. */
async function writeThread(tx: Prisma.TransactionClient, world: DemoWorld, thread: DemoThread): Promise<void> {
  const community = required(world.communities, thread.community, 'community');
  // Two seeders at once (two `npm start`s on one database) write each thread once.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('agora:demo-threads'))`;
  const exists = await tx.thread.findFirst({
    where: { communityId: community.id, title: thread.title },
    select: { id: true },
  });
  if (exists) return;
  const replies = repliesOf(thread);
  const latest = Math.max(0, ...replies.map((reply) => reply.hours));
  if (latest >= thread.daysAgo * 24) throw new Error(`Demo threads: "${thread.title}" has a reply in the future`);
  const { id: threadId } = await tx.thread.create({
    data: {
      communityId: community.id,
      authorId: required(world.users, thread.opening.author, 'user').id,
      title: thread.title,
      kind: thread.kind,
      tag: thread.opening.tag,
      pinned: thread.pinned ?? false,
      replyCount: replies.length,
      lastActivityAt: postTime(world, thread, latest),
      createdAt: postTime(world, thread, 0),
    },
    select: { id: true },
  });
  const place = { thread, threadId, isOpening: false, parentId: null };
  await writePost(tx, world, { ...place, isOpening: true }, { ...thread.opening, hours: 0 });
  let acceptedPostId: string | null = null;
  for (const reply of thread.replies) {
    const replyId = await writePost(tx, world, place, reply);
    if (reply.accepted) {
      if (thread.kind !== 'QUESTION' || acceptedPostId !== null) {
        throw new Error(`Demo threads: "${thread.title}" accepts an answer it cannot have`);
      }
      acceptedPostId = replyId;
    }
    for (const answer of reply.answers ?? []) {
      if (answer.hours <= reply.hours) throw new Error(`Demo threads: "${thread.title}" answers a reply before it`);
      await writePost(tx, world, { ...place, parentId: replyId }, answer);
    }
  }
  if (acceptedPostId) await tx.thread.update({ where: { id: threadId }, data: { acceptedPostId } });
}

/** Writes the demo threads that are not there yet (by title, in their community). */
export async function seedDemoThreads(db: Db, threads: readonly DemoThread[] = DEMO_THREADS): Promise<void> {
  const existing = await db.thread.findMany({
    where: {
      title: { in: threads.map((thread) => thread.title) },
      community: { slug: { in: threads.map((t) => t.community) } },
    },
    select: { title: true, community: { select: { slug: true } } },
  });
  const written = new Set(existing.map((row) => `${row.community.slug.toLowerCase()}\n${row.title}`));
  const missing = threads.filter((thread) => !written.has(`${thread.community}\n${thread.title}`));
  if (missing.length === 0) return;
  const world = await loadWorld(db, missing);
  for (const thread of missing) {
    await db.$transaction((tx) => writeThread(tx, world, thread), { timeout: 30_000 });
  }
}
