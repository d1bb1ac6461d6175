import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenedCommunity } from '../communities/communities.service.js';
import type { Config } from '../config.js';
import { type FormErrors, translateErrors } from '../forms.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Suggestion } from '../policy/classifier.js';
import { createThreadPageCache } from './page-cache.js';
import { createPageSlots, type PageSlots } from './page-slots.js';
import { describeRule, type RuleLike, tagName } from './policy-messages.js';
import { createFragmentCache } from './post-fragments.js';
import { threadPath } from './thread-paths.js';
import { REACTION_KINDS, threadPageQuery } from './threads.schemas.js';
import type { OpenedThread, PostView, ThreadsService } from './threads.service.js';

// The thread page: its posts as kept fragments (post-fragments.ts) assembled as bytes (page-slots.ts), the
// reply form, the watch form, and, for a signed-out reader's plain GET, the whole page kept under the
// versions the database keeps (page-cache.ts, ADR 024). threads.routes.ts serves it and shows it again
// with a draft or a title that came back.

/** A form's values as they came (and go back). */
export type Values = Record<string, string | string[]>;

/** What the policy said about a draft, ready for the form. */
export interface PolicyNotice {
  readonly kind: 'refused' | 'warning';
  readonly messages: string[];
  /** What confirming a warning sends back (warningDigest). */
  readonly confirmation: string;
  readonly suggestion: Suggestion;
}

export interface PostFormState {
  status?: number;
  values?: Values;
  errors?: FormErrors;
  policy?: PolicyNotice | null;
  suggestion?: Suggestion | null;
  /** The draft rendered as it would be published (the "Vista previa" button), sanitized HTML. */
  preview?: string | null;
}

/** What the thread page needs from the routes that serve it. */
export interface ThreadPageDeps {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly threads: ThreadsService;
  readonly notifications: Pick<NotificationsService, 'threadWatch'>;
  /** The post form's view data (threads.routes.ts). */
  readonly formData: (
    request: FastifyRequest,
    opened: OpenedCommunity,
    kinds: readonly ('DISCUSSION' | 'QUESTION' | 'ANNOUNCEMENT')[],
    isOpening: boolean,
    state: PostFormState,
  ) => Promise<object>;
}

/**
 * The thread page's renderer: `renderThread(reply, opened, draft?, retitle?)` sends the page (200, or the
 * draft's or title's status: a form that came back keeps every word), as a Buffer.
 */
