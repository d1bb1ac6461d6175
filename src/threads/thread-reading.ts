import { LRUCache } from 'lru-cache';
import type { Viewer } from '../accounts/auth.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { ModerationActionKind, ModerationGround, PostStatus, ReactionKind } from '../generated/prisma/enums.js';
import { isReadable, isRestricted } from '../moderation/post-visibility.js';
import type { Cue } from '../policy/classifier.js';
import { TEXT_GUARD_CODES } from '../policy/rules.js';
import type { PostTag } from '../policy/tags.js';
import { UUID_PATTERN } from '../search/cursor-values.js';
import { renderWithoutSuspendedMentions } from './post-mentions.js';
import { type ReplyPageRequest, replyPage } from './reply-pages.js';
import { mayReactToOwnPost } from './thread-reactions.js';
import { type AUTHOR_SELECT, bylineAuthor, POST_WORDS_SELECT, type ThreadRow } from './thread-selects.js';

// Reading one thread: opening it as the viewer may, its page (every post in conversation order), a post,
// a post's earlier versions, and the community's policy decisions for its moderators. Nothing here
// changes anything (opening may record a site admin's look: communities.open); lists are in thread-lists.ts.

export const DECISIONS_LIMIT = 100;

/** An opened community plus the thread the URL names, as the viewer may read it. */
export interface OpenedThread {
  readonly opened: OpenedCommunity;
  readonly thread: ThreadRow;
  /**
   * The page epoch (table page_epoch, kept by triggers: ADR 024) as the thread was read, a decimal string
   * that changes with anything thread pages show of people and organizations. Read with the thread, before
   * any post, so what is kept under it is never older.
   */
  readonly pageEpoch: string;
}

/** One row of openThread's statement. */
interface OpenedThreadRow {
  id: string;
  community_id: string;
  title: string;
  kind: ThreadRow['kind'];
  tag: ThreadRow['tag'];
  pinned: boolean;
  locked: boolean;
  accepted_post_id: string | null;
  reply_count: number;
  restricted: boolean;
  last_activity_at: Date;
  created_at: Date;
  author_id: string | null;
  page_version: number;
  page_epoch: string;
}

const DECISION_SELECT = {
  chosenTag: true,
  suggestedTag: true,
  confidence: true,
  cues: true,
  outcome: true,
  rules: true,
  confirmed: true,
  createdAt: true,
} as const;

/** A post as the thread page reads it (postsOfPage): its row, author, voice, files, latest decision, reactions. */
interface PostRow {
  readonly id: string;
  readonly parentId: string | null;
  readonly isOpening: boolean;
  readonly html: string;
  readonly tag: PostTag;
  readonly status: PostStatus;
  readonly editedAt: Date | null;
  readonly createdAt: Date;
  readonly authorId: string | null;
  readonly author: BylineAuthorRow | null;
  readonly onBehalfOf: { readonly name: string } | null;
  readonly attachments: readonly AttachmentRow[];
  /** The latest policy decision (the badge's explanation, a held post's reasons), if any. */
  readonly decision: DecisionRow | null;
  readonly reactions: Readonly<Record<ReactionKind, number>>;
  /** The viewer's own reactions (all false when signed out). */
  readonly mine: Readonly<Record<ReactionKind, boolean>>;
  /** Published and mentioning someone suspended since: its HTML is rendered again (post-mentions.ts). */
  readonly mentionsSuspended: boolean;
}

interface AttachmentRow {
  readonly id: string;
  readonly displayName: string;
  readonly mimeType: string;
  readonly size: number;
  readonly isImage: boolean;
  readonly width: number | null;
  readonly height: number | null;
}

type BylineAuthorRow = Prisma.UserGetPayload<{ select: typeof AUTHOR_SELECT }>;

