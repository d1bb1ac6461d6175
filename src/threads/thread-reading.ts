import type { Viewer } from '../accounts/auth.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { NotFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { ModerationActionKind, ModerationGround, PostStatus, ReactionKind } from '../generated/prisma/enums.js';
import { isReadable, isRestricted } from '../moderation/post-visibility.js';
import type { Cue } from '../policy/classifier.js';
import { TEXT_GUARD_CODES } from '../policy/rules.js';
import type { PostTag } from '../policy/tags.js';
import { htmlWithoutSuspendedMentions } from './post-mentions.js';
import { type ReplyPageRequest, replyPage } from './reply-pages.js';
import { mayReactToOwnPost } from './thread-reactions.js';
import { AUTHOR_SELECT, bylineAuthor, POST_WORDS_SELECT, THREAD_SELECT, type ThreadRow } from './thread-selects.js';

// Reading one thread: opening it as the viewer may, its page (every post in conversation order), a post,
// a post's earlier versions, and the community's policy decisions for its moderators. Nothing here
// changes anything (opening may record a site admin's look: communities.open); lists are in thread-lists.ts.

export const DECISIONS_LIMIT = 100;

/** An opened community plus the thread the URL names, as the viewer may read it. */
export interface OpenedThread {
  readonly opened: OpenedCommunity;
  readonly thread: ThreadRow;
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

const POST_SELECT = {
  id: true,
  parentId: true,
  isOpening: true,
  html: true,
  tag: true,
  status: true,
  editedAt: true,
  createdAt: true,
  authorId: true,
  author: { select: AUTHOR_SELECT },
  onBehalfOf: { select: { name: true } },
  attachments: {
    select: { id: true, displayName: true, mimeType: true, size: true, isImage: true, width: true, height: true },
    orderBy: { createdAt: 'asc' },
  },
  decisions: { select: DECISION_SELECT, orderBy: { createdAt: 'desc' } },
} as const;

type PostRow = Prisma.PostGetPayload<{ select: typeof POST_SELECT }>;
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

export function createThreadReading({ db, communities }: { db: Db; communities: CommunitiesService }) {
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
    // A thread its author deleted whole is gone for everyone, its author and the moderators too.
    const thread = await db.thread.findFirst({
      where: { id: threadId, communityId: opened.community.id, deletedAt: null },
      select: THREAD_SELECT,
    });
    if (!thread) throw new NotFound('No such thread');
    // A thread whose opening post is held or hidden exists only for its author and the moderators.
    if (thread.restricted && !isModerator(opened) && (viewer === null || viewer.id !== thread.authorId)) {
      throw new NotFound('No such thread');
    }
    return { opened, thread };
  }

  function isModerator(opened: OpenedCommunity): boolean {
    return opened.permissions.moderate;
  }

  /** The thread page: every post in conversation order, a constant number of queries however many there are. */
  async function showThread(
    { opened, thread }: OpenedThread,
    viewer: Viewer | null,
    pageRequest: ReplyPageRequest = {},
  ) {
    // A long thread: one page of its replies (reply-pages.ts); a short one: every post.
    const pagination = await replyPage(db, thread, pageRequest);
    const ids = pagination.postIds;
    const reactionsOf: Prisma.ReactionWhereInput = ids ? { postId: { in: ids } } : { post: { threadId: thread.id } };
    const [rows, counts, mine, rerendered] = await Promise.all([
      db.post.findMany({
        where: ids ? { id: { in: ids } } : { threadId: thread.id },
        select: POST_SELECT,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
      db.reaction.groupBy({ by: ['postId', 'kind'], where: reactionsOf, _count: { _all: true } }),
      viewer
        ? db.reaction.findMany({ where: { userId: viewer.id, ...reactionsOf }, select: { postId: true, kind: true } })
        : Promise.resolve([]),
      htmlWithoutSuspendedMentions(db, thread.id),
    ]);
    const countOf = new Map(counts.map((row) => [`${row.postId}:${row.kind}`, row._count._all]));
    const mineSet = new Set(mine.map((row) => `${row.postId}:${row.kind}`));
    const moderator = isModerator(opened);
    // Posts kept from readers are shown to their author and the moderators; to anyone else they do not
    // exist, unless a post the viewer may read answers one (then a tombstone keeps the answer's place).
    const mayView = (row: PostRow) =>
      !isRestricted(row.status) || moderator || (viewer !== null && row.authorId === viewer.id);
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
      const latest = row.decisions[0];
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
        explanation: deleted ? null : explanationOf(row.decisions[0]),
        reactions: { LIKE: countOf.get(`${row.id}:LIKE`) ?? 0, USEFUL: countOf.get(`${row.id}:USEFUL`) ?? 0 },
        mine: { LIKE: mineSet.has(`${row.id}:LIKE`), USEFUL: mineSet.has(`${row.id}:USEFUL`) },
        // Taking back a reaction given before the rule stays possible.
        reactable: {
          LIKE: !own || mayReactToOwnPost('LIKE') || mineSet.has(`${row.id}:LIKE`),
          USEFUL: !own || mayReactToOwnPost('USEFUL') || mineSet.has(`${row.id}:USEFUL`),
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

  /** A post of this thread; NotFound for posts of other threads. */
  async function postOf(thread: ThreadRow, postId: string) {
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
    if (!post) throw new NotFound('No such post');
    return post;
  }

  /** Earlier versions of a post, newest first: for moderators and the post's author. */
  async function history({ opened, thread }: OpenedThread, viewer: Viewer, postId: string) {
    const post = await postOf(thread, postId);
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
