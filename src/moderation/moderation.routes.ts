import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { WATCHED_WORD_MAX, WATCHED_WORD_MAX_WORDS } from '../policy/watched-words.js';
import { describeRule, type RuleLike } from '../threads/policy-messages.js';
import { postPath } from '../threads/thread-paths.js';
import {
  actionForm,
  appealDecisionForm,
  appealForm,
  communityWordParams,
  DECISION_GROUNDS,
  decisionParams,
  REPORT_NOTE_MAX,
  REPORT_REASONS,
  reportForm,
  reviewAppealParams,
  reviewPostParams,
  STATEMENT_MAX,
  slugParams,
  WATCHED_WORD_ACTIONS,
  watchedWordForm,
  wordParams,
} from './moderation.schemas.js';
import type { ModerationService } from './moderation.service.js';
import type { WatchedWordsService } from './watched-words.service.js';

type Values = Record<string, string>;

/** Which queue a page shows: one community's, the site's (site admins), or every one the viewer moderates. */
type QueueScope = { opened: OpenedCommunity } | { site: true } | { mine: true };

/** A form on the queue page that came back: which entry, its messages, what was typed. */
interface EntryDraft {
  readonly key: string;
  readonly errors: Record<string, string>;
  readonly values: Values;
}

function parsed<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  value: unknown,
) {
  const result = schema.safeParse(value);
  if (!result.success) throw new NotFound('No such page');
  return result.data;
}