/** One row of postsOfPage's statement, before it is shaped into a PostRow. */
interface PostQueryRow {
  id: string;
  parent_id: string | null;
  is_opening: boolean;
  html: string;
  tag: PostTag;
  status: PostStatus;
  edited_at: Date | null;
  created_at: Date;
  author_id: string | null;
  author_handle: string | null;
  author_display_name: string | null;
  author_kind: BylineAuthorRow['kind'] | null;
  author_status: BylineAuthorRow['status'] | null;
  author_public_fields: string[] | null;
  author_email_verified_at: Date | null;
  author_organization: string | null;
  on_behalf_of: string | null;
  attachments: AttachmentRow[] | null;
  decision_chosen_tag: PostTag | null;
  decision_suggested_tag: PostTag | null;
  decision_confidence: number | null;
  decision_cues: unknown;
  decision_outcome: DecisionRow['outcome'] | null;
  decision_rules: unknown;
  decision_confirmed: boolean | null;
  decision_created_at: Date | null;
  likes: number;
  usefuls: number;
  mine_like: boolean;
  mine_useful: boolean;
  mentions_suspended: boolean;
}

/**
 * Every post of a thread page in one statement, in conversation order: the posts (`ids`, or the whole
 * thread), each with its author and their organization, the organization it speaks for, its files, its
 * latest policy decision, its reaction counts, the viewer's own reactions and whether it mentions someone
 * suspended. One statement rather than Prisma's nine (a query per relation): on a page of 200 posts each
 * statement and each hydrated relation cost Node and PostgreSQL CPU on every view.
 */
