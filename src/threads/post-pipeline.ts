import { provenKind } from '../access/affiliation.js';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { OpenedCommunity } from '../communities/communities.service.js';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { Invalid, Refused } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { ThreadKind } from '../generated/prisma/enums.js';
import { findReferences, renderPostMarkdown, type TopicReference } from '../markdown/post-markdown.js';
import { openReviewItem } from '../moderation/review-items.js';
import { createWatchedWordLists } from '../moderation/watched-word-lists.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import {
  availableTags,
  decidePost,
  type PolicyDecision,
  type PolicyInput,
  type RuleResult,
  warningDigest,
} from '../policy/rules.js';
import { POST_TAGS, type PostTag } from '../policy/tags.js';
import { postTextFields } from '../search/post-text.js';
import { hasVisibleText } from '../text/visible-text.js';
import { linkTopics } from '../topics/topic-links.js';
import { attachmentUrl } from './attachment-urls.js';
import type { ThreadRow } from './thread-selects.js';

// The stages of the one pipeline every post goes through (docs/decisions/006): the access rules that do
// not depend on the text (requirePost), the policy (judge), the markdown rendered once (render), and,
// inside the writer's transaction, the post with everything it leaves beside it (writePost for a new
// post, recordPost for an edited one). post-writing.ts runs them for each way of writing a post; nothing
// else creates a post or rewrites its text (correcting a title, in thread-actions.ts, changes only the
// thread's title and is not judged: docs/decisions/007).

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

/**
 * A draft the policy let through: its decision, the organization it speaks for, whether a warning was
 * confirmed, and whether it is held for review (HOLD: written, but shown to its author and the
 * community's moderators only until one of them decides).
 */
export interface Judged {
  readonly decision: PolicyDecision;
  readonly onBehalfOf: string | null;
  readonly confirmed: boolean;
  readonly held: boolean;
}

/** What a post form needs to offer the right choices. */
export interface ComposeOptions {
  readonly tags: PostTag[];
  readonly voices: { id: string; name: string }[];
}

function rulesJson(rules: readonly RuleResult[]): Prisma.InputJsonArray {
  return rules.map((rule) => ({ code: rule.code, outcome: rule.outcome, params: rule.params ?? {} }));
}

