import { randomUUID } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AttachmentError, type InspectedFile, inspectUpload } from '../attachments/attachment-files.js';
import type { CommunitiesService, OpenedCommunity } from '../communities/communities.service.js';
import type { Config } from '../config.js';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { type Suggestion, suggestTag } from '../policy/classifier.js';
import { type PolicyDecision, warningDigest } from '../policy/rules.js';
import { POST_TAGS } from '../policy/tags.js';
import { FORM_BODY_BYTES } from '../text/limits.js';
import { describeRule } from './policy-messages.js';
import type { EarlierSubmission } from './post-submissions.js';
import { createThreadPage, type PolicyNotice, type PostFormState, type Values } from './thread-page.js';
import { postPath, threadPath } from './thread-paths.js';
import { openedThreadOf, postIdOf, slugOf } from './thread-requests.js';
import {
  BODY_MAX,
  editForm,
  previewForm,
  replyForm,
  SUGGEST_BODY_LIMIT,
  THREAD_KINDS,
  TITLE_MAX,
  threadForm,
  titleForm,
} from './threads.schemas.js';
import {
  attachmentUrl,
  type OpenedThread,
  PostNeedsConfirmation,
  PostRefused,
  type ThreadsService,
} from './threads.service.js';

/**
 * A file part of a post form, as the multipart parser hands it over (bytes null: over the size limit).
 * `surplus`: a file beyond the number a post may carry, read to its end but not kept.
 */
class UploadedPart {
  constructor(
    readonly bytes: Buffer | null,
    readonly filename: string,
    readonly surplus = false,
  ) {}
}

/**
 * Files a post form may send before the parser stops reading it (a 413 that would lose the words):
 * more than a post may carry, so that choosing too many is answered beside the field with every word.
 */
const FILE_PARTS_READ = (perPost: number) => perPost * 4;

const ATTACHMENT_MESSAGES: Readonly<Record<AttachmentError['problem'], MessageKey>> = {
  empty: 'threads.attachment.empty',
  'too-large': 'threads.attachment.tooLarge',
  'type-not-allowed': 'threads.attachment.typeNotAllowed',
  disguised: 'threads.attachment.disguised',
  unreadable: 'threads.attachment.unreadable',
};

/** What the person sent, to fill the form again: text fields and the attachments already uploaded. */
function typedValues(body: unknown, attachmentIds: readonly string[]): Values {
  return { ...keptValues(body), attachmentIds: [...attachmentIds] };
}

function idsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string => typeof item === 'string' && /^[0-9a-f-]{36}$/i.test(item));
}

function partsOf(value: unknown): UploadedPart[] {
  const list = Array.isArray(value) ? value : [value];
  // A file input left empty still sends a part, without a name or bytes.
  return list.filter(
    (item): item is UploadedPart => item instanceof UploadedPart && !(item.filename === '' && item.bytes?.length === 0),
  );
}