async function postsOfPage(
  db: Db,
  threadId: string,
  ids: readonly string[] | null,
  viewerId: string | null,
): Promise<PostRow[]> {
  const which = ids ? Prisma.sql`p.id = ANY(${[...ids]}::uuid[])` : Prisma.sql`p.thread_id = ${threadId}::uuid`;
  // Authors, files, decisions and reactions are read for the page's posts as a set, by key on their indexes
  // (authors by an array of ids: a plain join on users lets the planner hash the whole table); per-post
  // subqueries cost PostgreSQL more.
  const page = Prisma.sql`SELECT p.id FROM posts p WHERE ${which}`;
  // Prepared on each connection (db/client.ts): planning this statement cost PostgreSQL more than running it.
  const rows = await db.$queryRaw<PostQueryRow[]>`${Prisma.raw(PREPARED_STATEMENT)}
    SELECT p.id::text, p.parent_id::text, p.is_opening, p.html, p.tag::text, p.status::text, p.edited_at,
           p.created_at, p.author_id::text,
           u.handle AS author_handle, u.display_name AS author_display_name, u.kind AS author_kind,
           u.status AS author_status, u.public_fields AS author_public_fields,
           u.email_verified_at AS author_email_verified_at, u.organization AS author_organization,
           ob.name AS on_behalf_of, f.attachments,
           d.chosen_tag::text AS decision_chosen_tag, d.suggested_tag::text AS decision_suggested_tag,
           d.confidence AS decision_confidence, d.cues AS decision_cues, d.outcome::text AS decision_outcome,
           d.rules AS decision_rules, d.confirmed AS decision_confirmed, d.created_at AS decision_created_at,
           coalesce(r.likes, 0)::int AS likes, coalesce(r.usefuls, 0)::int AS usefuls,
           coalesce(r.mine_like, false) AS mine_like, coalesce(r.mine_useful, false) AS mine_useful,
           (p.status = 'PUBLISHED' AND m.post_id IS NOT NULL) AS mentions_suspended
      FROM posts p
      LEFT JOIN (
        SELECT a.id, a.handle::text, a.display_name, a.kind::text, a.status::text, a.public_fields,
               a.email_verified_at, o.name AS organization
          FROM users a LEFT JOIN organizations o ON o.id = a.organization_id
         WHERE a.id = ANY(ARRAY(SELECT p.author_id FROM posts p WHERE ${which}))) u ON u.id = p.author_id
      LEFT JOIN organizations ob ON ob.id = p.on_behalf_of_id
      LEFT JOIN (
        SELECT a.post_id, json_agg(json_build_object('id', a.id, 'displayName', a.display_name, 'mimeType', a.mime_type,
                 'size', a.size, 'isImage', a.is_image, 'width', a.width, 'height', a.height) ORDER BY a.created_at) AS attachments
          FROM attachments a WHERE a.post_id IN (${page}) GROUP BY a.post_id) f ON f.post_id = p.id
      LEFT JOIN (
        SELECT DISTINCT ON (pd.post_id) pd.* FROM policy_decisions pd
         WHERE pd.post_id IN (${page}) ORDER BY pd.post_id, pd.created_at DESC) d ON d.post_id = p.id
      LEFT JOIN (
        SELECT x.post_id, count(*) FILTER (WHERE x.kind = 'LIKE') AS likes,
               count(*) FILTER (WHERE x.kind = 'USEFUL') AS usefuls,
               bool_or(x.kind = 'LIKE' AND x.user_id = ${viewerId}::uuid) AS mine_like,
               bool_or(x.kind = 'USEFUL' AND x.user_id = ${viewerId}::uuid) AS mine_useful
          FROM reactions x WHERE x.post_id IN (${page}) GROUP BY x.post_id) r ON r.post_id = p.id
      LEFT JOIN (
        SELECT DISTINCT mn.post_id FROM mentions mn JOIN users mu ON mu.id = mn.user_id
         WHERE mn.post_id IN (${page}) AND mu.status <> 'ACTIVE') m ON m.post_id = p.id
     WHERE ${which}
     ORDER BY p.created_at, p.id`;
  return rows.map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    isOpening: row.is_opening,
    html: row.html,
    tag: row.tag,
    status: row.status,
    editedAt: row.edited_at,
    createdAt: row.created_at,
    authorId: row.author_id,
    author:
      row.author_id !== null && row.author_handle !== null
        ? {
            id: row.author_id,
            handle: row.author_handle,
            displayName: row.author_display_name ?? '',
            kind: row.author_kind as BylineAuthorRow['kind'],
            status: row.author_status as BylineAuthorRow['status'],
            publicFields: row.author_public_fields ?? [],
            emailVerifiedAt: row.author_email_verified_at,
            organization: row.author_organization === null ? null : { name: row.author_organization },
          }
        : null,
    onBehalfOf: row.on_behalf_of === null ? null : { name: row.on_behalf_of },
    attachments: row.attachments ?? [],
    decision:
      row.decision_created_at === null
        ? null
        : {
            chosenTag: row.decision_chosen_tag as PostTag,
            suggestedTag: row.decision_suggested_tag as PostTag,
            confidence: row.decision_confidence ?? 0,
            cues: row.decision_cues as DecisionRow['cues'],
            outcome: row.decision_outcome as DecisionRow['outcome'],
            rules: row.decision_rules as DecisionRow['rules'],
            confirmed: row.decision_confirmed ?? false,
            createdAt: row.decision_created_at,
          },
    reactions: { LIKE: row.likes, USEFUL: row.usefuls },
    mine: { LIKE: row.mine_like, USEFUL: row.mine_useful },
    mentionsSuspended: row.mentions_suspended,
  }));
}

type DecisionRow = Prisma.PolicyDecisionGetPayload<{ select: typeof DECISION_SELECT }>;

/** How a post's tag came to be, for its badge. */
export interface TagExplanation {
  readonly chosenTag: PostTag;
  readonly suggestedTag: PostTag;
  readonly confidence: number;
  readonly cues: readonly Cue[];
  readonly rules: readonly { code: string; outcome: string; params: Record<string, string> }[];
  readonly confirmed: boolean;
}

