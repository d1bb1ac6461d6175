import type { Viewer } from '../accounts/auth.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import { NotFound, Refused } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostTag, ThreadKind } from '../generated/prisma/enums.js';
import { topicKey } from '../markdown/post-markdown.js';
import { type Byline, bylineOf } from '../search/byline.js';
import { cursorDate, isCursorUuid } from '../search/cursor-values.js';
import { myMembershipJoin, viewerReadsSql } from '../search/readable-communities.js';
import { plainText } from '../search/snippet.js';

// Follows and the home feed (issue 12). A person follows people and topics; their home page is a feed of
// the new threads and replies of the communities they belong to, of the people they follow and on the
// topics they follow — as far as they may read them: published posts, in listed threads, of communities
// communityAccessWhere lets them read (the same rule as every page, decided in SQL).

export const FEED_PER_PAGE = 20;
export const EXCERPT_LENGTH = 280;
export const UNANSWERED_LIMIT = 5;
/** Follows named beside the feed. */
export const FOLLOWING_SHOWN = 200;

export interface FeedFilters {
  readonly tag: PostTag | null;
  readonly kind: ThreadKind | null;
}

export interface FeedItem {
  readonly postId: string;
  readonly isOpening: boolean;
  readonly createdAt: Date;
  readonly tag: PostTag;
  readonly excerpt: string;
  readonly thread: { readonly id: string; readonly title: string; readonly kind: ThreadKind };
  readonly community: { readonly slug: string; readonly name: string };
  readonly author: Byline | null;
}

/** Keyset cursor of the feed: the last post's (created at, id). */
export function encodeFeedCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