export async function moderationRoutes(
  app: FastifyInstance,
  {
    moderation,
    watchedWords,
    communities,
  }: { moderation: ModerationService; watchedWords: WatchedWordsService; communities: CommunitiesService },
) {
  // Reports are limited per account in the service too (REPORTS_PER_HOUR); this bounds the requests.
  const REPORT_LIMIT = perAccountLimit(30, 10 * 60_000);

  function common(request: FastifyRequest) {
    return {
      grounds: DECISION_GROUNDS,
      statementMax: STATEMENT_MAX,
      describeRule: (rule: RuleLike) => describeRule(request.t, rule),
    };
  }

  // ── Reports ─────────────────────────────────────────────────────────────────────────────────────
  async function reportTarget(request: FastifyRequest) {
    const params = parsed(reviewPostParams.extend({ threadId: reviewPostParams.shape.postId }), request.params);
    const opened = await communities.open(params.slug, request.viewer, request.auditContext);
    const post = await moderation.reportablePost(opened, viewerOf(request), params.postId);
    if (post.threadId !== params.threadId) throw new NotFound('No such post');
    return { opened, post };
  }

  async function renderReport(
    reply: FastifyReply,
    target: Awaited<ReturnType<typeof reportTarget>>,
    state: { status?: number; errors?: FormErrors; values?: Values } = {},
  ) {
    const { request } = reply;
    return reply.code(state.status ?? 200).view('moderation/report.eta', {
      title: request.t('moderation.report.title'),
      community: target.opened.community,
      post: target.post,
      reasons: REPORT_REASONS,
      noteMax: REPORT_NOTE_MAX,
      errors: translateErrors(request.t, state.errors),
      values: state.values ?? {},
    });
  }

  const reportPath = '/c/:slug/threads/:threadId/posts/:postId/report';
  app.get(reportPath, { preHandler: requireViewer }, async (request, reply) =>
    renderReport(reply, await reportTarget(request)),
  );

  // Forms with words of their own (a report's note, a statement of reasons, an appeal): given back on a 503.
  const keeps = (field: string, label: MessageKey) => ({ keepsWords: { [field]: { label, multiline: true } } });

  app.post(
    reportPath,
    { preHandler: requireViewer, config: { ...REPORT_LIMIT, ...keeps('note', 'moderation.report.note') } },
    async (request, reply) => {
      const target = await reportTarget(request);
      const values = keptValues(request.body);
      const form = parseForm(reportForm, request.body);
      if (!form.ok) return renderReport(reply, target, { status: 422, errors: form.errors, values });
      try {
        await moderation.report(target.opened, viewerOf(request), target.post.id, form.data, request.auditContext);
      } catch (error) {
        if (error instanceof Invalid)
          return renderReport(reply, target, { status: 422, errors: error.fieldErrors, values });
        throw error;
      }
      return reply.redirect(
        postPath(target.opened.community.slug, target.post.threadId, target.post.id, 'reported'),
        303,
      );
    },
  );

  // ── The review queues ───────────────────────────────────────────────────────────────────────────
  async function renderQueue(
    reply: FastifyReply,
    scope: QueueScope,
    state: { status?: number; draft?: EntryDraft | null; alreadyDecided?: boolean } = {},
  ) {
    const { request } = reply;
    const viewer = viewerOf(request);
    const entries =
      'opened' in scope
        ? await moderation.communityQueue(scope.opened)
        : 'site' in scope
          ? await moderation.siteQueue(viewer)
          : await moderation.myQueue(viewer);
    return reply.code(state.status ?? 200).view('moderation/review.eta', {
      title: request.t('site' in scope ? 'moderation.review.siteTitle' : 'moderation.review.title'),
      community: 'opened' in scope ? scope.opened.community : null,
      canManage: 'opened' in scope ? scope.opened.permissions.manage : false,
      entries,
      back: 'opened' in scope ? 'community' : 'site' in scope ? 'site' : 'mine',
      draft: state.draft ?? null,
      alreadyDecided: state.alreadyDecided ?? false,
      ...common(request),
    });
  }

  app.get('/c/:slug/review', { preHandler: requireViewer }, async (request, reply) => {
    const { slug } = parsed(slugParams, request.params);
    const opened = await moderation.openForModeration(slug, viewerOf(request), request.auditContext);
    return renderQueue(reply, { opened });
  });

  app.get('/admin/review', { preHandler: requireViewer }, async (request, reply) => {
    if (viewerOf(request).role !== 'ADMIN') throw new NotFound('No such page');
    return renderQueue(reply, { site: true });
  });

  // Every queue the viewer moderates, on one page (the header's link): empty for anyone who moderates nothing.
  app.get('/review', { preHandler: requireViewer }, async (_request, reply) => renderQueue(reply, { mine: true }));

  /** One post as its moderators see it, with every action its status allows and the decisions so far. */
  async function renderPost(
    reply: FastifyReply,
    opened: OpenedCommunity,
    postId: string,
    state: { status?: number; draft?: EntryDraft | null; alreadyDecided?: boolean } = {},
  ) {
    const { request } = reply;
    const post = await moderation.moderatedPost(opened, postId);
    const history = await moderation.postHistory(post.id);
    return reply.code(state.status ?? 200).view('moderation/post.eta', {
      title: request.t('moderation.review.postTitle'),
      community: opened.community,
      post,
      history,
      draft: state.draft ?? null,
      alreadyDecided: state.alreadyDecided ?? false,
      ...common(request),
    });
  }

  app.get('/c/:slug/review/posts/:postId', { preHandler: requireViewer }, async (request, reply) => {
    const { slug, postId } = parsed(reviewPostParams, request.params);
    const opened = await moderation.openForModeration(slug, viewerOf(request), request.auditContext);
    return renderPost(reply, opened, postId);
  });

  /** Where a moderator's form goes back to: the site's queue, the post's page, or the community's queue. */
  function backTo(request: FastifyRequest): 'site' | 'post' | 'community' | 'mine' {
    const back = keptValues(request.body).back;
    if (back === 'site' && viewerOf(request).role !== 'ADMIN') return 'community';
    return back === 'site' || back === 'post' || back === 'mine' ? back : 'community';
  }

  function queueOf(back: 'site' | 'community' | 'mine', opened: OpenedCommunity): QueueScope {
    return back === 'site' ? { site: true } : back === 'mine' ? { mine: true } : { opened };
  }

  function queuePath(back: 'site' | 'community' | 'mine', opened: OpenedCommunity): string {
    return back === 'site'
      ? '/admin/review'
      : back === 'mine'
        ? '/review'
        : `/c/${encodeURIComponent(opened.community.slug)}/review`;
  }

  async function answerAction(
    reply: FastifyReply,
    opened: OpenedCommunity,
    postId: string,
    state: { status?: number; draft?: EntryDraft | null; alreadyDecided?: boolean },
  ) {
    const back = backTo(reply.request);
    if (back === 'post') return renderPost(reply, opened, postId, state);
    return renderQueue(reply, queueOf(back, opened), state);
  }

  const STATEMENT_FORM = { preHandler: requireViewer, config: keeps('statement', 'moderation.review.statement') };
  app.post('/c/:slug/review/posts/:postId', STATEMENT_FORM, async (request, reply) => {
    const { slug, postId } = parsed(reviewPostParams, request.params);
    const opened = await moderation.openForModeration(slug, viewerOf(request), request.auditContext);
    const values = keptValues(request.body);
    const key = `post:${postId}`;
    const form = parseForm(actionForm, request.body);
    if (!form.ok) {
      return answerAction(reply, opened, postId, {
        status: 422,
        draft: { key, errors: translateErrors(request.t, form.errors), values },
      });
    }
    let result: Awaited<ReturnType<ModerationService['actOnPost']>>;
    try {
      result = await moderation.actOnPost(
        opened,
        viewerOf(request),
        postId,
        form.data.action,
        { ground: form.data.ground, statement: form.data.statement },
        request.auditContext,
      );
    } catch (error) {
      if (error instanceof Invalid) {
        return answerAction(reply, opened, postId, {
          status: 422,
          draft: { key, errors: translateErrors(request.t, error.fieldErrors), values },
        });
      }
      throw error;
    }
    if (result === 'already-decided') return answerAction(reply, opened, postId, { status: 409, alreadyDecided: true });
    const back = backTo(request);
    const url =
      back === 'post'
        ? `/c/${encodeURIComponent(opened.community.slug)}/review/posts/${postId}`
        : queuePath(back, opened);
    return reply.redirect(`${url}?notice=moderation-done`, 303);
  });

  const DECISION_FORM = { preHandler: requireViewer, config: keeps('reason', 'moderation.appeal.reason') };
  app.post('/c/:slug/review/appeals/:appealId', DECISION_FORM, async (request, reply) => {
    const { slug, appealId } = parsed(reviewAppealParams, request.params);
    const opened = await moderation.openForModeration(slug, viewerOf(request), request.auditContext);
    const values = keptValues(request.body);
    const key = `appeal:${appealId}`;
    const wanted = backTo(request);
    const back = wanted === 'post' ? 'community' : wanted;
    const again = (state: { status: number; draft?: EntryDraft; alreadyDecided?: boolean }) =>
      renderQueue(reply, queueOf(back, opened), state);
    const form = parseForm(appealDecisionForm, request.body);
    if (!form.ok)
      return again({ status: 422, draft: { key, errors: translateErrors(request.t, form.errors), values } });
    let result: Awaited<ReturnType<ModerationService['decideAppeal']>>;
    try {
      result = await moderation.decideAppeal(opened, viewerOf(request), appealId, form.data, request.auditContext);
    } catch (error) {
      if (error instanceof Invalid) {
        return again({ status: 422, draft: { key, errors: translateErrors(request.t, error.fieldErrors), values } });
      }
      throw error;
    }
    if (result === 'already-decided') return again({ status: 409, alreadyDecided: true });
    return reply.redirect(`${queuePath(back, opened)}?notice=moderation-done`, 303);
  });

  // ── The author's decisions and appeals ─────────────────────────────────────────────────────────
  async function renderMine(reply: FastifyReply, state: { status?: number; draft?: EntryDraft | null } = {}) {
    const { request } = reply;
    const mine = await moderation.myModeration(viewerOf(request));
    return reply.code(state.status ?? 200).view('moderation/mine.eta', {
      title: request.t('moderation.mine.title'),
      ...mine,
      draft: state.draft ?? null,
      statementMax: STATEMENT_MAX,
    });
  }

  app.get('/account/moderation', { preHandler: requireViewer }, async (_request, reply) => renderMine(reply));

  app.post(
    '/account/moderation/:decisionId/appeal',
    { preHandler: requireViewer, config: { ...REPORT_LIMIT, ...keeps('note', 'moderation.mine.appealNote') } },
    async (request, reply) => {
      const { decisionId } = parsed(decisionParams, request.params);
      const values = keptValues(request.body);
      const key = `decision:${decisionId}`;
      const form = parseForm(appealForm, request.body);
      if (!form.ok) {
        return renderMine(reply, {
          status: 422,
          draft: { key, errors: translateErrors(request.t, form.errors), values },
        });
      }
      try {
        await moderation.appeal(viewerOf(request), decisionId, form.data.note, request.auditContext);
      } catch (error) {
        if (error instanceof Invalid) {
          return renderMine(reply, {
            status: 422,
            draft: { key, errors: translateErrors(request.t, error.fieldErrors), values },
          });
        }
        throw error;
      }
      return reply.redirect(`/account/moderation?notice=appeal-sent#decision-${decisionId}`, 303);
    },
  );

  // ── Watched words: the site's (site admins) and a community's (its owners) ─────────────────────
  async function renderWords(
    reply: FastifyReply,
    scope: { opened: OpenedCommunity } | { site: true },
    state: { status?: number; errors?: FormErrors; values?: Values } = {},
  ) {
    const { request } = reply;
    const listScope =
      'opened' in scope ? watchedWords.communityScope(scope.opened) : watchedWords.siteScope(viewerOf(request));
    const entries = await watchedWords.list(listScope);
    const base =
      'opened' in scope
        ? `/c/${encodeURIComponent(scope.opened.community.slug)}/watched-words`
        : '/admin/watched-words';
    return reply.code(state.status ?? 200).view('moderation/words.eta', {
      title: request.t('opened' in scope ? 'moderation.words.title' : 'moderation.words.siteTitle'),
      community: 'opened' in scope ? scope.opened.community : null,
      entries,
      base,
      actions: WATCHED_WORD_ACTIONS,
      phraseMax: WATCHED_WORD_MAX,
      phraseWords: WATCHED_WORD_MAX_WORDS,
      errors: translateErrors(request.t, state.errors),
      values: state.values ?? { action: 'HOLD' },
    });
  }

  async function wordsScope(request: FastifyRequest): Promise<{ opened: OpenedCommunity } | { site: true }> {
    const params = request.params as { slug?: unknown };
    if (params.slug === undefined) {
      if (viewerOf(request).role !== 'ADMIN') throw new NotFound('No such page');
      return { site: true };
    }
    const { slug } = parsed(slugParams, request.params);
    const opened = await communities.open(slug, request.viewer, request.auditContext);
    watchedWords.communityScope(opened);
    return { opened };
  }

  function listScopeOf(request: FastifyRequest, scope: { opened: OpenedCommunity } | { site: true }) {
    return 'opened' in scope ? watchedWords.communityScope(scope.opened) : watchedWords.siteScope(viewerOf(request));
  }

  for (const base of ['/c/:slug/watched-words', '/admin/watched-words']) {
    app.get(base, { preHandler: requireViewer }, async (request, reply) =>
      renderWords(reply, await wordsScope(request)),
    );

    const WORD_FORM = {
      preHandler: requireViewer,
      config: { keepsWords: { phrase: { label: 'moderation.words.phrase', multiline: false } } },
    } as const;
    app.post(base, WORD_FORM, async (request, reply) => {
      const scope = await wordsScope(request);
      const values = keptValues(request.body);
      const form = parseForm(watchedWordForm, request.body);
      if (!form.ok) return renderWords(reply, scope, { status: 422, errors: form.errors, values });
      try {
        await watchedWords.add(listScopeOf(request, scope), viewerOf(request), form.data, request.auditContext);
      } catch (error) {
        if (error instanceof Invalid)
          return renderWords(reply, scope, { status: 422, errors: error.fieldErrors, values });
        throw error;
      }
      const url = 'opened' in scope ? `/c/${encodeURIComponent(scope.opened.community.slug)}/watched-words` : base;
      return reply.redirect(`${url}?notice=words-saved`, 303);
    });

    app.post(
      `${base}/:wordId/delete`,
      { preHandler: requireViewer, config: { keepsWords: false } },
      async (request, reply) => {
        const scope = await wordsScope(request);
        const { wordId } = parsed('opened' in scope ? communityWordParams : wordParams, request.params);
        await watchedWords.remove(listScopeOf(request, scope), wordId, request.auditContext);
        const url = 'opened' in scope ? `/c/${encodeURIComponent(scope.opened.community.slug)}/watched-words` : base;
        return reply.redirect(`${url}?notice=words-saved`, 303);
      },
    );
  }
}
