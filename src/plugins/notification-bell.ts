import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { actorOf } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { BELL_MAX, type NotificationsService } from '../notifications/notifications.service.js';

/** How often, at most, a person's last visit is written (milliseconds). */
const LAST_SEEN_EVERY_MS = 60_000;
/** People whose last write this process remembers; beyond it, the memory starts again. */
const REMEMBERED = 50_000;

/**
 * The bell's number in every page's header (`reply.locals.unreadNotifications`), counted with the access
 * rules (notifications.service.ts), and the person's last visit (`users.last_seen_at`, at most once a
 * minute per process): e-mail "at once" waits while they are here to see the bell.
 */
export const notificationBellPlugin = fp(
  async (app: FastifyInstance, { db, notifications }: { db: Db; notifications: NotificationsService }) => {
    const lastWritten = new Map<string, number>();
    app.addHook('preHandler', async (request, reply) => {
      const actor = actorOf(request.viewer);
      if (!actor || request.routeOptions.config.publicAsset) return;
      const now = Date.now();
      if ((lastWritten.get(actor.id) ?? 0) < now - LAST_SEEN_EVERY_MS) {
        if (lastWritten.size >= REMEMBERED) lastWritten.clear();
        lastWritten.set(actor.id, now);
        await db.user.updateMany({ where: { id: actor.id }, data: { lastSeenAt: new Date(now) } });
      }
      if (request.method === 'GET' && reply.locals) {
        reply.locals.unreadNotifications = await notifications.unreadCount(actor);
        reply.locals.bellMax = BELL_MAX;
      }
    });
  },
  { name: 'agora-notification-bell', dependencies: ['agora-views'] },
);