/** The cursor, or null when it does not decode to one (any text in, never a throw). */
export function decodeFeedCursor(text: string | null | undefined): { createdAt: Date; id: string } | null {
  if (!text || text.length > 200) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    const createdAt = cursorDate(at);
    if (createdAt === null || !isCursorUuid(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

function excerptOf(source: string): string {
  const text = plainText(source);
  if (text.length <= EXCERPT_LENGTH) return text;
  const cut = text.lastIndexOf(' ', EXCERPT_LENGTH);
  return `${text.slice(0, cut > EXCERPT_LENGTH / 2 ? cut : EXCERPT_LENGTH)}…`;
}

interface HomeContext {
  readonly viewer: Viewer;
  readonly joined: string[];
  readonly followed: { readonly users: string[]; readonly topics: string[] };
  readonly following: {
    readonly people: { handle: string; displayName: string }[];
    readonly topics: { slug: string; label: string }[];
  };
}

export function createFeedService({ db }: { db: Db }) {
  /** Communities the viewer belongs to and may read (a membership counts only inside the audience). */
  async function joinedCommunityIds(viewer: Viewer): Promise<string[]> {
    const rows = await db.community.findMany({
      where: {
        AND: [
          { memberships: { some: { userId: viewer.id, state: 'ACTIVE' } } },
          communityAccessWhere(actorOf(viewer), 'read'),
        ],
      },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /**
   * What the home page needs to know about the viewer once, for the feed and the list beside it: the
   * communities they may read and those they belong to, and whom and what they follow (ids, and the names
   * of the active people and the topics, for "you follow").
   */
  async function homeContext(viewer: Viewer): Promise<HomeContext> {
    const [joined, follows] = await Promise.all([
      joinedCommunityIds(viewer),
      db.follow.findMany({
        where: { followerId: viewer.id },
        select: {
          userId: true,
          topicId: true,
          user: { select: { handle: true, displayName: true, status: true } },
          topic: { select: { slug: true, label: true } },
        },
        orderBy: { createdAt: 'asc' },
      }),
    ]);
    return {
      viewer,
      joined,
      followed: {
        users: follows.flatMap((follow) => (follow.userId ? [follow.userId] : [])),
        topics: follows.flatMap((follow) => (follow.topicId ? [follow.topicId] : [])),
      },
      // The list beside the feed names at most FOLLOWING_SHOWN, as it always has.
      following: {
        people: follows
          .slice(0, FOLLOWING_SHOWN)
          .flatMap((follow) =>
            follow.user?.status === 'ACTIVE'
              ? [{ handle: follow.user.handle, displayName: follow.user.displayName }]
              : [],
          ),
        topics: follows.slice(0, FOLLOWING_SHOWN).flatMap((follow) => (follow.topic ? [follow.topic] : [])),
      },
    };
  }

  /**
   * A page of the viewer's feed, newest first: posts of joined communities, by followed people, or on
   * followed topics (the post's own or its thread's opening post's: topic_feed_posts), readable by the
   * viewer, narrowed by tag and thread kind; a keyset page (created at, id) at a time. Each source is read
   * newest first on its own index and limited before they are merged — one index range per joined
   * community (posts.community_id), per followed person and per followed topic (a LATERAL subquery each:
   * an `= ANY(list)` condition cannot walk an index in order, and sorted every post of a popular topic) —
   * so neither a long history nor a popular topic is ever scanned. Access is the rule every page uses
   * (communityAccessSql on the community and the viewer's membership of it): for a joined community once,
   * in `joined`; for a followed person's or topic's candidates on each one's community; and the page's
   * posts' threads must be listed and in their community (all candidates' when one is not, or a kind is
   * asked for). One statement in the common case, two when a thread on the page is no longer listed.
   */
  async function feed(context: HomeContext, filters: FeedFilters, after: string | null) {
    const cursor = decodeFeedCursor(after);
    const { viewer, joined, followed } = context;
    // Whether the post's thread is listed and of the kind asked for, and in the post's community (its
    // copy, posts.community_id): a subquery per candidate that the planner keeps as a filter (OFFSET 0: not
    // turned into a join), so each source below walks its index newest first and stops after a page. As a
    // join, the planner hashed the viewer's memberships and sorted every post of every followed person.
    const threadListed = Prisma.sql`EXISTS (
        SELECT 1 FROM threads t
        WHERE t.id = p.thread_id AND t.community_id = p.community_id AND NOT t.restricted
          ${filters.kind ? Prisma.sql`AND t.kind = ${filters.kind}::"ThreadKind"` : Prisma.empty}
        OFFSET 0)`;
    // Whether the viewer may read the post's community (communityAccessSql on it and their membership of
    // it), checked before its thread: a followed person writes in many communities, and about half of what
    // they write is where the viewer cannot read. A LATERAL join on the community's key, which the planner
    // memoizes (one lookup per community met, not per post: 898 candidates of 20 people met 20
    // communities); OFFSET 0 keeps it from being flattened into a hash of every community. A joined
    // community's posts need no check: `joined` holds only the communities the viewer belongs to and may
    // read (joinedCommunityIds), and the thread's community is the post's.
    const communityReadable = Prisma.sql`JOIN LATERAL (
        SELECT true FROM communities c ${myMembershipJoin(viewer)}
        WHERE c.id = p.community_id AND ${viewerReadsSql(viewer)} OFFSET 0) AS readable ON true`;
    const common = [Prisma.sql`p.status = 'PUBLISHED'`, Prisma.sql`p.deleted_at IS NULL`];
    if (filters.tag) common.push(Prisma.sql`p.tag = ${filters.tag}::"PostTag"`);
    if (cursor) common.push(Prisma.sql`(p.created_at, p.id) < (${cursor.createdAt}, ${cursor.id}::uuid)`);
    const limit = FEED_PER_PAGE + 1;
    /** Each source's newest `limit` candidates, merged newest first; `threads`: with threadListed. */
    const candidates = (threads: boolean) => {
      const where = Prisma.join([...common, ...(threads ? [threadListed] : [])], ' AND ');
      const branches: Prisma.Sql[] = [];
      if (joined.length > 0) {
        branches.push(Prisma.sql`(
          SELECT mine.id, mine.created_at FROM unnest(${joined}::uuid[]) AS joined(id)
          CROSS JOIN LATERAL (
            SELECT p.id, p.created_at FROM posts p
            WHERE p.community_id = joined.id AND ${where}
            ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}) AS mine)`);
      }
      if (followed.users.length > 0) {
        branches.push(Prisma.sql`(
          SELECT mine.id, mine.created_at FROM unnest(${followed.users}::uuid[]) AS followed(id)
          CROSS JOIN LATERAL (
            SELECT p.id, p.created_at FROM posts p ${communityReadable}
            WHERE p.author_id = followed.id AND ${where}
            ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}) AS mine)`);
      }
      if (followed.topics.length > 0) {
        const onTopic = cursor
          ? Prisma.sql`AND (f.created_at, f.post_id) < (${cursor.createdAt}, ${cursor.id}::uuid)`
          : Prisma.empty;
        branches.push(Prisma.sql`(
          SELECT mine.id, mine.created_at FROM unnest(${followed.topics}::uuid[]) AS followed(id)
          CROSS JOIN LATERAL (
            SELECT p.id, p.created_at
            FROM topic_feed_posts f JOIN posts p ON p.id = f.post_id ${communityReadable}
            WHERE f.topic_id = followed.id ${onTopic} AND ${where}
            ORDER BY f.created_at DESC, f.post_id DESC LIMIT ${limit}) AS mine)`);
      }
      if (branches.length === 0) return null;
      return Prisma.sql`SELECT DISTINCT id, created_at FROM (${Prisma.join(branches, ' UNION ALL ')}) AS candidates
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
    };
    const merged = candidates(false);
    if (merged === null) return { items: [], next: null, empty: true };
    // Threads are checked on the page's candidates only, not on every source's: the newest `limit` of the
    // merged sources are the newest `limit` of everything the sources hold (each source gives its own
    // newest `limit`), so when all of them are in listed threads they are the page, exactly as if every
    // candidate had been checked. When one is not (a thread held or restricted since, rare), or a kind is
    // asked for (which many fail), the statement is run again with the check on every candidate. Checking
    // each candidate's thread cost a lookup per candidate: 1,100 for the 50 joined communities of the
    // bench's viewer at a million posts, where a page needs 21.
    const checked = filters.kind
      ? null
      : await db.$queryRaw<{ id: string; created_at: Date; listed: boolean }[]>`
          SELECT top.id, top.created_at, ${threadListed} AS listed
            FROM (${merged}) AS top JOIN posts p ON p.id = top.id
           ORDER BY top.created_at DESC, top.id DESC`;
    const rows =
      checked?.every((row) => row.listed) === true
        ? checked
        : await db.$queryRaw<{ id: string; created_at: Date }[]>`${candidates(true) ?? merged}`;
    const page = rows.slice(0, FEED_PER_PAGE);
    const found = await db.post.findMany({
      where: { id: { in: page.map((row) => row.id) } },
      select: {
        id: true,
        isOpening: true,
        createdAt: true,
        tag: true,
        source: true,
        author: { select: { handle: true, displayName: true, status: true } },
        thread: { select: { id: true, title: true, kind: true, community: { select: { slug: true, name: true } } } },
      },
    });
    const byId = new Map(found.map((post) => [post.id, post]));
    const items = page.flatMap((row): FeedItem[] => {
      const post = byId.get(row.id);
      if (!post) return [];
      return [
        {
          postId: post.id,
          isOpening: post.isOpening,
          createdAt: post.createdAt,
          tag: post.tag,
          excerpt: excerptOf(post.source),
          thread: { id: post.thread.id, title: post.thread.title, kind: post.thread.kind },
          community: post.thread.community,
          author: bylineOf(post.author),
        },
      ];
    });
    const last = page.at(-1);
    return {
      items,
      next: rows.length > FEED_PER_PAGE && last ? encodeFeedCursor({ createdAt: last.created_at, id: last.id }) : null,
      empty: false,
    };
  }

  /**
   * Unanswered questions on the viewer's topics (followed, or listed in their expertise): readable
   * questions with no accepted answer whose opening post is on one of them, newest first, at most
   * UNANSWERED_LIMIT; never the viewer's own.
   */
  async function unansweredOnMyTopics(context: HomeContext) {
    const { viewer, followed } = context;
    const me = await db.user.findUnique({ where: { id: viewer.id }, select: { expertise: true } });
    const keys = (me?.expertise ?? []).map((entry) => topicKey(entry)).filter((key) => key.length > 0);
    const fromExpertise = keys.length
      ? await db.topic.findMany({ where: { slug: { in: keys } }, select: { id: true } })
      : [];
    const topics = [...new Set([...followed.topics, ...fromExpertise.map((topic) => topic.id)])];
    if (topics.length === 0) return [];
    // Newest first from post_topics' (topic, created at) index, one range per topic (LATERAL: `= ANY(list)`
    // cannot walk the index in order, and sorted every post of a popular topic), then the few threads
    // checked: scanning every thread for its opening post's topics costs a whole table per page.
    const candidates = await db.$queryRaw<{ id: string }[]>`
      SELECT found.id FROM unnest(${topics}::uuid[]) AS mine(id)
      CROSS JOIN LATERAL (
        SELECT t.id, pt.created_at, pt.post_id
        FROM post_topics pt
        JOIN posts op ON op.id = pt.post_id AND op.is_opening AND op.status = 'PUBLISHED'
        JOIN threads t ON t.id = op.thread_id
        JOIN communities c ON c.id = t.community_id
        ${myMembershipJoin(viewer)}
        WHERE pt.topic_id = mine.id
          AND t.kind = 'QUESTION' AND t.accepted_post_id IS NULL AND NOT t.restricted
          AND (t.author_id IS NULL OR t.author_id <> ${viewer.id}::uuid)
          AND ${viewerReadsSql(viewer)}
        ORDER BY pt.created_at DESC, pt.post_id DESC
        LIMIT ${UNANSWERED_LIMIT}) AS found
      ORDER BY found.created_at DESC, found.post_id DESC`;
    // An opening post on two of the topics names its thread twice.
    const rows = [...new Set(candidates.map((row) => row.id))].slice(0, UNANSWERED_LIMIT).map((id) => ({ id }));
    const threads = await db.thread.findMany({
      where: { id: { in: rows.map((row) => row.id) } },
      select: {
        id: true,
        title: true,
        replyCount: true,
        createdAt: true,
        community: { select: { slug: true, name: true } },
      },
    });
    const byId = new Map(threads.map((thread) => [thread.id, thread]));
    return rows.flatMap((row) => byId.get(row.id) ?? []);
  }

  /**
   * The signed-in home page: a page of the feed (none when `filters` is null: the filters were refused),
   * the unsolved questions on the viewer's topics, and whom and what they follow. What the three share
   * (the joined communities, the follows) is read once.
   */
  async function homePage(viewer: Viewer, filters: FeedFilters | null, after: string | null) {
    const context = await homeContext(viewer);
    const [page, unanswered] = await Promise.all([
      filters ? feed(context, filters, after) : Promise.resolve({ items: [], next: null, empty: false }),
      unansweredOnMyTopics(context),
    ]);
    return { feed: page, unanswered, following: context.following };
  }

  /**
   * Follows a person (by handle) or stops: idempotent, so a form sent twice changes nothing more. An
   * unknown or suspended person answers NotFound; oneself is Refused.
   */
  async function setPersonFollow(viewer: Viewer, handle: string, follow: boolean): Promise<void> {
    const person = await db.user.findFirst({
      // citext: case-insensitive as it is (an ILIKE would read _ in a handle as any character).
      where: { handle, status: 'ACTIVE' },
      select: { id: true },
    });
    if (!person) throw new NotFound('No such person');
    if (person.id === viewer.id) throw new Refused('find.follow.self');
    if (follow) {
      await db.follow.createMany({ data: [{ followerId: viewer.id, userId: person.id }], skipDuplicates: true });
    } else {
      await db.follow.deleteMany({ where: { followerId: viewer.id, userId: person.id } });
    }
  }

  /**
   * Follows a topic (by any spelling) or stops. A topic the viewer can read nothing on is, for them, a
   * topic that does not exist (as its page): NotFound, to follow it and to stop following it alike (an
   * unfollow that answered otherwise told anyone which topics exist in secret communities). A topic the
   * viewer already follows may always be left, readable or not since. Returns whether the viewer may read
   * something on it (its page answers them).
   */
  async function setTopicFollow(viewer: Viewer, typed: string, follow: boolean): Promise<boolean> {
    const topic = await db.topic.findUnique({ where: { slug: topicKey(typed) }, select: { id: true } });
    if (!topic) throw new NotFound('No such topic');
    const readable = async () =>
      (await db.post.findFirst({
        where: {
          status: 'PUBLISHED',
          thread: { restricted: false, community: communityAccessWhere(actorOf(viewer), 'read') },
          topics: { some: { topicId: topic.id } },
        },
        select: { id: true },
      })) !== null;
    if (follow) {
      if (!(await readable())) throw new NotFound('No such topic');
      await db.follow.createMany({ data: [{ followerId: viewer.id, topicId: topic.id }], skipDuplicates: true });
      return true;
    }
    const left = await db.follow.deleteMany({ where: { followerId: viewer.id, topicId: topic.id } });
    const canRead = await readable();
    if (left.count === 0 && !canRead) throw new NotFound('No such topic');
    return canRead;
  }

  /** Whether the viewer follows this person (by handle) or topic (by key), for the button on its page. */
  async function isFollowing(viewer: Viewer, target: { handle: string } | { topicKey: string }): Promise<boolean> {
    const row = await db.follow.findFirst({
      where: {
        followerId: viewer.id,
        ...('handle' in target ? { user: { handle: target.handle } } : { topic: { slug: target.topicKey } }),
      },
      select: { id: true },
    });
    return row !== null;
  }

  return { homePage, setPersonFollow, setTopicFollow, isFollowing };
}

export type FeedService = ReturnType<typeof createFeedService>;
