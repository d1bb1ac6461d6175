import { provenKind } from '../access/affiliation.js';
import type { Viewer } from '../accounts/auth.js';
import type { AttachmentStore } from '../attachments/attachment-files.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { Invalid, NotFound, Refused } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { ReactionKind, ThreadKind } from '../generated/prisma/enums.js';
import { findReferences, renderPostMarkdown } from '../markdown/post-markdown.js';
import type { Cue } from '../policy/classifier.js';
import { availableTags, decidePost, type PolicyDecision, type PolicyInput, type RuleResult } from '../policy/rules.js';
import { POST_TAGS, type PostTag } from '../policy/tags.js';
import { attachmentUrl } from './attachment-urls.js';
import { isUnchangedEdit } from './post-changes.js';
import { htmlWithoutSuspendedMentions } from './post-mentions.js';
import {
  checkSubmission,
  type EarlierSubmission,
  findByKey,
  lockAuthorWrites,
  type SubmissionPlace,
} from './post-submissions.js';
import { createThreadActions } from './thread-actions.js';
import { createThreadAttachments } from './thread-attachments.js';
import { createThreadLists } from './thread-lists.js';
import { AUTHOR_SELECT, THREAD_SELECT, type ThreadRow } from './thread-selects.js';
import type { EditFormData, ListQuery, ReplyFormData, ThreadFormData } from './threads.schemas.js';

export const THREADS_PER_PAGE = 25;
export { RECENT_THREADS_LIMIT, TOPIC_THREADS_LIMIT } from './thread-lists.js';
export const DECISIONS_LIMIT = 100;
export { PENDING_UPLOAD_MS } from './thread-attachments.js';

/** A post the policy refused: the route shows the form again with the reasons and every word kept. */
export class PostRefused extends Error {
  constructor(readonly decision: PolicyDecision) {
    super('The policy refused this post');
  }
}

/** A post the policy warns about: the author confirms (or changes the tag) and sends it again. */
export class PostNeedsConfirmation extends Error {
  constructor(readonly decision: PolicyDecision) {
    super('The author must confirm this post');
  }
}

export interface AttachmentsDependency {
  readonly store: AttachmentStore;
  readonly perPost: number;
}

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

/** A draft the policy let through: its decision, the organization it speaks for, whether a warning was confirmed. */
interface Judged {
  readonly decision: PolicyDecision;
  readonly onBehalfOf: string | null;
  readonly confirmed: boolean;
}

/** How a post's tag came to be, for its badge. */
export interface TagExplanation {
  readonly chosenTag: PostTag;
  readonly suggestedTag: PostTag;
  readonly confidence: number;
  readonly cues: readonly Cue[];
  readonly rules: readonly { code: string; outcome: string; params: Record<string, string> }[];
  readonly confirmed: boolean;
}

export interface PostView {
  readonly id: string;
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
  readonly accepted: boolean;
  readonly canEdit: boolean;
  readonly canDelete: boolean;
  readonly canAccept: boolean;
  readonly canAnswer: boolean;
  readonly answers: PostView[];
}

/** What a post form needs to offer the right choices. */
export interface ComposeOptions {
  readonly tags: PostTag[];
  readonly voices: { id: string; name: string }[];
}

export interface UploadedFile {
  readonly bytes: Buffer | null;
  readonly filename: string;
}

/** Keyset cursor of the thread list: the last row's (pinned, last activity, id). */
export function encodeCursor(row: { pinned: boolean; lastActivityAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.pinned ? 1 : 0, row.lastActivityAt.toISOString(), row.id])).toString(
    'base64url',
  );
}

export function decodeCursor(text: string | undefined): { pinned: boolean; lastActivityAt: Date; id: string } | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [pinned, at, id] = value as unknown[];
    const date = new Date(String(at));
    if ((pinned !== 0 && pinned !== 1) || Number.isNaN(date.getTime())) return null;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { pinned: pinned === 1, lastActivityAt: date, id };
  } catch {
    return null;
  }
}

function explanationOf(row: DecisionRow | undefined): TagExplanation | null {
  if (!row) return null;
  return {
    chosenTag: row.chosenTag,
    suggestedTag: row.suggestedTag,
    confidence: row.confidence,
    cues: (row.cues as unknown as Cue[]) ?? [],
    rules: (row.rules as unknown as TagExplanation['rules']) ?? [],
    confirmed: row.confirmed,
  };
}