export function createThreadPage({ app, config, threads, notifications, formData }: ThreadPageDeps) {
  // Each post's HTML, kept between views under its inputs (post-fragments.ts). Not in
  // development, where templates are read again on every render and an edited one must show.
  const fragments = config.env === 'development' ? null : createFragmentCache();
  // The signed-out page kept whole, under everything that may change it (page-cache.ts, ADR 024).
  const signedOutPages = config.env === 'development' ? null : createThreadPageCache();
  /** Query parameters a signed-out page is kept under: any other (a notice, an answer link) renders it afresh. */
  const KEPT_QUERY = new Set(['page', 'at']);

  /** Every post of the page (opening, replies, answers) as a placeholder in `slots`, by post id. */
  function renderPosts(
    reply: FastifyReply,
    opened: OpenedThread,
    page: Awaited<ReturnType<ThreadsService['showThread']>>,
    hasForm: boolean,
    slots: PageSlots,
  ): Map<string, string> {
    const { request } = reply;
    const viewer = request.viewer;
    const slug = opened.opened.community.slug;
    const locals = reply.locals as { formatKey: () => string; formatDate: (date: Date) => string };
    const shared = {
      format: locals.formatKey(),
      threadPath: threadPath(slug, opened.thread.id),
      reviewPath: `/c/${slug}/review`,
      signedIn: viewer !== null,
      canModerate: page.canModerate,
      canReact: page.canReact,
      canHistory: page.canHistory,
      hasForm,
      reactionKinds: REACTION_KINDS,
    };
    const helpers = {
      t: request.t,
      formatDate: locals.formatDate,
      tagName: (tag: string) => tagName(request.t, tag),
      describeRule: (rule: RuleLike) => describeRule(request.t, rule),
    };
    const html = new Map<string, string>();
    const cached = fragments?.page(shared) ?? null;
    // The post's HTML is left out of the fragment's key and compared whole by the cache (post-fragments.ts).
    const add = ({ answers: _rendered, html: content, ...post }: PostView) => {
      const input = { post, own: viewer !== null && post.author !== null && post.author.id === viewer.id };
      const render = () =>
        app.renderPartial('/threads/post', { ...shared, ...input, post: { ...post, html: content }, ...helpers });
      html.set(post.id, slots.slot(cached ? cached.render(input, content, render) : Buffer.from(render())));
    };
    if (page.opening) add(page.opening);
    for (const replyView of page.replies) {
      add(replyView);
      for (const answer of replyView.answers) add(answer);
    }
    return html;
  }

  async function renderThread(
    reply: FastifyReply,
    opened: OpenedThread,
    draft: PostFormState | null = null,
    retitle: { status: number; value: string; errors: FormErrors } | null = null,
  ) {
    const { request } = reply;
    // A form sent back (a draft) shows the page it was written on: the one holding the post it answers.
    const asked = threadPageQuery.parse(
      request.method === 'GET' || request.method === 'HEAD' ? (request.query ?? {}) : {},
    );
    // "Answer this reply" (a link, ?answer=<reply>): the page that holds the reply, its form answering it.
    const draftParent =
      (typeof draft?.values?.parentId === 'string' ? draft.values.parentId : undefined) ?? asked.answer;
    // A signed-out reader's plain GET: the page kept under its key, if any (page-cache.ts). The key's rows
    // (thread with the page epoch, community) were read by this request to decide access.
    let kept: { key: string; token: string } | null = null;
    if (
      signedOutPages !== null &&
      request.viewer === null &&
      draft === null &&
      retitle === null &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      Object.keys((request.query as Record<string, unknown> | undefined) ?? {}).every((name) => KEPT_QUERY.has(name))
    ) {
      const locals = reply.locals as { formatKey: () => string; csrfToken: () => string; currentPath: string };
      const key = [
        locals.currentPath,
        locals.formatKey(),
        String(asked.page ?? ''),
        asked.at ?? '',
        opened.pageEpoch,
        JSON.stringify(opened.thread),
        JSON.stringify(opened.opened.community),
      ].join('\n');
      const token = locals.csrfToken();
      const hit = signedOutPages.serve(key, token);
      if (hit !== null) return reply.code(200).type('text/html; charset=utf-8').send(hit);
      kept = { key, token };
    }
    const page = await threads.showThread(opened, request.viewer, draftParent ? { at: draftParent } : asked);
    const form =
      request.viewer && page.canReply
        ? await formData(request, opened.opened, [opened.thread.kind], false, draft ?? {})
        : null;
    // An answer asked for by link must be to a reply that takes answers; otherwise the form replies to the thread.
    const answerable = asked.answer && page.replies.some((r) => r.id === asked.answer && r.canAnswer);
    const parentId =
      typeof draft?.values?.parentId === 'string' ? draft.values.parentId : answerable ? (asked.answer ?? '') : '';
    const titleErrors = translateErrors(request.t, retitle?.errors);
    const watchLevel = request.viewer ? await notifications.threadWatch(request.viewer.id, opened.thread.id) : null;
    // The page is assembled as bytes around the posts' fragments (page-slots.ts).
    const slots = createPageSlots();
    const postHtml = renderPosts(reply, opened, page, form !== null, slots);
    const shell = await reply.viewAsync('threads/show.eta', {
      postHtml,
      watch: watchLevel
        ? {
            level: watchLevel,
            action: `${threadPath(opened.opened.community.slug, opened.thread.id)}/watch`,
            scope: 'thread',
          }
        : null,
      // A removed title (its opening post deleted, or taken away) leaves nothing of it, not even in <title>.
      title: opened.thread.title || request.t('threads.untitled'),
      canRetitle: threads.mayRetitle(opened, request.viewer),
      titleForm: { value: retitle?.value ?? opened.thread.title, error: titleErrors.title ?? null },
      community: opened.opened.community,
      thread: opened.thread,
      ...page,
      form,
      // Which form the draft belongs to: the thread's reply form, or the answer form under one reply.
      draftParentId: parentId,
      reactionKinds: REACTION_KINDS,
      tagName: (tag: string) => tagName(request.t, tag),
      describeRule: (rule: RuleLike) => describeRule(request.t, rule),
    });
    const bytes = slots.assemble(shell);
    if (kept !== null) signedOutPages?.keep(kept.key, bytes, kept.token);
    return reply.code(retitle?.status ?? draft?.status ?? 200).send(bytes);
  }

  return { renderThread };
}
