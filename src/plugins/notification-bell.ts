import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { actorOf } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { BELL_MAX, type NotificationsService } from '../notifications/notifications.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Who loaded a page lately, written to `users.last_seen_at` in batches; tests flush it. */
    presence: Presence;
  }
}

/** How long marks wait before they are written together (milliseconds). */
const FLUSH_AFTER_MS = 15_000;

export interface Presence {
  /** The person loaded a page now. */
  mark(userId: string): void;
  /** Writes every mark waiting, in one statement. */
  flush(): Promise<void>;
}

/**
 * People's last visits, batched: a page load only notes the person in memory; 15 s after the first note
 * one UPDATE writes everyone noted. A page never waits for a write, and costs the same queries every
 * time. E-mail "at once" waits while the person is on the site (notification-rules.ts): a visit reaches
 * the database at most 15 s late, well inside the 10 minutes that rule allows.
 */
export function createPresence(db: Db, log: { error(obj: object, msg: string): void }): Presence {
  let waiting = new Map<string, Date>();
  let timer: NodeJS.Timeout | null = null;
  const presence: Presence = {
    mark(userId) {
      waiting.set(userId, new Date());
      timer ??= setTimeout(() => {
        presence.flush().catch((error: unknown) => log.error({ err: error }, 'could not record visits'));
      }, FLUSH_AFTER_MS).unref();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (waiting.size === 0) return;
      const batch = waiting;
      waiting = new Map();
      const at = new Date(Math.max(...[...batch.values()].map((date) => date.getTime())));
      await db.user.updateMany({ where: { id: { in: [...batch.keys()] } }, data: { lastSeenAt: at } });
    },
  };
  return presence;
}

/**
 * The bell's number in every page's header (`reply.locals.unreadNotifications`), counted with the access
 * rules (notifications.service.ts), the entries waiting in the review queues the person moderates
 * (`reply.locals.pendingReview`), and the person's visit noted for `users.last_seen_at`.
 */
export const notificationBellPlugin = fp(
  async (
    app: FastifyInstance,
    { db, notifications }: { db: Db; notifications: Pick<NotificationsService, 'headerCounts'> },
  ) => {
    const presence = createPresence(db, app.log);
    app.decorate('presence', presence);
    app.addHook('onClose', async () => {
      await presence.flush();
    });
    app.addHook('preHandler', async (request, reply) => {
      const actor = actorOf(request.viewer);
      if (!actor || request.routeOptions.config.publicAsset) return;
      presence.mark(actor.id);
      // HEAD too: its Content-Length is that of the page GET would send, bell count and all.
      if ((request.method === 'GET' || request.method === 'HEAD') && reply.locals) {
        const viewer = request.viewer;
        if (!viewer) return;
        // One statement for both numbers (header-counts.ts): the review queues count 0 for non-moderators.
        const { unread, pendingReview } = await notifications.headerCounts(viewer);
        reply.locals.unreadNotifications = unread;
        reply.locals.pendingReview = pendingReview;
        reply.locals.bellMax = BELL_MAX;
      }
    });
  },
  { name: 'agora-notification-bell', dependencies: ['agora-views'] },
);