export function createPostPipeline({
  db,
  audit,
  events,
  attachments,
}: {
  db: Db;
  audit: AuditLog;
  /** Told, inside the post's transaction, that a post was written: people are notified of it. */
  events: Pick<NotificationEvents, 'postPublished'>;
  /** How many files one post may carry. */
  attachments: { readonly perPost: number };
}) {
  const watchedWordLists = createWatchedWordLists(db);

  /** Posting rules that do not depend on the text: archived communities and locked threads say why. */
  function requirePost(opened: OpenedCommunity, thread: ThreadRow | null): void {
    if (opened.community.archivedAt !== null) throw new Refused('threads.refused.archived');
    if (!opened.permissions.post) throw new Refused('threads.refused.notMember');
    if (thread?.locked) throw new Refused('threads.refused.locked');
    // A thread whose opening post waits for review (or was hidden) has nothing yet to answer.
    if (thread?.restricted) throw new Refused('moderation.refused.restrictedThread');
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
            audience: opened.community.audience,
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
    // One statement, prepared on each connection (db/client.ts): every post form (a thread page's reply
    // form on each member's view) asks; Prisma's relation filter and ordering were two statements.
    return db.$queryRaw<{ id: string; name: string }[]>`${Prisma.raw(PREPARED_STATEMENT)}
      SELECT o.id::text AS id, o.name
        FROM official_voices v JOIN organizations o ON o.id = v.organization_id
       WHERE v.user_id = ${userId}::uuid
         AND EXISTS (SELECT 1 FROM users u
                      WHERE u.id = ${userId}::uuid AND u.organization_id = o.id AND u.kind = 'EMPLOYEE'
                        AND u.email_verified_at IS NOT NULL)
       ORDER BY o.name`;
  }

  function authorFacts(opened: OpenedCommunity, viewer: Viewer, voices: readonly { id: string }[]) {
    const role = opened.membership?.state === 'ACTIVE' ? opened.membership.role : null;
    // provenKind: an unverified sign-up is nobody's employee (access/affiliation.ts).
    return { kind: provenKind(viewer), officialVoiceFor: voices.map((voice) => voice.id), communityRole: role };
  }

  interface Draft {
    readonly title: string | null;
    readonly body: string;
    readonly tag: PostTag;
    readonly onBehalfOf: string | null;
    readonly attachmentIds: readonly string[];
    /** The warnings the author confirmed (warningDigest of the decision they were shown). */
    readonly confirmation?: string | undefined;
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
    const [voices, watchedWords] = await Promise.all([
      officialVoices(viewer.id),
      watchedWordLists.matcherFor(opened.community.id),
    ]);
    const onBehalfOf =
      draft.tag === 'ORGANIZATIONAL'
        ? (draft.onBehalfOf ?? (voices.length === 1 ? (voices[0]?.id ?? null) : null))
        : null;
    const input: PolicyInput = {
      author: authorFacts(opened, viewer, voices),
      community: {
        welcomedTags: opened.community.welcomedTags,
        ownerOrganizationId: opened.community.ownerOrganizationId,
        audience: opened.community.audience,
      },
      thread,
      chosenTag: draft.tag,
      onBehalfOf,
      text: draft.title ? `${draft.title}\n\n${draft.body}` : draft.body,
      watchedWords,
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
    const confirmed = decision.outcome === 'WARN' && draft.confirmation === warningDigest(decision);
    if (decision.outcome === 'WARN' && !confirmed) throw new PostNeedsConfirmation(decision);
    return { decision, onBehalfOf, confirmed, held: decision.outcome === 'HOLD' };
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
  async function render(
    body: string,
    images: readonly { id: string; isImage: boolean; displayName: string }[],
    { preview = false }: { preview?: boolean } = {},
  ) {
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
    // What shows, not what was typed: "&#8203;", "&nbsp;", a lone ">" or an empty code block render to
    // nothing a reader can see (text/visible-text.ts); an image is something to see.
    const shown = rendered.html.replace(/<[^>]*>/g, '');
    if (!preview && !hasVisibleText(shown) && !/<img\b/i.test(rendered.html)) {
      throw new Invalid({ body: 'threads.field.bodyRequired' });
    }
    const mentioned = users.filter((user) => rendered.mentions.includes(user.handle.toLowerCase()));
    return { html: rendered.html, mentionedIds: mentioned.map((user) => user.id), topics: rendered.topics };
  }

  /** Mentions, topics and attachments of a post just written or edited, inside its transaction. */
  async function linkPost(
    tx: Prisma.TransactionClient,
    postId: string,
    viewer: Viewer,
    rendered: { mentionedIds: string[]; topics: TopicReference[] },
    attachmentIds: readonly string[],
  ) {
    await tx.mention.deleteMany({ where: { postId } });
    if (rendered.mentionedIds.length > 0) {
      await tx.mention.createMany({ data: rendered.mentionedIds.map((userId) => ({ postId, userId })) });
    }
    await linkTopics(tx, postId, rendered.topics);
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

  /** A new post (an opening post, a reply or an answer) and what it leaves beside it; its id. */
  async function writePost(
    tx: Prisma.TransactionClient,
    context: AuditContext,
    opened: OpenedCommunity,
    viewer: Viewer,
    place: { threadId: string; parentId: string | null; isOpening: boolean },
    form: { body: string; tag: PostTag; attachmentIds: readonly string[]; submissionKey: string | null },
    judged: Judged,
    rendered: { html: string; mentionedIds: string[]; topics: TopicReference[] },
    title: string | null = null,
  ): Promise<string> {
    const post = await tx.post.create({
      data: {
        ...place,
        authorId: viewer.id,
        submissionKey: form.submissionKey,
        source: form.body,
        ...postTextFields(title, form.body),
        html: rendered.html,
        tag: form.tag,
        onBehalfOfId: judged.onBehalfOf,
        status: judged.held ? 'HELD' : 'PUBLISHED',
      },
      select: { id: true },
    });
    await recordPost(tx, context, opened, viewer, post.id, judged, rendered, form.attachmentIds);
    // A held post waits in the review queue and tells nobody; approving it tells them (moderation.service).
    if (judged.held) {
      await holdForReview(tx, opened.community.id, post.id);
      await audit.record(
        context,
        { action: 'post.held', outcome: 'SUCCESS', target: { type: 'post', id: post.id } },
        tx,
      );
    }
    // The job tells people of it once the transaction commits.
    else await events.postPublished(post.id, tx);
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
    rendered: { mentionedIds: string[]; topics: TopicReference[] },
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

  /** Puts a held post in the community's review queue (once, however often it is judged HOLD again). */
  async function holdForReview(tx: Prisma.TransactionClient, communityId: string, postId: string) {
    await openReviewItem(tx, { communityId, kind: 'HELD_POST', postId });
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

  return { requirePost, composeOptions, judge, draftAttachments, render, writePost, recordPost, holdForReview };
}

export type PostPipeline = ReturnType<typeof createPostPipeline>;
