import { randomUUID } from 'node:crypto';
import fastifyCompress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { accessibilityRoutes } from './accessibility/accessibility.routes.js';
import { createAccessibilityService } from './accessibility/accessibility.service.js';
import { accountsRoutes } from './accounts/accounts.routes.js';
import { createAccountsService } from './accounts/accounts.service.js';
import { createAuth } from './accounts/auth.js';
import { createSignInThrottle } from './accounts/sign-in-throttle.js';
import { adminRoutes } from './admin/admin.routes.js';
import { createAdminService } from './admin/admin.service.js';
import { createSuggestionFeedbackReport } from './admin/admin-suggestion-feedback.js';
import { createAttachmentStore } from './attachments/attachment-files.js';
import { createAuditLog } from './audit/audit.service.js';
import { balanceRoutes } from './balance/balance.routes.js';
import { createBalanceService } from './balance/balance.service.js';
import { BALANCE_JOBS } from './balance/balance-rollup.js';
import { communitiesRoutes } from './communities/communities.routes.js';
import { createCommunitiesService } from './communities/communities.service.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { createMailer } from './email/mailer.js';
import { feedRoutes } from './feed/feed.routes.js';
import { createFeedService } from './feed/feed.service.js';
import { healthRoutes } from './health/health.routes.js';
import { homeRoutes } from './home/home.routes.js';
import { createHomeService } from './home/home.service.js';
import { invitationsRoutes } from './invitations/invitations.routes.js';
import { createInvitationsService } from './invitations/invitations.service.js';
import { type BackgroundTasks, createBackgroundTasks } from './jobs/background-tasks.js';
import { createJobs, type Jobs } from './jobs/jobs.js';
import { languageRoutes } from './language/language.routes.js';
import { moderationRoutes } from './moderation/moderation.routes.js';
import { createModerationService } from './moderation/moderation.service.js';
import { createWatchedWordsService } from './moderation/watched-words.service.js';
import { notificationsRoutes } from './notifications/notifications.routes.js';
import { createNotificationsService } from './notifications/notifications.service.js';
import { auditContextPlugin } from './plugins/audit-context.js';
import {
  errorsPlugin,
  handleError,
  MALFORMED_URL_PATH,
  MAX_PATH_SEGMENT,
  URI_TOO_LONG_PATH,
} from './plugins/errors.js';
import { i18nPlugin } from './plugins/i18n.js';
import { inputGuardPlugin, undecodable } from './plugins/input-guard.js';
import { metricsPlugin } from './plugins/metrics.js';
import { notificationBellPlugin } from './plugins/notification-bell.js';
import { securityPlugin } from './plugins/security.js';
import { requireViewer, sessionsPlugin } from './plugins/sessions.js';
import { viewsPlugin } from './plugins/views.js';
import { privacyRoutes } from './privacy/privacy.routes.js';
import { createPrivacyService } from './privacy/privacy.service.js';
import { profilesRoutes } from './profiles/profiles.routes.js';
import { createProfilesService } from './profiles/profiles.service.js';
import { createPeopleService } from './search/people.service.js';
import { searchRoutes } from './search/search.routes.js';
import { createSearchService } from './search/search.service.js';
import { ssoRoutes } from './sso/sso.routes.js';
import { createSsoService } from './sso/sso.service.js';
import { FORM_BODY_BYTES } from './text/limits.js';
import { postActionsRoutes } from './threads/post-actions.routes.js';
import { threadsRoutes } from './threads/threads.routes.js';
import { createThreadsService } from './threads/threads.service.js';
import { topicAndFileRoutes } from './threads/topic-and-file.routes.js';

