import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { BadRequest, Forbidden, Invalid, NotFound } from '../errors.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import type { ModerationService } from '../moderation/moderation.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { listQuery } from '../threads/threads.schemas.js';
import type { ThreadsService } from '../threads/threads.service.js';
import {
  AUDIENCES,
  communityForm,
  directoryQuery,
  inviteForm,
  memberParams,
  settingsForm,
  slugParams,
  VISIBILITIES,
} from './communities.schemas.js';
import type { CommunitiesService, MemberAction, OpenedCommunity } from './communities.service.js';

const TAGS = ['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL'] as const;

function slugOf(request: FastifyRequest): string {
  const parsed = slugParams.safeParse(request.params);
  if (!parsed.success) throw new NotFound('No such community');
  return parsed.data.slug;
}

/** Checkbox groups come back as a string or an array; the form shows them ticked again. */
function typedValues(body: unknown): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = keptValues(body);
  const tags = (body as { welcomedTags?: unknown } | undefined)?.welcomedTags;
  if (Array.isArray(tags)) values.welcomedTags = tags.filter((tag): tag is string => typeof tag === 'string');
  return values;
}

export async function communitiesRoutes(
  app: FastifyInstance,
  {
    communities,
    threads,
    config,
    notifications,
    moderation,
  }: {
    communities: CommunitiesService;
    threads: ThreadsService;
    config: Config;
    /** The viewer's watch level, for the form on the community page. */
    notifications: Pick<NotificationsService, 'communityWatch'>;
    /** How many entries wait in the community's review queue, for its moderators. */
    moderation: Pick<ModerationService, 'pendingIn'>;
  },
) {
  // Creating a community and saving its settings render the rules' markdown: their own limit, per account.
  const EDIT_LIMIT = perAccountLimit(config.rateLimit.sensitiveMax * 3, 15 * 60_000);

  async function openFor(request: FastifyRequest): Promise<OpenedCommunity> {
    return communities.open(slugOf(request), request.viewer, request.auditContext);
  }

  function back(reply: FastifyReply, slug: string, notice: string, path = '') {
    return reply.redirect(`/c/${encodeURIComponent(slug)}${path}?notice=${notice}`, 303);
  }

  // ── Directory and "my communities" ───────────────────────────────────────
  app.get('/communities', async (request, reply) => {
    const query = directoryQuery.parse(request.query ?? {});
    const { total, page, pages, communities: list } = await communities.listDirectory(request.viewer, query);
    const canCreate = request.viewer ? (await communities.creatableAudiences(request.viewer)).length > 0 : false;
    return reply.view('communities/directory.eta', {
      title: request.t('communities.directory.title'),
      query,
      audiences: AUDIENCES,
      list,
      total,
      page,
      pages,
      canCreate,
    });
  });

  app.get('/communities/mine', { preHandler: requireViewer }, async (request, reply) =>
    reply.view('communities/mine.eta', {
      title: request.t('communities.mine.title'),
      list: await communities.listMine(viewerOf(request)),
    }),
  );

  // ── Creating ─────────────────────────────────────────────────────────────
  async function renderNew(
    reply: FastifyReply,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string | string[]> } = {},
  ) {
    const { request } = reply;
    const audiences = await communities.creatableAudiences(viewerOf(request));
    if (audiences.length === 0) {
      return reply.code(403).view('communities/cannot-create.eta', { title: request.t('communities.new.title') });
    }
    return reply.code(options.status ?? 200).view('communities/new.eta', {
      title: request.t('communities.new.title'),
      audiences,
      visibilities: VISIBILITIES,
      tags: TAGS,
      values: { visibility: 'PUBLIC', audience: 'INTERNAL', welcomedTags: [...TAGS], ...options.values },
      errors: translateErrors(request.t, options.errors),
      formError: null,
    });
  }

  app.get('/communities/new', { preHandler: requireViewer }, async (_request, reply) => renderNew(reply));

  // A community's words, given back on a 503 (plugins/errors.ts).
  // The new community's form and the settings share these; settings has no address (slug) to send.
  const COMMUNITY_WORDS = {
    slug: { label: 'communities.form.slug', multiline: false },
    name: { label: 'communities.form.name', multiline: false },
    description: { label: 'communities.form.description', multiline: true },
    rules: { label: 'communities.form.rules', multiline: true },
  } as const;
  const COMMUNITY_FORM = { preHandler: requireViewer, config: { ...EDIT_LIMIT, keepsWords: COMMUNITY_WORDS } };
  app.post('/communities', COMMUNITY_FORM, async (request, reply) => {
    const form = parseForm(communityForm, request.body);
    if (!form.ok) return renderNew(reply, { status: 422, errors: form.errors, values: typedValues(request.body) });
    try {
      const slug = await communities.create(viewerOf(request), form.data, request.auditContext);
      return reply.redirect(`/c/${encodeURIComponent(slug)}?notice=community-created`, 303);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderNew(reply, { status: 422, errors: error.fieldErrors, values: typedValues(request.body) });
    }
  });

  // ── A community ──────────────────────────────────────────────────────────
  app.get('/c/:slug', async (request, reply) => {
    const opened = await openFor(request);
    const summary = opened.permissions.read
      ? await communities.summarizeMembers(opened)
      : { moderators: [], memberCount: 0 };
    // Names of members, moderators included, are for people signed in (see /c/:slug/members).
    if (!request.viewer) summary.moderators = [];
    const query = listQuery.parse(request.query ?? {});
    const threadList = opened.permissions.read ? await threads.listThreads(opened, query, request.viewer) : null;
    const pendingReview = await moderation.pendingIn(opened);
    const watchLevel =
      request.viewer && opened.permissions.read
        ? await notifications.communityWatch(request.viewer.id, opened.community.id)
        : null;
    return reply.view('communities/show.eta', {
      watch: watchLevel
        ? { level: watchLevel, action: `/c/${encodeURIComponent(opened.community.slug)}/watch`, scope: 'community' }
        : null,
      threadList,
      pendingReview,
      listQuery: query,
      canStartThread: opened.permissions.post && opened.community.archivedAt === null,
      title: opened.community.name,
      community: opened.community,
      membership: opened.membership,
      can: opened.permissions,
      ...summary,
      errors: {},
    });
  });

  app.get('/c/:slug/members', async (request, reply) => {
    const opened = await openFor(request);
    if (!opened.permissions.read) return reply.redirect(`/c/${encodeURIComponent(opened.community.slug)}`, 303);
    // Who belongs to a community is personal data (a citizen's name in an open one): not for visitors
    // who have not signed in (issue 14, item 8). They are asked to sign in and come back.
    if (!request.viewer) {
      return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(`/c/${opened.community.slug}/members`)}`, 303);
    }
    return renderMembers(reply, opened);
  });

  async function renderMembers(
    reply: FastifyReply,
    opened: OpenedCommunity,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string> } = {},
  ) {
    const { request } = reply;
    const q = (request.query as { q?: unknown } | undefined)?.q;
    const search = typeof q === 'string' ? q.slice(0, 100) : '';
    const lists = await communities.listMembers(opened, request.viewer, search);
    return reply.code(options.status ?? 200).view('communities/members.eta', {
      search,
      title: request.t('communities.members.title', { name: opened.community.name }),
      community: opened.community,
      can: opened.permissions,
      viewerId: request.viewer?.id ?? null,
      ...lists,
      values: options.values ?? {},
      errors: translateErrors(request.t, options.errors),
      formError: null,
    });
  }

  // ── Belonging: join, request, accept or decline an invitation, leave ─────
  app.post('/c/:slug/join', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const opened = await openFor(request);
    await communities.join(opened, viewerOf(request), request.auditContext);
    return back(reply, opened.community.slug, 'community-joined');
  });

  app.post('/c/:slug/request', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const opened = await openFor(request);
    await communities.requestToJoin(opened, viewerOf(request), request.auditContext);
    return back(reply, opened.community.slug, 'community-requested');
  });

  app.post('/c/:slug/accept', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const opened = await openFor(request);
    await communities.acceptInvitation(opened, viewerOf(request), request.auditContext);
    return back(reply, opened.community.slug, 'community-joined');
  });

  app.post('/c/:slug/decline', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const opened = await openFor(request);
    await communities.declineInvitation(opened, viewerOf(request), request.auditContext);
    return reply.redirect('/communities/mine?notice=community-declined', 303);
  });

  app.post('/c/:slug/leave', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const opened = await openFor(request);
    try {
      await communities.leave(opened, viewerOf(request), request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return back(reply, opened.community.slug, 'community-last-owner');
    }
    return reply.redirect('/communities/mine?notice=community-left', 303);
  });

  // ── Moderation: invitations and members ──────────────────────────────────
  const INVITE_FORM = {
    preHandler: requireViewer,
    config: { keepsWords: { who: { label: 'communities.invite.who', multiline: false } } },
  } as const;
  app.post('/c/:slug/invitations', INVITE_FORM, async (request, reply) => {
    const opened = await openFor(request);
    const form = parseForm(inviteForm, request.body);
    if (!form.ok) return renderMembers(reply, opened, { status: 422, ...form });
    let by: 'handle' | 'email';
    try {
      by = await communities.invite(opened, viewerOf(request), form.data.who, request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderMembers(reply, opened, { status: 422, errors: error.fieldErrors, values: keptValues(request.body) });
    }
    // By e-mail the notice says nothing about the address (see CommunitiesService.invite).
    return back(
      reply,
      opened.community.slug,
      by === 'email' ? 'community-invited-email' : 'community-invited',
      '/members',
    );
  });

  app.post(
    '/c/:slug/members/:userId/:action',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const params = memberParams.safeParse(request.params);
      if (!params.success) throw new BadRequest('Unknown member action');
      const opened = await openFor(request);
      try {
        await communities.actOnMember(
          opened,
          viewerOf(request),
          params.data.userId,
          params.data.action as MemberAction,
          request.auditContext,
        );
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        return renderMembers(reply, opened, { status: 422, errors: error.fieldErrors });
      }
      return back(reply, opened.community.slug, `community-member-${params.data.action}`, '/members');
    },
  );

  // ── Settings (owners) ────────────────────────────────────────────────────
  function renderSettings(
    reply: FastifyReply,
    opened: OpenedCommunity,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string | string[]> } = {},
  ) {
    const { request } = reply;
    const { community } = opened;
    return reply.code(options.status ?? 200).view('communities/settings.eta', {
      title: request.t('communities.settings.title', { name: community.name }),
      community,
      visibilities: VISIBILITIES,
      tags: TAGS,
      values: options.values ?? {
        name: community.name,
        description: community.description,
        rules: community.rules,
        visibility: community.visibility,
        welcomedTags: community.welcomedTags,
        archived: community.archivedAt ? 'on' : '',
      },
      errors: translateErrors(request.t, options.errors),
      formError: null,
    });
  }

  app.get('/c/:slug/settings', { preHandler: requireViewer }, async (request, reply) => {
    const opened = await openFor(request);
    if (!opened.permissions.manage) throw new Forbidden('Only owners change the settings');
    return renderSettings(reply, opened);
  });

  app.post('/c/:slug/settings', COMMUNITY_FORM, async (request, reply) => {
    const opened = await openFor(request);
    if (!opened.permissions.manage) throw new Forbidden('Only owners change the settings');
    const form = parseForm(settingsForm, request.body);
    if (!form.ok)
      return renderSettings(reply, opened, { status: 422, errors: form.errors, values: typedValues(request.body) });
    const slug = await communities.updateSettings(opened, form.data, request.auditContext);
    return back(reply, slug, 'community-settings-saved');
  });
}