function rulesJson(rules: readonly RuleResult[]): Prisma.InputJsonArray {
  return rules.map((rule) => ({ code: rule.code, outcome: rule.outcome, params: rule.params ?? {} }));
}

export function createThreadsService({
  db,
  audit,
  communities,
  attachments,
}: {
  db: Db;
  audit: AuditLog;
  communities: CommunitiesService;
  attachments: AttachmentsDependency;
}) {
  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────

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
    const thread = await db.thread.findFirst({
      where: { id: threadId, communityId: opened.community.id },
      select: THREAD_SELECT,
    });
    if (!thread) throw new NotFound('No such thread');
    return { opened, thread };
  }

  function requireRead(opened: OpenedCommunity): void {
    if (!opened.permissions.read) throw new NotFound('No such community content');
  }

  /** Posting rules that do not depend on the text: archived communities and locked threads say why. */
  function requirePost(opened: OpenedCommunity, thread: ThreadRow | null): void {
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    if (!opened.permissions.post) throw new Refused('threads.refused.notMember');
    if (thread?.locked) throw new Refused('threads.refused.locked');
  }

  function isModerator(opened: OpenedCommunity): boolean {
    return opened.permissions.moderate;
  }

  async function listThreads(opened: OpenedCommunity, query: ListQuery) {
    requireRead(opened);
    const cursor = decodeCursor(query.after);
    const filters: Prisma.ThreadWhereInput[] = [{ communityId: opened.community.id }];
    if (query.kind) filters.push({ kind: query.kind });
    if (query.tag) filters.push({ tag: query.tag });
    // "Unanswered": nobody has replied yet, or a question still has no accepted answer.
    if (query.unanswered) filters.push({ OR: [{ replyCount: 0 }, { kind: 'QUESTION', acceptedPostId: null }] });
    if (cursor) {
      const later: Prisma.ThreadWhereInput = {
        OR: [
          { lastActivityAt: { lt: cursor.lastActivityAt } },
          { lastActivityAt: cursor.lastActivityAt, id: { lt: cursor.id } },
        ],
      };
      filters.push(
        cursor.pinned ? { OR: [{ pinned: false }, { pinned: true, ...later }] } : { pinned: false, ...later },
      );
    }
    const rows = await db.thread.findMany({
      where: { AND: filters },
      select: THREAD_SELECT,
      orderBy: [{ pinned: 'desc' }, { lastActivityAt: 'desc' }, { id: 'desc' }],
      take: THREADS_PER_PAGE + 1,
    });
    const page = rows.slice(0, THREADS_PER_PAGE);
    const last = page.at(-1);
    return { threads: page, next: rows.length > THREADS_PER_PAGE && last ? encodeCursor(last) : null };
  }

  /** The thread page: every post in conversation order, a constant number of queries however many there are. */
  async function showThread({ opened, thread }: OpenedThread, viewer: Viewer | null) {
    const [rows, counts, mine, rerendered] = await Promise.all([
      db.post.findMany({
        where: { threadId: thread.id },
        select: POST_SELECT,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
      db.reaction.groupBy({ by: ['postId', 'kind'], where: { post: { threadId: thread.id } }, _count: { _all: true } }),
      viewer
        ? db.reaction.findMany({
            where: { userId: viewer.id, post: { threadId: thread.id } },
            select: { postId: true, kind: true },
          })
        : Promise.resolve([]),
      htmlWithoutSuspendedMentions(db, thread.id),
    ]);
    const countOf = new Map(counts.map((row) => [`${row.postId}:${row.kind}`, row._count._all]));
    const mineSet = new Set(mine.map((row) => `${row.postId}:${row.kind}`));
    const mayPost = opened.permissions.post && !thread.locked;
    const mayAccept =
      thread.kind === 'QUESTION' &&
      (isModerator(opened) || (viewer !== null && viewer.id === thread.authorId && opened.permissions.read));

    const views = new Map<string, PostView>();
    for (const row of rows) {
      const deleted = row.status === 'DELETED';
      const own = viewer !== null && row.authorId === viewer.id;
      views.set(row.id, {
        id: row.id,
        parentId: row.parentId,
        isOpening: row.isOpening,
        html: deleted ? '' : (rerendered.get(row.id) ?? row.html),
        tag: row.tag,
        deleted,
        edited: row.editedAt !== null,
        editedAt: row.editedAt,
        createdAt: row.createdAt,
        author: row.author,
        onBehalfOf: row.onBehalfOf?.name ?? null,
        attachments: deleted ? [] : row.attachments,
        explanation: deleted ? null : explanationOf(row.decisions[0]),
        reactions: { LIKE: countOf.get(`${row.id}:LIKE`) ?? 0, USEFUL: countOf.get(`${row.id}:USEFUL`) ?? 0 },
        mine: { LIKE: mineSet.has(`${row.id}:LIKE`), USEFUL: mineSet.has(`${row.id}:USEFUL`) },
        accepted: thread.acceptedPostId === row.id,
        canEdit: own && !deleted && mayPost,
        canDelete: own && !deleted && opened.community.archivedAt === null,
        canAccept: mayAccept && !row.isOpening && !deleted,
        canAnswer: mayPost && !row.isOpening && row.parentId === null && !deleted,
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
      canReply: mayPost,
      canReact: opened.permissions.post && opened.community.archivedAt === null,
      canModerate: isModerator(opened),
      canHistory: isModerator(opened),
    };
  }

  /**
   * What the post form offers this author here: the tags the rules allow (for any of `threadKinds`: the
   * new-thread form lets the kind change, and a tag barred only for announcements stays choosable for a
   * discussion) and the organizations they speak for.
   */
  async function composeOptions(
    opened: OpenedCommunity,
    viewer: Viewer,
    threadKinds: readonly ThreadKind[],
    isOpeningPost: boolean,
  ): Promise<ComposeOptions> {
    const voices = await officialVoices(viewer.id);
    const allowed = new Set(
      threadKinds.flatMap((kind) =>
        availableTags({
          author: authorFacts(opened, viewer, voices),
          community: {
            welcomedTags: opened.community.welcomedTags,
            ownerOrganizationId: opened.community.ownerOrganizationId,
          },
          thread: { kind, isOpeningPost },
        }),
      ),
    );
    return { tags: POST_TAGS.filter((tag) => allowed.has(tag)), voices };
  }

  async function officialVoices(userId: string): Promise<{ id: string; name: string }[]> {
    // A grant speaks only while its holder is a verified employee of that organization (access/affiliation.ts):
    // an unverified address, or a move to another administration, silences it without deleting it.
    const rows = await db.officialVoice.findMany({
      where: {
        userId,
        organization: { users: { some: { id: userId, kind: 'EMPLOYEE', emailVerifiedAt: { not: null } } } },
      },
      select: { organization: { select: { id: true, name: true } } },
      orderBy: { organization: { name: 'asc' } },
    });
    return rows.map((row) => row.organization);
  }

  function authorFacts(opened: OpenedCommunity, viewer: Viewer, voices: readonly { id: string }[]) {
    const role = opened.membership?.state === 'ACTIVE' ? opened.membership.role : null;
    // provenKind: an unverified sign-up is nobody's employee (access/affiliation.ts).
    return { kind: provenKind(viewer), officialVoiceFor: voices.map((voice) => voice.id), communityRole: role };
  }

  // ── Writing ───────────────────────────────────────────────────────────────────────────────────────

  interface Draft {
    readonly title: string | null;
    readonly body: string;
    readonly tag: PostTag;
    readonly onBehalfOf: string | null;
    readonly attachmentIds: readonly string[];
    readonly confirmedTag?: PostTag | undefined;
  }

  /**
   * Runs the policy on a draft; throws PostRefused or PostNeedsConfirmation, or returns the decision to
   * store. An organizational post names the organization it speaks for; with only one, it is implied.
   */
  async function judge(
    opened: OpenedCommunity,
    viewer: Viewer,
    thread: { kind: ThreadKind; isOpeningPost: boolean },
    draft: Draft,
  ): Promise<Judged> {
    const voices = await officialVoices(viewer.id);
    const onBehalfOf =
      draft.tag === 'ORGANIZATIONAL'
        ? (draft.onBehalfOf ?? (voices.length === 1 ? (voices[0]?.id ?? null) : null))
        : null;
    const input: PolicyInput = {
      author: authorFacts(opened, viewer, voices),
      community: {
        welcomedTags: opened.community.welcomedTags,
        ownerOrganizationId: opened.community.ownerOrganizationId,
      },
      thread,
      chosenTag: draft.tag,
      onBehalfOf,
      text: draft.title ? `${draft.title}\n\n${draft.body}` : draft.body,
    };
    const decision = decidePost(input);
    if (decision.outcome === 'REJECT') {
      await db.policyDecision.create({
        data: {
          communityId: opened.community.id,
          authorId: viewer.id,
          ...decisionData(decision, false),
        },
      });
      throw new PostRefused(decision);
    }
    const confirmed = decision.outcome === 'WARN' && draft.confirmedTag === draft.tag;
    if (decision.outcome === 'WARN' && !confirmed) throw new PostNeedsConfirmation(decision);
    return { decision, onBehalfOf, confirmed };
  }

  function decisionData(decision: PolicyDecision, confirmed: boolean) {
    return {
      chosenTag: decision.tag,
      suggestedTag: decision.suggestion.tag,
      confidence: decision.suggestion.confidence,
      cues: decision.suggestion.cues.map((cue) => ({ ...cue })),
      outcome: decision.outcome,
      rules: rulesJson(decision.rules),
      confirmed,
    };
  }

  /** The attachments a draft names: the author's own, not yet on another post (or already on this one). */
  async function draftAttachments(viewer: Viewer, ids: readonly string[], postId: string | null) {
    if (ids.length === 0) return [];
    if (ids.length > attachments.perPost) {
      throw new Invalid({
        attachments: { key: 'threads.field.tooManyAttachments', params: { max: attachments.perPost } },
      });
    }
    const rows = await db.attachment.findMany({
      where: {
        id: { in: [...ids] },
        uploaderId: viewer.id,
        OR: [{ postId: null }, ...(postId ? [{ postId }] : [])],
      },
      select: { id: true, isImage: true, displayName: true },
    });
    if (rows.length !== ids.length) throw new Invalid({ attachments: 'threads.field.attachmentsInvalid' });
    return rows;
  }

  /** Markdown to HTML with links for the @handles of real people and the #topics, and this post's own images. */
  async function render(body: string, images: readonly { id: string; isImage: boolean; displayName: string }[]) {
    const references = findReferences(body);
    const users =
      references.handles.length > 0
        ? await db.user.findMany({
            // Only active accounts: a suspended person's page answers 404, so no link and no mention.
            where: { handle: { in: references.handles, mode: 'insensitive' }, status: 'ACTIVE' },
            select: { id: true, handle: true },
          })
        : [];
    const rendered = renderPostMarkdown(body, {
      knownHandles: new Set(users.map((user) => user.handle.toLowerCase())),
      images: new Map(
        images
          .filter((file) => file.isImage)
          .map((file) => [file.id, { url: attachmentUrl(file.id, file.displayName) }] as const),
      ),
    });
    const mentioned = users.filter((user) => rendered.mentions.includes(user.handle.toLowerCase()));
    return { html: rendered.html, mentionedIds: mentioned.map((user) => user.id), topics: rendered.topics };
  }

  /** Mentions, topics and attachments of a post just written or edited, inside its transaction. */
  async function linkPost(
    tx: Prisma.TransactionClient,
    postId: string,
    viewer: Viewer,
    rendered: { mentionedIds: string[]; topics: string[] },
    attachmentIds: readonly string[],
  ) {
    await tx.mention.deleteMany({ where: { postId } });
    if (rendered.mentionedIds.length > 0) {
      await tx.mention.createMany({ data: rendered.mentionedIds.map((userId) => ({ postId, userId })) });
    }
    await tx.postTopic.deleteMany({ where: { postId } });
    if (rendered.topics.length > 0) {
      await tx.topic.createMany({ data: rendered.topics.map((slug) => ({ slug })), skipDuplicates: true });
      const topics = await tx.topic.findMany({ where: { slug: { in: rendered.topics } }, select: { id: true } });
      await tx.postTopic.createMany({ data: topics.map((topic) => ({ postId, topicId: topic.id })) });
    }
    // Files left out of an edit are let go of; the ones named are claimed (only if still the author's own).
    await tx.attachment.updateMany({
      where: { postId, id: { notIn: [...attachmentIds] } },
      data: { postId: null },
    });
    if (attachmentIds.length > 0) {
      const claimed = await tx.attachment.updateMany({
        where: { id: { in: [...attachmentIds] }, uploaderId: viewer.id, OR: [{ postId: null }, { postId }] },
        data: { postId },
      });
      if (claimed.count !== attachmentIds.length)
        throw new Invalid({ attachments: 'threads.field.attachmentsInvalid' });
    }
  }

  /**
   * Opens a thread; its place, as `{ threadId, postId, communitySlug }`. The same form sent again (its
   * submission key, or the same words within minutes) answers the thread it already opened.
   */
  async function createThread(
    opened: OpenedCommunity,
    viewer: Viewer,
    form: ThreadFormData,
    context: AuditContext,
  ): Promise<EarlierSubmission> {
    const place: SubmissionPlace = {
      communityId: opened.community.id,
      threadId: null,
      parentId: null,
      title: form.title,
      body: form.body,
      submissionKey: form.submissionKey,
    };
    const earlier = (await checkSubmission(db, viewer.id, place)).earlier;
    if (earlier) return earlier;
    requirePost(opened, null);
    const files = await draftAttachments(viewer, form.attachmentIds, null);
    const judged = await judge(
      opened,
      viewer,
      { kind: form.kind, isOpeningPost: true },
      { ...form, title: form.title },
    );
    const rendered = await render(form.body, files);
    return db.$transaction(async (tx) => {
      await lockAuthorWrites(tx, viewer.id);
      const check = await checkSubmission(tx, viewer.id, place);
      if (check.earlier) return check.earlier;
      const thread = await tx.thread.create({
        data: {
          communityId: opened.community.id,
          authorId: viewer.id,
          title: form.title,
          kind: form.kind,
          tag: form.tag,
        },
        select: { id: true },
      });
      const postId = await writePost(
        tx,
        context,
        opened,
        viewer,
        { threadId: thread.id, parentId: null, isOpening: true },
        { ...form, submissionKey: check.key },
        judged,
        rendered,
      );
      return { threadId: thread.id, postId, communitySlug: opened.community.slug };
    });
  }

  /** A new post (an opening post, a reply or an answer) and what it leaves beside it; its id. */
  async function writePost(
    tx: Prisma.TransactionClient,
    context: AuditContext,
    opened: OpenedCommunity,
    viewer: Viewer,
    place: { threadId: string; parentId: string | null; isOpening: boolean },
    form: { body: string; tag: PostTag; attachmentIds: readonly string[]; submissionKey: string | null },
    judged: Judged,
    rendered: { html: string; mentionedIds: string[]; topics: string[] },
  ): Promise<string> {
    const post = await tx.post.create({
      data: {
        ...place,
        authorId: viewer.id,
        submissionKey: form.submissionKey,
        source: form.body,
        html: rendered.html,
        tag: form.tag,
        onBehalfOfId: judged.onBehalfOf,
      },
      select: { id: true },
    });
    await recordPost(tx, context, opened, viewer, post.id, judged, rendered, form.attachmentIds);
    return post.id;
  }

  /** What every post written or edited leaves beside it, in its transaction: links, the decision, the audit. */
  async function recordPost(
    tx: Prisma.TransactionClient,
    context: AuditContext,
    opened: OpenedCommunity,
    viewer: Viewer,
    postId: string,
    judged: Judged,
    rendered: { mentionedIds: string[]; topics: string[] },
    attachmentIds: readonly string[],
  ) {
    await linkPost(tx, postId, viewer, rendered, attachmentIds);
    await tx.policyDecision.create({
      data: {
        postId,
        communityId: opened.community.id,
        authorId: viewer.id,
        ...decisionData(judged.decision, judged.confirmed),
      },
    });
    if (judged.onBehalfOf) await recordOnBehalf(context, tx, postId, judged.onBehalfOf);
  }

  async function recordOnBehalf(context: AuditContext, tx: Prisma.TransactionClient, postId: string, orgId: string) {
    await audit.record(
      context,
      {
        action: 'post.organizational',
        outcome: 'SUCCESS',
        target: { type: 'post', id: postId },
        details: { organizationId: orgId },
      },
      tx,
    );
  }

  /**
   * A reply, or an answer to a reply; its place. Like a new thread, the same form sent again answers the
   * post it already wrote.
   */
  async function reply(
    { opened, thread }: OpenedThread,
    viewer: Viewer,
    form: ReplyFormData,
    context: AuditContext,
  ): Promise<EarlierSubmission> {
    // Sent again after the thread was locked or the reply answered was deleted: still the post written.
    const byKey = await findByKey(db, viewer.id, form.submissionKey, { body: form.body, title: null });
    if (byKey) return byKey;
    requirePost(opened, thread);
    let parentId = form.parentId;
    if (parentId) {
      const parent = await db.post.findUnique({
        where: { id: parentId },
        select: { threadId: true, parentId: true, isOpening: true, status: true },
      });
      if (!parent || parent.threadId !== thread.id || parent.status !== 'PUBLISHED') {
        throw new Invalid({ parentId: 'threads.field.parentInvalid' });
      }
      if (parent.parentId !== null) throw new Invalid({ parentId: 'threads.field.nestingTooDeep' });
      // Answering the opening post is replying to the thread.
      if (parent.isOpening) parentId = null;
    }
    const place: SubmissionPlace = {
      communityId: opened.community.id,
      threadId: thread.id,
      parentId,
      title: null,
      body: form.body,
      submissionKey: form.submissionKey,
    };
    const earlier = (await checkSubmission(db, viewer.id, place)).earlier;
    if (earlier) return earlier;
    const files = await draftAttachments(viewer, form.attachmentIds, null);
    const judged = await judge(opened, viewer, { kind: thread.kind, isOpeningPost: false }, { ...form, title: null });
    const rendered = await render(form.body, files);
    return db.$transaction(async (tx) => {
      await lockAuthorWrites(tx, viewer.id);
      const check = await checkSubmission(tx, viewer.id, place);
      if (check.earlier) return check.earlier;
      // One statement counts the reply and refuses it if the thread was locked meanwhile.
      const counted = await tx.thread.updateMany({
        where: { id: thread.id, locked: false },
        data: { replyCount: { increment: 1 }, lastActivityAt: new Date() },
      });
      if (counted.count === 0) throw new Refused('threads.refused.locked');
      if (parentId) {
        // The reply answered must still be there: a concurrent deletion would otherwise orphan this one.
        const alive = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM posts WHERE id = ${parentId}::uuid AND status = 'PUBLISHED' FOR SHARE`;
        if (alive.length === 0) throw new Invalid({ parentId: 'threads.field.parentInvalid' });
      }
      const postId = await writePost(
        tx,
        context,
        opened,
        viewer,
        { threadId: thread.id, parentId, isOpening: false },
        { ...form, submissionKey: check.key },
        judged,
        rendered,
      );
      return { threadId: thread.id, postId, communitySlug: opened.community.slug };
    });
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
        source: true,
        html: true,
        tag: true,
        onBehalfOfId: true,
        createdAt: true,
        editedAt: true,
        attachments: { select: { id: true, displayName: true, isImage: true }, orderBy: { createdAt: 'asc' } },
      },
    });
    if (!post) throw new NotFound('No such post');
    return post;
  }

  /** The post as its author may edit it; Forbidden (with a reason) for anyone else or a closed thread. */
  async function editablePost({ opened, thread }: OpenedThread, viewer: Viewer, postId: string) {
    const post = await postOf(thread, postId);
    if (post.status !== 'PUBLISHED') throw new NotFound('No such post');
    if (post.authorId !== viewer.id) throw new Refused('threads.refused.notAuthor');
    requirePost(opened, thread);
    return post;
  }

  async function editPost(
    opened: OpenedThread,
    viewer: Viewer,
    postId: string,
    form: EditFormData,
    context: AuditContext,
  ) {
    const post = await editablePost(opened, viewer, postId);
    const { thread } = opened;
    if (post.isOpening && !form.title) throw new Invalid({ title: 'threads.field.titleRequired' });
    const title = post.isOpening ? (form.title ?? thread.title) : null;
    const before = {
      title: post.isOpening ? thread.title : null,
      body: post.source,
      tag: post.tag,
      onBehalfOf: post.onBehalfOfId,
      attachmentIds: post.attachments.map((file) => file.id),
    };
    // Saved without a change: nothing to revise, judge or mark as edited.
    if (
      isUnchangedEdit(before, {
        title,
        body: form.body,
        tag: form.tag,
        onBehalfOf: form.onBehalfOf,
        attachmentIds: form.attachmentIds,
      })
    )
      return { changed: false };
    const files = await draftAttachments(viewer, form.attachmentIds, post.id);
    const judged = await judge(
      opened.opened,
      viewer,
      { kind: thread.kind, isOpeningPost: post.isOpening },
      { ...form, title },
    );
    const rendered = await render(form.body, files);
    await db.$transaction(async (tx) => {
      // Only a post still published is edited: a concurrent deletion wins.
      const updated = await tx.post.updateMany({
        where: { id: post.id, status: 'PUBLISHED' },
        data: {
          source: form.body,
          html: rendered.html,
          tag: form.tag,
          onBehalfOfId: judged.onBehalfOf,
          editedAt: new Date(),
        },
      });
      if (updated.count === 0) throw new NotFound('No such post');
      await tx.postRevision.create({
        data: {
          postId: post.id,
          title: post.isOpening ? thread.title : null,
          source: post.source,
          html: post.html,
          tag: post.tag,
          onBehalfOfId: post.onBehalfOfId,
          writtenAt: post.editedAt ?? post.createdAt,
        },
      });
      if (post.isOpening)
        await tx.thread.update({ where: { id: thread.id }, data: { title: title ?? thread.title, tag: form.tag } });
      await recordPost(tx, context, opened.opened, viewer, post.id, judged, rendered, form.attachmentIds);
    });
    return { changed: true };
  }

  /**
   * The author deletes a post: a tombstone stays where it was so answers keep their place. The text
   * becomes the last revision, which moderators can still read.
   */
  async function deletePost({ opened, thread }: OpenedThread, viewer: Viewer, postId: string, context: AuditContext) {
    const post = await postOf(thread, postId);
    if (post.status !== 'PUBLISHED') throw new NotFound('No such post');
    if (post.authorId !== viewer.id) throw new Refused('threads.refused.notAuthor');
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    await db.$transaction(async (tx) => {
      const deleted = await tx.post.updateMany({
        where: { id: post.id, status: 'PUBLISHED' },
        data: { status: 'DELETED', deletedAt: new Date(), source: '', html: '' },
      });
      // Deleted twice at once: the other request did it.
      if (deleted.count === 0) return;
      await tx.postRevision.create({
        data: {
          postId: post.id,
          title: post.isOpening ? thread.title : null,
          source: post.source,
          html: post.html,
          tag: post.tag,
          onBehalfOfId: post.onBehalfOfId,
          writtenAt: post.editedAt ?? post.createdAt,
        },
      });
      // The title is part of the opening post's words: it goes with them (kept in the revision above),
      // from the thread page, its <title>, every list and the home page alike. The author or a moderator
      // may give the thread a corrected title afterwards (setTitle).
      if (post.isOpening) await tx.thread.update({ where: { id: thread.id }, data: { title: '' } });
      if (!post.isOpening) {
        await tx.thread.update({ where: { id: thread.id }, data: { replyCount: { decrement: 1 } } });
        await tx.thread.updateMany({
          where: { id: thread.id, acceptedPostId: post.id },
          data: { acceptedPostId: null },
        });
      }
      await tx.mention.deleteMany({ where: { postId: post.id } });
      await tx.postTopic.deleteMany({ where: { postId: post.id } });
      await audit.record(
        context,
        { action: 'post.delete', outcome: 'SUCCESS', target: { type: 'post', id: post.id } },
        tx,
      );
    });
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

  /** The post this author already wrote with this form's submission key and these words, if any. */
  function earlierSubmission(
    viewer: Viewer,
    sent: { submissionKey?: string | undefined; body?: string | undefined; title?: string | undefined },
  ): Promise<EarlierSubmission | null> {
    return findByKey(db, viewer.id, sent.submissionKey, { body: sent.body ?? '', title: sent.title ?? null });
  }

  return {
    earlierSubmission,
    policyDecisions,
    openThread,
    listThreads,
    showThread,
    composeOptions,
    createThread,
    reply,
    postOf,
    editablePost,
    editPost,
    deletePost,
    history,
    ...createThreadAttachments({ db, communities, attachments }),
    ...createThreadLists({ db }),
    ...createThreadActions({ db, audit, postOf }),
    requirePost,
  };
}

export { attachmentUrl } from './attachment-urls.js';

export type ThreadsService = ReturnType<typeof createThreadsService>;