export interface AppDependencies {
  readonly config: Config;
  /** The app owns the client from here on and disconnects it when it closes. */
  readonly db: Db;
  /** The same database's URL, for the job queue's own connections (pg-boss). */
  readonly databaseUrl: string;
  /** Overrides the logger (tests pass false or a stream). */
  readonly logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** Builds Ágora: ecosystem and cross-cutting plugins, then features. Never listens. */
export async function buildApp({ config, db, databaseUrl, logger }: AppDependencies): Promise<FastifyInstance> {
  const { trustProxy } = config;
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      // Nothing secret in the logs: no cookies, no credentials, no query strings (they may carry tokens).
      redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      serializers: {
        req: (request) => ({
          method: request.method,
          url: request.url.split('?')[0],
          remoteAddress: request.ip,
        }),
      },
    },
    // A proxy's request id is kept (when it looks like one) so its logs and ours line up.
    // genReqId reads the header itself: with requestIdHeader set, Fastify would take any value.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A number of hops is passed as a function: Fastify's types only accept that form.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // Far over every text field's limit, so our validator speaks, not a 413 (text/limits.ts).
    bodyLimit: FORM_BODY_BYTES,
    // Path parameters of any length reach their route, which answers 404 for what it does not know (a
    // long slug, an unsubscribe token); Fastify's default of 100 characters answered a bare 414 before
    // any of our handling.
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    // Lets in-flight requests finish on close while idle keep-alive sockets are dropped.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A path whose percent-encoding does not decode (`/c/%FF`, a lone surrogate `%ED%A0%80`) is
    // routed to a 400 of our own, so it gets the page and every header like any other answer
    // (Fastify's frameworkErrors runs before hooks and decorators: a bare text answer).
    rewriteUrl: (request) => {
      const url = request.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      // Past the router's limit the router would answer 414 itself, bare, before our hooks: routed to a
      // 414 of our own instead, with the page.
      if (path.length > MAX_PATH_SEGMENT && path.split('/').some((segment) => segment.length > MAX_PATH_SEGMENT)) {
        return URI_TOO_LONG_PATH;
      }
      try {
        decodeURIComponent(path);
      } catch {
        return MALFORMED_URL_PATH;
      }
      // The query string too: the parser keeps an undecodable value as it came (`?q=%FF` searched "FF").
      const query = url.indexOf('?');
      return query >= 0 && undecodable(url.slice(query + 1)) ? MALFORMED_URL_PATH : url;
    },
    // Errors Fastify raises before routing go through our error handler too.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
  });

  app.decorate('config', config);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While closing, answer in-flight requests with `Connection: close`: a kept-alive socket would
  // otherwise hold the shutdown open until its keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    // A rendered page is a string built by concatenation: encoded once here, its length and its bytes
    // come from one Buffer instead of two passes over the string (Buffer.byteLength, then the write).
    return typeof payload === 'string' ? Buffer.from(payload) : payload;
  });
  app.addHook('onClose', async () => {
    await db.$disconnect();
  });

  const auth = createAuth({ db, config });
  const mailer = createMailer(config.mail, app.log);
  const audit = createAuditLog({ db });
  app.addHook('onClose', async () => {
    await mailer.close();
  });
  // Registered after the mailer's and the database's hooks, so it runs before them (onClose is LIFO):
  // e-mails that requests started are sent before the connections close.
  const tasks = createBackgroundTasks(app.log);
  app.addHook('onClose', async () => {
    tasks.releaseAll();
    await tasks.drain();
  });
  // A request's background work starts once its answer is sent (see jobs/background-tasks.ts); services
  // hold it under the request's audit context. The context is missing only when the request was answered
  // before the app's hooks ran (a malformed request), and then nothing can be waiting for it.
  app.addHook('onResponse', async (request) => {
    if (request.auditContext) tasks.release(request.auditContext);
  });
  app.addHook('onRequestAbort', async (request) => {
    if (request.auditContext) tasks.release(request.auditContext);
  });
  app.decorate('backgroundTasks', tasks);

  // The job queue: requests enqueue (notifications), workers here or in `npm run worker` do the work.
  const jobs = createJobs({
    config,
    db,
    databaseUrl,
    mailer,
    log: app.log,
    workers: config.jobWorkers === 'in-process',
  });
  // Started once the app is ready, without holding it up: a database that is down at start (the health
  // check then answers 503) leaves the queue to start on its first use.
  app.addHook('onReady', async () => {
    jobs.queue
      .start()
      // Where this process works the queues, the balance catches up with what was written while none ran.
      .then(() =>
        config.jobWorkers === 'in-process'
          ? jobs.queue.send(BALANCE_JOBS.catchUp, {}, { singletonKey: BALANCE_JOBS.catchUp })
          : undefined,
      )
      .catch((error: unknown) => app.log.error({ err: error }, 'the job queue could not start'));
  });
  app.addHook('onClose', async () => {
    await jobs.queue.stop(config.shutdownTimeoutMs);
  });
  app.decorate('jobs', jobs);

  // Pages are text that compresses about twentyfold; brotli where the browser accepts it, else gzip.
  // Off where a proxy in front already compresses (COMPRESS=off). After the hook above: it gets Buffers.
  if (config.compress) {
    await app.register(fastifyCompress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
    app.addHook('onRoute', headAnswersAsGet);
  }
  app.addHook('onRoute', requireKeepsWordsDecision);
  app.addHook('onRoute', markSignedInOnly);
  await app.register(securityPlugin, { config });
  await app.register(inputGuardPlugin);
  await app.register(sessionsPlugin, { auth });
  await app.register(auditContextPlugin);
  await app.register(i18nPlugin);
  await app.register(viewsPlugin, { config });
  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { db, queue: jobs.queue, token: config.metricsToken });

  const notifications = createNotificationsService({ db });
  const communities = createCommunitiesService({ db, audit, events: jobs.events, tasks });
  const moderation = createModerationService({ db, audit, communities, events: jobs.events });
  await app.register(notificationBellPlugin, { db, notifications });
  await app.register(healthRoutes, { db });
  await app.register(languageRoutes, { config, db });
  const threads = createThreadsService({
    db,
    audit,
    communities,
    events: jobs.events,
    attachments: { store: createAttachmentStore(config.attachments.dir), perPost: config.attachments.perPost },
  });
  const feed = createFeedService({ db });
  await app.register(homeRoutes, { home: createHomeService({ db }), feed });
  await app.register(feedRoutes, { feed, people: createPeopleService({ db }) });
  await app.register(communitiesRoutes, { communities, threads, config, notifications, moderation });
  await app.register(moderationRoutes, {
    moderation,
    watchedWords: createWatchedWordsService({ db, audit }),
    communities,
  });
  await app.register(threadsRoutes, { threads, communities, config, notifications });
  await app.register(postActionsRoutes, { threads, communities });
  await app.register(topicAndFileRoutes, { threads, follows: feed });
  await app.register(searchRoutes, {
    db,
    search: createSearchService({ db, timeZone: config.timeZone, ...config.search }),
  });
  await app.register(notificationsRoutes, { notifications, keys: jobs.keys, communities, threads });
  const sso = createSsoService({ db, auth, audit, providers: config.oidcProviders, publicUrl: config.publicUrl });
  await app.register(ssoRoutes, { sso, auth, config });
  await app.register(accountsRoutes, {
    auth,
    config,
    sso,
    accounts: createAccountsService({
      db,
      config,
      auth,
      mailer,
      audit,
      throttle: createSignInThrottle({ db }),
      tasks,
      log: app.log,
    }),
  });
  await app.register(profilesRoutes, { config, profiles: createProfilesService({ db, audit }), follows: feed });
  await app.register(adminRoutes, {
    audit,
    admin: createAdminService({ db, config, auth, audit, mailer, log: app.log }),
    feedback: createSuggestionFeedbackReport({ db }),
    timeZone: config.timeZone,
  });
  await app.register(balanceRoutes, {
    balance: createBalanceService({ db, communities, audit }),
    timeZone: config.timeZone,
  });
  await app.register(invitationsRoutes, { config, invitations: createInvitationsService({ db, audit }) });
  await app.register(accessibilityRoutes, {
    accessibility: createAccessibilityService({ db, audit }),
    timeZone: config.timeZone,
    sensitiveMax: config.rateLimit.sensitiveMax,
  });
  await app.register(privacyRoutes, {
    auth,
    sensitiveMax: config.rateLimit.sensitiveMax,
    privacy: createPrivacyService({
      db,
      audit,
      queue: jobs.queue,
      store: createAttachmentStore(config.attachments.dir),
      exports: config.exports,
      notifyExportReady: async () => {
        // Only the job tells people (jobs.ts); a request never builds an export.
      },
    }),
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** Work requests started without waiting for it (e-mails); tests drain it before they look. */
    backgroundTasks: BackgroundTasks;
    /** The job queue and what requests enqueue on it; tests run `jobs.queue.drain()` before they look. */
    jobs: Jobs;
  }
}