/** Why a post is kept from readers, as its author and the moderators see it in place. */
export interface PostModeration {
  readonly status: PostStatus;
  /** HELD: the rules that held it (from its latest policy decision). */
  readonly reasons: TagExplanation['rules'];
  /** REJECTED or HIDDEN: the moderator's decision, whose statement of reasons the author can read. */
  readonly decision: {
    readonly id: string;
    readonly action: ModerationActionKind;
    readonly ground: ModerationGround | null;
    readonly statement: string;
  } | null;
}

export interface PostView {
  readonly id: string;
  readonly status: PostStatus;
  /** Set for a post kept from readers, shown to its author and the moderators only. */
  readonly moderation: PostModeration | null;
  /** Kept from this viewer but answered by posts they may read: a tombstone keeps its place. */
  readonly removed: boolean;
  /** The viewer may report it (a signed-in reader who is not its author). */
  readonly canReport: boolean;
  /** The viewer moderates here and it is published: it may be hidden. */
  readonly canHide: boolean;
  readonly parentId: string | null;
  readonly isOpening: boolean;
  readonly html: string;
  readonly tag: PostTag;
  readonly deleted: boolean;
  readonly edited: boolean;
  readonly editedAt: Date | null;
  readonly createdAt: Date;
  readonly author: PostRow['author'];
  readonly onBehalfOf: string | null;
  readonly attachments: PostRow['attachments'];
  readonly explanation: TagExplanation | null;
  readonly reactions: Readonly<Record<ReactionKind, number>>;
  readonly mine: Readonly<Record<ReactionKind, boolean>>;
  /** Which reactions the viewer may give this post (none of some kinds to their own: thread-reactions.ts). */
  readonly reactable: Readonly<Record<ReactionKind, boolean>>;
  readonly accepted: boolean;
  readonly canEdit: boolean;
  readonly canDelete: boolean;
  readonly canAccept: boolean;
  readonly canAnswer: boolean;
  readonly answers: PostView[];
}

/**
 * The badge's explanation: how the tag came to be. The text guards' rules (personal data, markers,
 * watched words) are moderation matters, shown to the author and the moderators in the post's
 * moderation notice, never in the badge every reader may open.
 */
function explanationOf(row: DecisionRow | undefined): TagExplanation | null {
  if (!row) return null;
  const rules = ((row.rules as unknown as TagExplanation['rules']) ?? []).filter(
    (rule) => !TEXT_GUARD_CODES.has(rule.code),
  );
  return {
    chosenTag: row.chosenTag,
    suggestedTag: row.suggestedTag,
    confidence: row.confidence,
    cues: (row.cues as unknown as Cue[]) ?? [],
    rules,
    // "Confirmed against the suggestion" only where the suggestion was what the author confirmed.
    confirmed: row.confirmed && rules.some((rule) => rule.code === 'tag-differs-from-suggestion'),
  };
}

/**
 * The viewer's own reactions to a page's posts (`ids`, or the whole thread's): post id → kinds given. One
 * prepared statement on reactions' primary key (post, person, kind).
 */
async function myReactions(
  db: Db,
  threadId: string,
  ids: readonly string[] | null,
  viewerId: string,
): Promise<Map<string, Record<ReactionKind, boolean>>> {
  const which = ids
    ? Prisma.sql`x.post_id = ANY(${[...ids]}::uuid[])`
    : Prisma.sql`x.post_id IN (SELECT p.id FROM posts p WHERE p.thread_id = ${threadId}::uuid)`;
  const rows = await db.$queryRaw<{ post_id: string; kind: ReactionKind }[]>`${Prisma.raw(PREPARED_STATEMENT)}
    SELECT x.post_id::text AS post_id, x.kind::text AS kind FROM reactions x
     WHERE x.user_id = ${viewerId}::uuid AND ${which}`;
  const mine = new Map<string, Record<ReactionKind, boolean>>();
  for (const row of rows) {
    const kinds = mine.get(row.post_id) ?? { LIKE: false, USEFUL: false };
    kinds[row.kind] = true;
    mine.set(row.post_id, kinds);
  }
  return mine;
}

