import type { FastifyInstance } from 'fastify';
import type { CommunitiesService } from '../communities/communities.service.js';
import { Invalid, NotFound } from '../errors.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { mentionPrefix } from './mention-suggestions.js';
import { describeRule, type RuleLike, tagName } from './policy-messages.js';
import { postPath, threadPath } from './thread-paths.js';
import { openedThreadOf, postIdOf, slugOf } from './thread-requests.js';
import { mentionQuery, reactionForm } from './threads.schemas.js';
import type { ThreadsService } from './threads.service.js';

// What is done to a thread or post once it is written, each a form of its own that answers with a redirect
// (or, for the composer's script, JSON): deleting (with its confirmation page) and the edit history,
// accepting an answer, reacting, pinning and locking; the composer's @mention suggestions; the community's
// policy decisions for its moderators. Writing and editing posts, and the thread page, are threads.routes.ts.

/**
 * A reaction's fields: `kind` and `state`, or the thread page's one button value `reaction=<kind>:<state>`
 * (one form serves every post's buttons, see views/threads/show.eta).
 */
function reactionFields(body: unknown): Record<string, unknown> {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (typeof fields.reaction !== 'string') return fields;
  const [kind, state] = fields.reaction.split(':');
  return { kind, state };
}

export async function postActionsRoutes(
  app: FastifyInstance,
  { threads, communities }: { threads: ThreadsService; communities: CommunitiesService },
) {
  const threadOf = (request: Parameters<typeof openedThreadOf>[1]) => openedThreadOf(threads, request);

  // Deleting is deliberate (issue 14, item 4): the button leads to a page that says what goes — the
  // post, or the whole thread when nobody else has answered — and only its form deletes. With
  // JavaScript the same question is asked in a dialog (public/js/enhance.js), which sends that form.
  app.get('/c/:slug/threads/:threadId/posts/:postId/delete', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await threadOf(request);
    const { post, scope } = await threads.deletionOf(opened, viewerOf(request), postIdOf(request));
    const replies = scope === 'thread' ? opened.thread.replyCount : 0;
    return reply.view('threads/delete.eta', {
      title: request.t(scope === 'thread' ? 'threads.delete.threadTitle' : 'threads.delete.postTitle'),
      community: opened.opened.community,
      thread: opened.thread,
      post,
      scope,
      replies,
    });
  });

  app.post(
    '/c/:slug/threads/:threadId/posts/:postId/delete',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const opened = await threadOf(request);
      const postId = postIdOf(request);
      const slug = opened.opened.community.slug;
      // A form that did not come from the confirmation (an old page, a script): ask first, delete nothing.
      if ((request.body as { confirm?: unknown } | undefined)?.confirm !== 'yes') {
        return reply.redirect(`${threadPath(slug, opened.thread.id)}/posts/${postId}/delete`, 303);
      }
      const done = await threads.deletePost(opened, viewerOf(request), postId, request.auditContext);
      if (done.scope === 'thread') return reply.redirect(`/c/${encodeURIComponent(slug)}?notice=thread-deleted`, 303);
      return reply.redirect(postPath(slug, opened.thread.id, postId, 'post-deleted'), 303);
    },
  );

  app.get('/c/:slug/threads/:threadId/posts/:postId/history', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await threadOf(request);
    const { post, revisions } = await threads.history(opened, viewerOf(request), postIdOf(request));
    return reply.view('threads/history.eta', {
      title: request.t('threads.history.title'),
      community: opened.opened.community,
      thread: opened.thread,
      post,
      revisions,
    });
  });

  // ── Accepting, reacting, moderating ──────────────────────────────────────────────────────────────
  for (const [action, accept] of [
    ['accept', true],
    ['unaccept', false],
  ] as const) {
    app.post(
      `/c/:slug/threads/:threadId/posts/:postId/${action}`,
      { preHandler: requireViewer, config: { keepsWords: false } },
      async (request, reply) => {
        const opened = await threadOf(request);
        const postId = postIdOf(request);
        await threads.setAccepted(opened, viewerOf(request), postId, accept, request.auditContext);
        return reply.redirect(
          postPath(opened.opened.community.slug, opened.thread.id, postId, `answer-${action}ed`),
          303,
        );
      },
    );
  }

  app.post(
    '/c/:slug/threads/:threadId/posts/:postId/react',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const opened = await threadOf(request);
      const postId = postIdOf(request);
      const form = reactionForm.safeParse(reactionFields(request.body));
      if (!form.success) throw new Invalid({ kind: 'threads.field.reactionInvalid' });
      await threads.setReaction(opened, viewerOf(request), postId, form.data.kind, form.data.state === 'on');
      return reply.redirect(postPath(opened.opened.community.slug, opened.thread.id, postId), 303);
    },
  );

  const MODERATION_NOTICES = { pin: 'pinned', unpin: 'unpinned', lock: 'locked', unlock: 'unlocked' } as const;
  for (const action of ['pin', 'unpin', 'lock', 'unlock'] as const) {
    app.post(
      `/c/:slug/threads/:threadId/${action}`,
      { preHandler: requireViewer, config: { keepsWords: false } },
      async (request, reply) => {
        const opened = await threadOf(request);
        await threads.moderateThread(opened, action, request.auditContext);
        return reply.redirect(
          `${threadPath(opened.opened.community.slug, opened.thread.id)}?notice=thread-${MODERATION_NOTICES[action]}`,
          303,
        );
      },
    );
  }

  // ── @mention suggestions for the composer's script (the form works without them) ────────────────
  // `q`: what follows the "@" typed. A community the viewer may not read answers 404, as its pages do;
  // a `q` that cannot start a handle or a name gets an empty list; one that is not a short text, 400.
  app.get(
    '/c/:slug/mention-suggestions',
    { preHandler: requireViewer, config: perAccountLimit(600, 5 * 60_000) },
    async (request, reply) => {
      const opened = await communities.open(slugOf(request), request.viewer, request.auditContext);
      if (!opened.permissions.read) throw new NotFound('No such community content');
      const query = mentionQuery.safeParse(request.query ?? {});
      if (!query.success) return reply.code(400).send({ people: [] });
      const prefix = mentionPrefix(query.data.q);
      reply.header('cache-control', 'private, no-store');
      if (prefix === null) return { people: [] };
      return { people: await threads.suggestMentions(opened.community, viewerOf(request), prefix) };
    },
  );

  // ── The community's policy decisions, for its moderators ─────────────────────────────────────────
  app.get('/c/:slug/decisions', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await communities.open(slugOf(request), request.viewer, request.auditContext);
    const decisions = await threads.policyDecisions(opened);
    return reply.view('threads/decisions.eta', {
      title: request.t('threads.decisions.title'),
      community: opened.community,
      decisions,
      tagName: (tag: string) => tagName(request.t, tag),
      describeRule: (rule: RuleLike) => describeRule(request.t, rule),
    });
  });
}