/**
 * Marks a route whose onRequest or preHandler hooks include requireViewer (`config.signedInOnly`), so that
 * what runs before those hooks (the CSRF check) answers a visitor as the route would: sent to sign in.
 */
function markSignedInOnly(route: RouteOptions): void {
  const hooks = [route.onRequest, route.preHandler].flatMap((hook) =>
    hook ? (Array.isArray(hook) ? hook : [hook]) : [],
  );
  if ((hooks as unknown[]).includes(requireViewer)) route.config = { ...route.config, signedInOnly: true };
}

/**
 * Every POST route says whether its form has words of the person's to give back when the database is
 * away (`keepsWords`, plugins/views.ts): the field specs, `true` for a post form, or `false` for buttons and
 * choices. Routes that said nothing lost their words (a thread's new title, a partner's invitation form):
 * the app does not start until each has decided.
 */
function requireKeepsWordsDecision(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (!methods.includes('POST')) return;
  if (route.config?.keepsWords === undefined) {
    throw new Error(`POST ${route.url} must say whether its form keeps words through a 503 (config.keepsWords)`);
  }
}

/**
 * A HEAD request answers the header fields its GET would (RFC 9110 §9.3.2). Fastify's automatic HEAD route
 * ends its onSend hooks with the one that drops the body and sets Content-Length, and @fastify/compress's,
 * added after it by its onRoute hook, then found no body: HEAD said the uncompressed length, no
 * Content-Encoding and no `Vary: accept-encoding`. Fastify's hook is moved back to the end.
 */
function headAnswersAsGet(route: RouteOptions): void {
  if (route.method !== 'HEAD' || !Array.isArray(route.onSend)) return;
  const hooks = route.onSend as { name: string }[];
  const last = hooks.findIndex((hook) => hook.name === 'headRouteOnSendHandler');
  if (last >= 0 && last < hooks.length - 1) hooks.push(...hooks.splice(last, 1));
}