/**
 * A page's posts as postsOfPage reads them for nobody in particular (no reaction is anyone's), kept in
 * process under the versions the database keeps of everything they hold (ADR 024): the thread's
 * `page_version` (its posts, files, reactions, policy decisions, mentions), the page epoch (people and
 * organizations) and the page. Reading and decoding 200 posts was the largest share of a long thread's
 * page for a member (issue 15); a version read before them says whether the kept ones are still what the
 * database holds. Rows are shared between requests and never changed: each viewer's own reactions are laid
 * over copies (showThread). Bounded by what the rows weigh (their HTML counted at two bytes a code unit).
 */
const PAGE_ROWS_MAX_BYTES = 32 * 1024 * 1024;

export function createThreadReading({ db, communities }: { db: Db; communities: CommunitiesService }) {
  const keptRows = new LRUCache<string, readonly PostRow[]>({
    maxSize: PAGE_ROWS_MAX_BYTES,
    maxEntrySize: PAGE_ROWS_MAX_BYTES / 16,
    sizeCalculation: (rows) =>
      Math.max(
        1,
        rows.reduce((sum, row) => sum + 1024 + row.html.length * 2, 0),
      ),
  });

  /** The thread named by the URL, in the community named by the URL; 404 unless the viewer may read it. */
  async function openThread(
    slug: string,
    threadId: string,
    viewer: Viewer | null,
    context: AuditContext,
  ): Promise<OpenedThread> {
    const opened = await communities.open(slug, viewer, context);
    // A thread's existence is as private as its content.
    if (!opened.permissions.read) throw new NotFound('No such thread');
    // A thread its author deleted whole is gone for everyone, its author and the moderators too. Read with
    // the page epoch in one prepared statement (OPENED_THREAD_SELECT's fields). An id that is no UUID is
    // no thread: the route's schema lets only UUIDs through, and the cast would refuse anything else.
    if (!UUID_PATTERN.test(threadId)) throw new NotFound('No such thread');
    const rows = await db.$queryRaw<OpenedThreadRow[]>`${Prisma.raw(PREPARED_STATEMENT)}
      SELECT t.id::text AS id, t.community_id::text AS community_id, t.title, t.kind::text AS kind,
             t.tag::text AS tag, t.pinned, t.locked, t.accepted_post_id::text AS accepted_post_id,
             t.reply_count, t.restricted, t.last_activity_at, t.created_at, t.author_id::text AS author_id,
             t.page_version, (SELECT e.version::text FROM page_epoch e WHERE e.id = 1) AS page_epoch
        FROM threads t
       WHERE t.id = ${threadId}::uuid AND t.community_id = ${opened.community.id}::uuid AND t.deleted_at IS NULL`;
    const row = rows[0];
    if (!row) throw new NotFound('No such thread');
    const thread: ThreadRow = {
      id: row.id,
      communityId: row.community_id,
      title: row.title,
      kind: row.kind,
      tag: row.tag,
      pinned: row.pinned,
      locked: row.locked,
      acceptedPostId: row.accepted_post_id,
      replyCount: row.reply_count,
      restricted: row.restricted,
      lastActivityAt: row.last_activity_at,
      createdAt: row.created_at,
      authorId: row.author_id,
      pageVersion: row.page_version,
    };
    // A thread whose opening post is held or hidden exists only for its author and the moderators.
    if (thread.restricted && !isModerator(opened) && (viewer === null || viewer.id !== thread.authorId)) {
      throw new NotFound('No such thread');
    }
    return { opened, thread, pageEpoch: row.page_epoch ?? '0' };
  }

  function isModerator(opened: OpenedCommunity): boolean {
    return opened.permissions.moderate;
  }

  /** The thread page: every post in conversation order, a constant number of queries however many there are. */
  async function showThread(
    { opened, thread, pageEpoch }: OpenedThread,
    viewer: Viewer | null,
    pageRequest: ReplyPageRequest = {},
  ) {
    const moderator = isModerator(opened);
    // Posts kept from readers are shown to their author and the moderators; to anyone else they do not
    // exist, unless a post the viewer may read answers one (then a tombstone keeps the answer's place).
    const mayView = (row: { status: PostStatus; authorId: string | null }) =>
      !isRestricted(row.status) || moderator || (viewer !== null && row.authorId === viewer.id);
    // A long thread: one page of its replies (reply-pages.ts); a short one: every post. A post the viewer
    // may not see opens no page of its own (?at=), as an unknown id.
    const pagination = await replyPage(db, thread, pageRequest, mayView);
    const ids = pagination.postIds;
    // The page's posts, kept under the versions read before them (thread row, then epoch); the viewer's own
    // reactions read apart and laid over copies.
    const rowsKey = `${thread.id}|${thread.pageVersion}|${pageEpoch}|${ids === null ? 'all' : pagination.page}`;
    let kept = keptRows.get(rowsKey);
    if (kept === undefined) {
      kept = await postsOfPage(db, thread.id, ids, null);
      keptRows.set(rowsKey, kept);
    }
    const mine = viewer ? await myReactions(db, thread.id, ids, viewer.id) : null;
    const rows =
      mine === null || mine.size === 0 ? kept : kept.map((row) => ({ ...row, mine: mine.get(row.id) ?? row.mine }));
    const rerendered = await renderWithoutSuspendedMentions(
      db,
      rows.filter((row) => row.mentionsSuspended).map((row) => row.id),
    );
    const answeredVisibly = new Set(
      rows.filter((row) => row.parentId !== null && mayView(row)).map((row) => row.parentId as string),
    );
    const decided = rows.some((row) => row.status === 'REJECTED' || row.status === 'HIDDEN')
      ? await db.moderationDecision.findMany({
          where: { post: { threadId: thread.id }, action: { in: ['REJECT', 'HIDE'] } },
          select: { id: true, postId: true, action: true, ground: true, statement: true },
          orderBy: { createdAt: 'desc' },
        })
      : [];
    const decisionOf = new Map<string, (typeof decided)[number]>();
    for (const row of decided) if (row.postId && !decisionOf.has(row.postId)) decisionOf.set(row.postId, row);
    const mayPost = opened.permissions.post && !thread.locked;
    const mayAccept =
      thread.kind === 'QUESTION' &&
      (isModerator(opened) || (viewer !== null && viewer.id === thread.authorId && opened.permissions.read));

    const views = new Map<string, PostView>();
    for (const row of rows) {
      const visible = mayView(row);
      if (!visible && !answeredVisibly.has(row.id)) continue;
      const removed = !visible;
      const deleted = row.status === 'DELETED' || removed;
      const own = viewer !== null && row.authorId === viewer.id;
      const readable = isReadable(row.status);
      const latest = row.decision;
      views.set(row.id, {
        id: row.id,
        status: row.status,
        moderation:
          isRestricted(row.status) && visible
            ? {
                status: row.status,
                reasons:
                  row.status === 'HELD'
                    ? ((latest?.rules as unknown as TagExplanation['rules']) ?? []).filter(
                        (rule) => rule.outcome === 'HOLD',
                      )
                    : [],
                decision: decisionOf.get(row.id) ?? null,
              }
            : null,
        removed,
        canReport: viewer !== null && !own && readable,
        canHide: moderator && readable,
        parentId: row.parentId,
        isOpening: row.isOpening,
        html: deleted ? '' : (rerendered.get(row.id) ?? row.html),
        tag: row.tag,
        deleted,
        edited: row.editedAt !== null,
        editedAt: row.editedAt,
        createdAt: row.createdAt,
        author: removed || !row.author ? null : bylineAuthor(viewer, row.author),
        onBehalfOf: row.onBehalfOf?.name ?? null,
        attachments: deleted ? [] : row.attachments,
        explanation: deleted ? null : explanationOf(row.decision ?? undefined),
        reactions: row.reactions,
        mine: row.mine,
        // Taking back a reaction given before the rule stays possible.
        reactable: {
          LIKE: !own || mayReactToOwnPost('LIKE') || row.mine.LIKE,
          USEFUL: !own || mayReactToOwnPost('USEFUL') || row.mine.USEFUL,
        },
        accepted: thread.acceptedPostId === row.id,
        canEdit: own && (readable || row.status === 'HELD') && mayPost,
        canDelete: own && (readable || row.status === 'HELD') && opened.community.archivedAt === null,
        // Nobody accepts the asker's own reply as the answer to their question; one accepted before
        // this rule may still be withdrawn.
        canAccept:
          mayAccept &&
          !row.isOpening &&
          readable &&
          (row.authorId !== thread.authorId || thread.acceptedPostId === row.id),
        canAnswer: mayPost && !row.isOpening && row.parentId === null && readable,
        answers: [],
      });
    }
    let opening: PostView | null = null;
    const replies: PostView[] = [];
    for (const view of views.values()) {
      if (view.isOpening) opening = view;
      else if (view.parentId === null) replies.push(view);
      else views.get(view.parentId)?.answers.push(view);
    }
    const accepted = thread.acceptedPostId ? (views.get(thread.acceptedPostId) ?? null) : null;
    return {
      opening,
      replies,
      accepted,
      pagination: pagination.pages > 1 ? { page: pagination.page, pages: pagination.pages } : null,
      // Nobody replies to a thread whose opening post is not published: there is nothing yet to answer.
      canReply: mayPost && !thread.restricted,
      canReact: opened.permissions.post && opened.community.archivedAt === null,
      canModerate: moderator,
      canHistory: isModerator(opened),
    };
  }

  /**
   * A post of this thread as the viewer may know of it (post-visibility.ts): NotFound for another thread's,
   * and for a held, rejected or hidden post to all but its author and the moderators, as for an unknown id.
   */
  async function postOf({ opened, thread }: OpenedThread, viewer: Viewer | null, postId: string) {
    const post = await db.post.findFirst({
      where: { id: postId, threadId: thread.id },
      select: {
        id: true,
        authorId: true,
        isOpening: true,
        parentId: true,
        status: true,
        ...POST_WORDS_SELECT,
        attachments: { select: { id: true, displayName: true, isImage: true }, orderBy: { createdAt: 'asc' } },
      },
    });
    const hidden = post && isRestricted(post.status) && !isModerator(opened) && post.authorId !== viewer?.id;
    if (!post || hidden) throw new NotFound('No such post');
    return post;
  }

  /** Earlier versions of a post, newest first: for moderators and the post's author. */
  async function history(openedThread: OpenedThread, viewer: Viewer, postId: string) {
    const { opened } = openedThread;
    const post = await postOf(openedThread, viewer, postId);
    if (!isModerator(opened) && post.authorId !== viewer.id) throw new NotFound('No such post');
    const revisions = await db.postRevision.findMany({
      where: { postId: post.id },
      select: { id: true, title: true, html: true, tag: true, writtenAt: true, createdAt: true },
      orderBy: { createdAt: 'desc' },
    });
    return { post, revisions };
  }

  /** The community's latest policy decisions, refusals included: for its moderators. */
  async function policyDecisions(opened: OpenedCommunity, limit = DECISIONS_LIMIT) {
    if (!isModerator(opened)) throw new NotFound('No such page');
    return db.policyDecision.findMany({
      where: { communityId: opened.community.id },
      select: {
        id: true,
        ...DECISION_SELECT,
        author: { select: { handle: true, displayName: true, status: true } },
        post: { select: { id: true, threadId: true, status: true } },
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  return { openThread, showThread, postOf, history, policyDecisions };
}

export type ThreadReading = ReturnType<typeof createThreadReading>;