export async function threadsRoutes(
  app: FastifyInstance,
  {
    threads,
    communities,
    config,
    notifications,
  }: {
    threads: ThreadsService;
    communities: CommunitiesService;
    config: Config;
    /** The viewer's watch level, for the form on the thread page. */
    notifications: Pick<NotificationsService, 'threadWatch'>;
  },
) {
  // Counted per author, not per client address: a town hall's staff share one address (issue 9).
  const POST_LIMIT = perAccountLimit(config.rateLimit.sensitiveMax * 6, 10 * 60_000);
  // A post form refused because the database is away comes back with its words (plugins/errors.ts).
  const POST_FORM = { ...POST_LIMIT, keepsWords: true as const };

  const threadOf = (request: FastifyRequest) => openedThreadOf(threads, request);

  function redirectToPost(reply: FastifyReply, written: EarlierSubmission) {
    const notice = written.held ? 'post-held' : 'reply-posted';
    return reply.redirect(postPath(written.communitySlug, written.threadId, written.postId, notice), 303);
  }

  function policyNotice(request: FastifyRequest, error: PostRefused | PostNeedsConfirmation): PolicyNotice {
    const decision: PolicyDecision = error.decision;
    const relevant = decision.rules.filter((rule) => rule.outcome === decision.outcome);
    return {
      kind: error instanceof PostRefused ? 'refused' : 'warning',
      messages: relevant.map((rule) => describeRule(request.t, rule)),
      confirmation: warningDigest(decision),
      suggestion: decision.suggestion,
    };
  }

  /**
   * Inspects the files of a post form and keeps the good ones as the author's pending attachments.
   * A bad file fails the whole form (nothing stored) with a message naming it.
   */
  async function receiveUploads(request: FastifyRequest): Promise<{ ids: string[]; error: FormErrors | null }> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const kept = idsOf(body.attachmentIds);
    const parts = partsOf(body.files);
    // Too many files chosen: said before any is looked at, with every word of the form kept.
    if (parts.some((part) => part.surplus) || kept.length + parts.length > config.attachments.perPost) {
      return {
        ids: kept,
        error: {
          attachments: { key: 'threads.field.tooManyAttachments', params: { max: config.attachments.perPost } },
        },
      };
    }
    const inspected: InspectedFile[] = [];
    for (const part of parts) {
      try {
        inspected.push(await inspectUpload(part.bytes, part.filename, config.attachments));
      } catch (error) {
        if (!(error instanceof AttachmentError)) throw error;
        return {
          ids: kept,
          error: {
            attachments: {
              key: ATTACHMENT_MESSAGES[error.problem],
              params: { name: part.filename, max: Math.round(config.attachments.maxBytes / 1048576) },
            },
          },
        };
      }
    }
    if (kept.length + inspected.length > config.attachments.perPost) {
      return {
        ids: kept,
        error: {
          attachments: { key: 'threads.field.tooManyAttachments', params: { max: config.attachments.perPost } },
        },
      };
    }
    const stored = await threads.storeUploads(viewerOf(request), inspected);
    return { ids: [...kept, ...stored], error: null };
  }

  /**
   * The classifier's suggestion for a form's title and text. Its work grows with the text, so it
   * reads no more than a post may hold (TITLE_MAX and BODY_MAX characters): an over-long form is
   * refused beside the field anyway.
   */
  function suggestionFor(body: unknown): Suggestion {
    const values = keptValues(body);
    return suggestTag(`${(values.title ?? '').slice(0, TITLE_MAX)}\n\n${(values.body ?? '').slice(0, BODY_MAX)}`);
  }

  /**
   * The "Vista previa" button of a post form (no script needed): the form comes back with every word and
   * file, and the draft rendered beside it; a draft over the limit or empty is refused beside the field
   * instead (422), never previewed cut.
   */
  async function previewState(request: FastifyRequest, attachmentIds: readonly string[]): Promise<PostFormState> {
    const form = parseForm(previewForm, { ...keptValues(request.body), attachmentIds });
    if (!form.ok) return { status: 422, errors: form.errors };
    return { preview: await threads.previewPost(viewerOf(request), form.data.body, form.data.attachmentIds) };
  }

  const intentOf = (request: FastifyRequest) => keptValues(request.body).intent;

  // ── The post form's common view data ──────────────────────────────────────────────────────────────
  async function formData(
    request: FastifyRequest,
    opened: OpenedCommunity,
    kinds: readonly ('DISCUSSION' | 'QUESTION' | 'ANNOUNCEMENT')[],
    isOpening: boolean,
    state: PostFormState,
  ) {
    const viewer = viewerOf(request);
    const options = await threads.composeOptions(opened, viewer, kinds, isOpening);
    const values: Values = { ...state.values };
    // The form pre-selects a tag: the suggestion when there is one the author may choose, else professional.
    if (!values.tag) {
      const suggested = state.suggestion?.tag;
      values.tag =
        suggested && options.tags.includes(suggested)
          ? suggested
          : options.tags.includes('PROFESSIONAL')
            ? 'PROFESSIONAL'
            : (options.tags[0] ?? 'PERSONAL');
    }
    // Each form rendered gets its own one-time key; a form shown again keeps the key it was sent with.
    if (!values.submissionKey) values.submissionKey = randomUUID();
    const attachmentIds = Array.isArray(values.attachmentIds) ? values.attachmentIds : [];
    const pending = await threads.pendingAttachments(viewer, attachmentIds);
    return {
      tags: POST_TAGS,
      allowedTags: options.tags,
      voices: options.voices,
      values,
      errors: translateErrors(request.t, state.errors),
      policy: state.policy ?? null,
      suggestion: state.suggestion ?? state.policy?.suggestion ?? null,
      attachments: pending.map((file) => ({ ...file, url: attachmentUrl(file.id, file.displayName) })),
      maxAttachments: config.attachments.perPost,
      maxMegabytes: Math.round(config.attachments.maxBytes / 1048576),
      preview: state.preview ?? null,
      formError: null,
    };
  }

  // ── New thread ────────────────────────────────────────────────────────────────────────────────────
  async function renderNewThread(reply: FastifyReply, opened: OpenedCommunity, state: PostFormState = {}) {
    const { request } = reply;
    const kindValue = state.values?.kind;
    const kind = THREAD_KINDS.find((k) => k === kindValue) ?? 'DISCUSSION';
    const data = await formData(request, opened, THREAD_KINDS, true, state);
    return reply.code(state.status ?? 200).view('threads/new.eta', {
      title: request.t('threads.new.title'),
      community: opened.community,
      kinds: THREAD_KINDS,
      ...data,
      values: { kind, ...data.values },
    });
  }

  app.get('/c/:slug/threads/new', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await communities.open(slugOf(request), request.viewer, request.auditContext);
    if (!opened.permissions.read) throw new NotFound('No such community content');
    threads.requirePost(opened, null);
    return renderNewThread(reply, opened);
  });

  // ── Post forms with files: multipart parsed for these routes only ────────────────────────────────
  /** How many files each request's form has sent so far (multipart calls onFile with the request as `this`). */
  const filesSeen = new WeakMap<FastifyRequest, number>();
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: {
        fileSize: config.attachments.maxBytes,
        files: FILE_PARTS_READ(config.attachments.perPost),
        fields: 20 + config.attachments.perPost,
        // A text field over its limit reaches the validator whole (text/limits.ts); one cut at this size
        // is far over every limit, so it is refused as too long all the same, never kept cut.
        fieldSize: FORM_BODY_BYTES,
        parts: 30 + FILE_PARTS_READ(config.attachments.perPost),
      },
      async onFile(this: FastifyRequest, part) {
        // Beyond what a post may carry, a file is read through and dropped: memory holds perPost files at most.
        const seen = (filesSeen.get(this) ?? 0) + 1;
        filesSeen.set(this, seen);
        if (seen > config.attachments.perPost) {
          part.file.resume();
          await new Promise((resolve) => part.file.once('end', resolve));
          part.value = new UploadedPart(null, part.filename ?? '', true);
          return;
        }
        const bytes = await part.toBuffer();
        part.value = new UploadedPart(part.file.truncated ? null : bytes, part.filename ?? '');
      },
    });

    uploads.post('/c/:slug/threads', { onRequest: requireViewer, config: POST_FORM }, async (request, reply) => {
      const opened = await communities.open(slugOf(request), request.viewer, request.auditContext);
      if (!opened.permissions.read) throw new NotFound('No such community content');
      // The same form sent again goes where the first one went, before anything (files too) is stored twice.
      const earlier = await threads.earlierSubmission(viewerOf(request), keptValues(request.body));
      if (earlier)
        return reply.redirect(
          `${threadPath(earlier.communitySlug, earlier.threadId)}?notice=${earlier.held ? 'post-held' : 'thread-created'}`,
          303,
        );
      threads.requirePost(opened, null);
      const uploaded = await receiveUploads(request);
      const values = typedValues(request.body, uploaded.ids);
      if (uploaded.error) return renderNewThread(reply, opened, { status: 422, values, errors: uploaded.error });
      if (intentOf(request) === 'suggest') {
        const suggestion = suggestionFor(request.body);
        return renderNewThread(reply, opened, { values: { ...values, tag: '' }, suggestion });
      }
      if (intentOf(request) === 'preview') {
        return renderNewThread(reply, opened, { values, ...(await previewState(request, uploaded.ids)) });
      }
      const form = parseForm(threadForm, { ...keptValues(request.body), attachmentIds: uploaded.ids });
      if (!form.ok) return renderNewThread(reply, opened, { status: 422, values, errors: form.errors });
      try {
        const written = await threads.createThread(opened, viewerOf(request), form.data, request.auditContext);
        return reply.redirect(
          `${threadPath(written.communitySlug, written.threadId)}?notice=${written.held ? 'post-held' : 'thread-created'}`,
          303,
        );
      } catch (error) {
        if (error instanceof Invalid) {
          return renderNewThread(reply, opened, { status: 422, values, errors: error.fieldErrors });
        }
        if (error instanceof PostRefused || error instanceof PostNeedsConfirmation) {
          return renderNewThread(reply, opened, { status: 422, values, policy: policyNotice(request, error) });
        }
        throw error;
      }
    });

    uploads.post(
      '/c/:slug/threads/:threadId/replies',
      { onRequest: requireViewer, config: POST_FORM },
      async (request, reply) => {
        const opened = await threadOf(request);
        const earlier = await threads.earlierSubmission(viewerOf(request), keptValues(request.body));
        if (earlier) return redirectToPost(reply, earlier);
        threads.requirePost(opened.opened, opened.thread);
        const uploaded = await receiveUploads(request);
        const values = typedValues(request.body, uploaded.ids);
        const draft = (state: PostFormState) => renderThread(reply, opened, { status: 422, ...state, values });
        if (uploaded.error) return draft({ errors: uploaded.error });
        if (intentOf(request) === 'suggest') {
          return renderThread(reply, opened, {
            values: { ...values, tag: '' },
            suggestion: suggestionFor(request.body),
          });
        }
        if (intentOf(request) === 'preview') {
          return renderThread(reply, opened, { values, ...(await previewState(request, uploaded.ids)) });
        }
        const form = parseForm(replyForm, { ...keptValues(request.body), attachmentIds: uploaded.ids });
        if (!form.ok) return draft({ errors: form.errors });
        try {
          return redirectToPost(reply, await threads.reply(opened, viewerOf(request), form.data, request.auditContext));
        } catch (error) {
          if (error instanceof Invalid) return draft({ errors: error.fieldErrors });
          if (error instanceof PostRefused || error instanceof PostNeedsConfirmation) {
            return draft({ policy: policyNotice(request, error) });
          }
          throw error;
        }
      },
    );

    uploads.post(
      '/c/:slug/threads/:threadId/posts/:postId/edit',
      { onRequest: requireViewer, config: POST_FORM },
      async (request, reply) => {
        const opened = await threadOf(request);
        const postId = postIdOf(request);
        const post = await threads.editablePost(opened, viewerOf(request), postId);
        const uploaded = await receiveUploads(request);
        const values = typedValues(request.body, uploaded.ids);
        const again = (state: PostFormState) => renderEdit(reply, opened, post, { status: 422, ...state, values });
        if (uploaded.error) return again({ errors: uploaded.error });
        if (intentOf(request) === 'preview') {
          return renderEdit(reply, opened, post, { values, ...(await previewState(request, uploaded.ids)) });
        }
        const form = parseForm(editForm, { ...keptValues(request.body), attachmentIds: uploaded.ids });
        if (!form.ok) return again({ errors: form.errors });
        let changed: boolean;
        let held: boolean;
        try {
          ({ changed, held } = await threads.editPost(
            opened,
            viewerOf(request),
            postId,
            form.data,
            request.auditContext,
          ));
        } catch (error) {
          if (error instanceof Invalid) return again({ errors: error.fieldErrors });
          if (error instanceof PostRefused || error instanceof PostNeedsConfirmation) {
            return again({ policy: policyNotice(request, error) });
          }
          throw error;
        }
        return reply.redirect(
          postPath(
            opened.opened.community.slug,
            opened.thread.id,
            postId,
            held ? 'post-held' : changed ? 'post-edited' : 'post-unchanged',
          ),
          303,
        );
      },
    );
  });

  // ── The thread page (thread-page.ts) ──────────────────────────────────────────────────────────────
  const { renderThread } = createThreadPage({ app, config, threads, notifications, formData });

  app.get('/c/:slug/threads/:threadId', async (request, reply) => renderThread(reply, await threadOf(request)));

  const TITLE_FORM = {
    preHandler: requireViewer,
    config: { keepsWords: { title: { label: 'threads.title.legend', multiline: false } } },
  } as const;
  app.post('/c/:slug/threads/:threadId/title', TITLE_FORM, async (request, reply) => {
    const opened = await threadOf(request);
    const typedTitle = keptValues(request.body).title ?? '';
    const again = (errors: FormErrors) => renderThread(reply, opened, null, { status: 422, value: typedTitle, errors });
    const form = parseForm(titleForm, request.body);
    if (!form.ok) return again(form.errors);
    const { changed } = await threads.setTitle(opened, viewerOf(request), form.data.title, request.auditContext);
    const url = threadPath(opened.opened.community.slug, opened.thread.id);
    return reply.redirect(`${url}?notice=${changed ? 'title-changed' : 'post-unchanged'}`, 303);
  });

  // ── Editing (deleting, history, accepting, reacting, moderating: post-actions.routes.ts) ──────────
  async function renderEdit(
    reply: FastifyReply,
    opened: OpenedThread,
    post: Awaited<ReturnType<ThreadsService['editablePost']>>,
    state: PostFormState = {},
  ) {
    const { request } = reply;
    const values: Values = state.values ?? {
      title: opened.thread.title,
      body: post.source,
      tag: post.tag,
      onBehalfOf: post.onBehalfOfId ?? '',
      attachmentIds: post.attachments.map((file) => file.id),
    };
    const data = await formData(request, opened.opened, [opened.thread.kind], post.isOpening, { ...state, values });
    return reply.code(state.status ?? 200).view('threads/edit.eta', {
      title: request.t('threads.edit.title'),
      community: opened.opened.community,
      thread: opened.thread,
      post,
      ...data,
    });
  }

  app.get('/c/:slug/threads/:threadId/posts/:postId/edit', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await threadOf(request);
    const post = await threads.editablePost(opened, viewerOf(request), postIdOf(request));
    return renderEdit(reply, opened, post);
  });

  // ── Tag suggestion for the form's script (the form works without it: "Suggest a tag" button) ────
  // Typing asks for a suggestion at most every 0.7 s: 120 in 5 minutes per account is more than a
  // person types, and bounds what one account can make the classifier do.
  const SUGGEST_OPTIONS = {
    preHandler: requireViewer,
    // A post's text at its longest, JSON- or form-encoded, fits; a megabyte does not reach the parser.
    bodyLimit: SUGGEST_BODY_LIMIT,
    // A JSON answer to the composer's script, which keeps the text in its page.
    config: { ...perAccountLimit(120, 5 * 60_000), keepsWords: false },
  };
  app.post('/policy/suggest', SUGGEST_OPTIONS, async (request) => {
    const suggestion = suggestionFor(request.body);
    const label = request.t(`policy.tag.${suggestion.tag}` as MessageKey);
    const confidence = Math.round(suggestion.confidence * 100);
    const cues = suggestion.cues.slice(0, 3).map((cue) => `«${cue.cue}»`);
    const message = [
      request.t('policy.suggestion', { tag: label, confidence }),
      cues.length > 0 ? request.t('policy.badge.cues', { cues: cues.join(', ') }) : '',
    ]
      .filter(Boolean)
      .join(' ');
    return { tag: suggestion.tag, label, confidence, message };
  });

  // ── The composer's preview for its script: the same rendering as the button, in place ────────────
  // Answers 404 for a community the viewer may not read, whatever else is wrong (as its pages do); an
  // over-long or empty draft gets the field's message (422), never a preview of part of it.
  app.post(
    '/c/:slug/preview',
    { preHandler: requireViewer, config: { ...perAccountLimit(120, 5 * 60_000), keepsWords: false } },
    async (request, reply) => {
      const opened = await communities.open(slugOf(request), request.viewer, request.auditContext);
      if (!opened.permissions.read) throw new NotFound('No such community content');
      const state = await previewState(
        request,
        idsOf((request.body as { attachmentIds?: unknown } | null)?.attachmentIds),
      );
      const message = state.errors?.body ?? state.errors?.attachmentIds;
      if (message) return reply.code(422).send({ error: request.t(message.key, message.params) });
      return { html: state.preview ?? '' };
    },
  );
}
