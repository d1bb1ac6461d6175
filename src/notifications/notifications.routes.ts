import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CommunityActor } from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import type { CommunitiesService } from '../communities/communities.service.js';
import { actorOf } from '../communities/communities.service.js';
import { Invalid, NotFound } from '../errors.js';
import { type FormErrors, parseForm, translateErrors } from '../forms.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { threadParams } from '../threads/threads.schemas.js';
import type { ThreadsService } from '../threads/threads.service.js';
import type { SigningKeys } from './notification-mail.js';
import { notificationSummary } from './notification-mail.js';
import {
  DELIVERIES,
  DIGEST_FREQUENCIES,
  NOTIFICATION_KINDS,
  timeZones,
  verifyUnsubscribe,
} from './notification-rules.js';
import { listQuery, notificationParams, settingsForm, unsubscribeParams, watchForm } from './notifications.schemas.js';
import { BELL_MAX, decodeCursor, type NotificationsService } from './notifications.service.js';

function actorFor(viewer: Viewer): CommunityActor {
  const actor = actorOf(viewer);
  if (!actor) throw new Error('a viewer has an actor');
  return actor;
}

export async function notificationsRoutes(
  app: FastifyInstance,
  {
    notifications,
    keys,
    communities,
    threads,
  }: {
    notifications: NotificationsService;
    keys: SigningKeys;
    communities: Pick<CommunitiesService, 'open'>;
    threads: Pick<ThreadsService, 'openThread'>;
  },
) {
  app.get('/notifications', { preHandler: requireViewer }, async (request, reply) => {
    const viewer = viewerOf(request);
    const query = listQuery.safeParse(request.query);
    const before = query.success ? decodeCursor(query.data.before) : null;
    const page = await notifications.list(actorFor(viewer), before);
    return reply.view('notifications/index.eta', {
      title: request.t('notifications.title'),
      items: page.items.map((item) => ({ ...item, summary: notificationSummary(request.t, item, { isolate: true }) })),
      next: page.next,
      earlier: before !== null,
    });
  });

  app.get('/notifications/count', { preHandler: requireViewer }, async (request, reply) => {
    const { unread } = await notifications.headerCounts(viewerOf(request));
    return reply
      .header('cache-control', 'no-store')
      .send({ unread: Math.min(unread, BELL_MAX), more: unread > BELL_MAX });
  });

  app.get('/notifications/:notificationId', { preHandler: requireViewer }, async (request, reply) => {
    const params = notificationParams.safeParse(request.params);
    if (!params.success) throw new NotFound();
    const href = await notifications.open(actorFor(viewerOf(request)), params.data.notificationId);
    return reply.redirect(href, 303);
  });

  app.post(
    '/notifications/:notificationId/read',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const params = notificationParams.safeParse(request.params);
      if (!params.success) throw new NotFound();
      await notifications.markRead(actorFor(viewerOf(request)), params.data.notificationId);
      return reply.redirect('/notifications?notice=notification-read', 303);
    },
  );

  app.post(
    '/notifications/read-all',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      await notifications.markAllRead(actorFor(viewerOf(request)));
      return reply.redirect('/notifications?notice=notifications-all-read', 303);
    },
  );

  async function renderSettings(
    reply: FastifyReply,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string> } = {},
  ) {
    const { request } = reply;
    const saved = await notifications.settings(viewerOf(request).id);
    const values: Record<string, string> = {
      digestFrequency: saved.digestFrequency,
      digestHour: String(saved.digestHour),
      timeZone: saved.timeZone,
      ...Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [`delivery.${kind}`, saved.deliveries[kind]])),
      ...options.values,
    };
    return reply.code(options.status ?? 200).view('notifications/settings.eta', {
      title: request.t('notifications.settings.title'),
      values,
      errors: translateErrors(request.t, options.errors),
      kinds: NOTIFICATION_KINDS,
      deliveries: DELIVERIES,
      frequencies: DIGEST_FREQUENCIES,
      timeZones: timeZones(),
    });
  }

  app.get('/account/notifications', { preHandler: requireViewer }, async (_request, reply) => renderSettings(reply));

  const SETTINGS_FORM = {
    preHandler: requireViewer,
    config: { keepsWords: { timeZone: { label: 'notifications.settings.timeZone', multiline: false } } },
  } as const;
  app.post('/account/notifications', SETTINGS_FORM, async (request, reply) => {
    const form = parseForm(settingsForm, request.body);
    if (!form.ok) return renderSettings(reply, { status: 422, errors: form.errors, values: form.values });
    const data = form.data as Record<string, unknown>;
    await notifications.saveSettings(viewerOf(request).id, {
      deliveries: Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, data[`delivery.${kind}`]])) as never,
      digestFrequency: form.data.digestFrequency,
      digestHour: form.data.digestHour,
      timeZone: form.data.timeZone,
    });
    return reply.redirect('/account/notifications?notice=notifications-saved', 303);
  });

  // RFC 8058: the link in List-Unsubscribe. GET shows what it stops and a button (a link scanner that
  // follows it changes nothing); POST, from that button or from the mail client's own one-click, stops it.
  async function unsubscribeClaim(params: unknown) {
    const parsed = unsubscribeParams.safeParse(params);
    if (!parsed.success) return null;
    return verifyUnsubscribe(parsed.data.token, await keys.unsubscribeKey(), new Date());
  }

  function renderInvalidLink(reply: FastifyReply) {
    return reply.code(400).view('notifications/unsubscribe.eta', {
      title: reply.request.t('notifications.unsubscribe.title'),
      state: 'invalid',
      what: '',
    });
  }

  // The mail client's one-click POST may come as multipart/form-data or urlencoded (RFC 8058, section 3.1):
  // in this scope multipart fields are read like a form's (small, no files), so the input guard sees them.
  await app.register(async (unsubscribe) => {
    await unsubscribe.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: 0, files: 0, fields: 5, fieldSize: 1024, parts: 5 },
    });
    unsubscribe.get('/unsubscribe/:token', async (request, reply) => {
      const claim = await unsubscribeClaim(request.params);
      if (!claim) return renderInvalidLink(reply);
      return reply.view('notifications/unsubscribe.eta', {
        title: request.t('notifications.unsubscribe.title'),
        state: 'confirm',
        digest: claim.scope === 'DIGEST',
        what: claim.scope === 'DIGEST' ? '' : request.t(`notifications.kind.${claim.scope}`),
      });
    });

    unsubscribe.post(
      '/unsubscribe/:token',
      { config: { signedLinkOnly: true, keepsWords: false } },
      async (request, reply) => {
        const claim = await unsubscribeClaim(request.params);
        if (!claim) return renderInvalidLink(reply);
        await notifications.unsubscribe(claim.userId, claim.scope);
        return reply.view('notifications/unsubscribe.eta', {
          title: request.t('notifications.unsubscribe.title'),
          state: 'done',
          what: '',
        });
      },
    );
  });

  // Watch levels (Discourse's watching / normal / muted), on the community and the thread pages. Only
  // for what the person may read: otherwise 404, as for anything they cannot see.
  app.post('/c/:slug/watch', { preHandler: requireViewer, config: { keepsWords: false } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const slug = (request.params as { slug?: unknown }).slug;
    if (typeof slug !== 'string') throw new NotFound();
    const opened = await communities.open(slug, viewer, request.auditContext);
    if (!opened.permissions.read) throw new NotFound('No such community content');
    const form = watchForm.safeParse(request.body ?? {});
    if (!form.success) throw new Invalid({ level: 'notifications.watch.error' });
    await notifications.setCommunityWatch(viewer.id, opened.community.id, form.data.level);
    return reply.redirect(`/c/${encodeURIComponent(opened.community.slug)}?notice=watch-changed`, 303);
  });

  app.post(
    '/c/:slug/threads/:threadId/watch',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const params = threadParams.safeParse(request.params);
      if (!params.success) throw new NotFound('No such thread');
      const opened = await threads.openThread(params.data.slug, params.data.threadId, viewer, request.auditContext);
      const form = watchForm.safeParse(request.body ?? {});
      if (!form.success) throw new Invalid({ level: 'notifications.watch.error' });
      await notifications.setThreadWatch(viewer.id, opened.thread.id, form.data.level);
      const path = `/c/${encodeURIComponent(opened.opened.community.slug)}/threads/${opened.thread.id}`;
      return reply.redirect(`${path}?notice=watch-changed`, 303);
    },
  );
}
