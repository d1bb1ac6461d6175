import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { formatDateTime, isKnownTimeZone } from '../i18n/dates.js';
import { createTranslator, LOCALES, type MessageKey } from '../i18n/i18n.js';
import { publicDir, viewsDir } from '../paths.js';
import { TEXT_LIMITS } from '../text/limits.js';
import { postPath, threadPath } from '../threads/thread-paths.js';

/** A field of a form marked `keepsWords`, shown to edit on the page that gives its words back. */
export interface ShownFieldSpec {
  /** The catalog key of the field's label, as its own form names it. */
  readonly label: MessageKey;
  /** Several lines (a textarea) rather than one. */
  readonly multiline: boolean;
  /**
   * A password: never written back into a page (isSecretField). The kept form shows an empty field of its
   * kind (the HTML autocomplete token) to type it again, and says why.
   */
  readonly secret?: 'current-password' | 'new-password';
}

/**
 * A field of a form marked `keepsWords` that the form carries hidden although its name is a secret's (an
 * invitation's token, from the link the person followed): kept hidden as it came, so that the form sent
 * again is the same request. Only for a value the page already held for the same person.
 */
export interface CarriedFieldSpec {
  readonly carried: true;
}

export type KeptFieldSpec = ShownFieldSpec | CarriedFieldSpec;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A form whose words must survive a refusal it is not to blame for: refused because the database is
     * away or busy (503), its words come back in a form on the error page (plugins/errors.ts), to send
     * again. `true`: a post form (its title and text shown to edit); otherwise the fields shown to edit,
     * each with its label's catalog key and whether it is several lines. Every other field is kept hidden.
     * `false`: the form has no words of the person's (buttons, choices): on a 503 they press it again. Every
     * POST route says which (requireKeepsWordsDecision, app.ts): a form left out lost its words before.
     */
    keepsWords?: boolean | Readonly<Record<string, KeptFieldSpec>>;
    /** Set by the app for a route that runs requireViewer (app.ts markSignedInOnly): for signed-in people only. */
    signedInOnly?: boolean;
    /** A file from public/: served without looking up the session. */
    publicAsset?: boolean;
    /**
     * The route authorises by a signed token in its URL, never by the session cookie, so a cross-site
     * request gains nothing: the CSRF check is not asked for (RFC 8058 one-click unsubscribe, sent by mail
     * clients without cookies). See plugins/security.ts.
     */
    signedLinkOnly?: boolean;
  }
  interface FastifyInstance {
    /** Sets reply.locals for a page rendered in the layout. */
    preparePage(request: FastifyRequest, reply: FastifyReply): void;
    /**
     * A template of views/ rendered alone (no layout) with exactly `data`, nothing of reply.locals: for
     * fragments a page keeps between views (threads/post-fragments.ts).
     */
    renderPartial(template: string, data: Record<string, unknown>): string;
  }
  interface FastifyReply {
    /** Values every template sees, merged by @fastify/view into each render. */
    locals: Record<string, unknown>;
  }
}

/** Content hashes of public/ files, so their URLs change when they do and can be cached for a year. */
function hashPublicFiles(dir: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file).split(path.sep).join('/');
    hashes.set(relative, createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12));
  }
  return hashes;
}

const NOTICES = new Set([
  // Follows.
  'followed',
  'unfollowed',
  // Notifications.
  'notification-read',
  'notifications-all-read',
  'notifications-saved',
  'watch-changed',
  // Threads.
  'thread-created',
  'reply-posted',
  'post-edited',
  'post-unchanged',
  'title-changed',
  'post-deleted',
  'accessibility-saved',
  'thread-deleted',
  // Moderation.
  'reported',
  'post-held',
  'appeal-sent',
  'words-saved',
  'moderation-done',
  'answer-accepted',
  'answer-unaccepted',
  'thread-pinned',
  'thread-unpinned',
  'thread-locked',
  'thread-unlocked',
  'email-verified',
  'verify-sign-in',
  'verification-sent',
  'signed-out',
  'signed-out-everywhere',
  'password-reset',
  'password-changed',
  'email-change-sent',
  'session-ended',
  'profile-saved',
  'avatar-saved',
  'avatar-removed',
  // Data-protection rights.
  'data-export-requested',
  'admin-retention-saved',
  // Admin area and partner invitations.
  'admin-organization-created',
  'admin-organization-updated',
  'admin-user-suspended',
  'admin-user-reactivated',
  'admin-role-granted',
  'admin-role-revoked',
  'admin-voice-granted',
  'admin-voice-revoked',
  'admin-invitation-sent',
  'admin-settings-saved',
  'balance-public-saved',
  'invitation-accepted',
  'community-created',
  'community-joined',
  'community-requested',
  'community-declined',
  'community-left',
  'community-last-owner',
  'community-invited',
  'community-invited-email',
  'community-settings-saved',
  'community-member-approve',
  'community-member-deny',
  'community-member-remove',
  'community-member-ban',
  'community-member-unban',
  'community-member-promote',
  'community-member-demote',
  'community-member-transfer',
]);

/** The signed-in person's time zone when this runtime knows it (it is checked when saved); else null. */
function viewerTimeZone(request: FastifyRequest): string | null {
  const zone = request.viewer?.timeZone;
  return zone && isKnownTimeZone(zone) ? zone : null;
}

/** A locally relative path to come back to after a form, or null (no open redirects). */
// Any origin will do as the base: a path is safe when, parsed as a browser parses it, it stays on it.
const RETURN_BASE = 'http://agora.invalid';

/**
 * `value` as a same-origin path (path, query and fragment, percent-encoded) to redirect to after a
 * form, or null when it is not one. Parsed with the WHATWG URL parser, as a browser parses a
 * `Location` (which strips tabs and line breaks and reads `\` as `/`), so `/\t/evil.example` and
 * `/\\evil.example` are refused; any control character is refused outright.
 */
/** The same-origin page a form was sent from (its Referer's path and query), or '/'. */
function formPageOf(request: FastifyRequest): string {
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return '/';
  try {
    const url = new URL(referer);
    // (Host as a URL holds it: "localhost:80" and "localhost" are one host for http.)
    if (url.host !== new URL(`${url.protocol}//${request.headers.host ?? ''}`).host) return '/';
    return safeReturnPath(`${url.pathname}${url.search}`) ?? '/';
  } catch {
    return '/';
  }
}

export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2000) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001F\u007F]/u.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return null;
  }
  if (url.origin !== RETURN_BASE) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//evil.example" parses to the path "//evil.example", which a browser reads as another host.
  return path.startsWith('//') ? null : path;
}

/**
 * Eta templates in views/ with the layout views/layouts/main.eta; escaping is on
 * (`<%= %>`). Every page gets `it.t`, `it.locale`, `it.asset()`, `it.csrfToken()`,
 * `it.formatDate()` (in the viewer's time zone), `it.threadLink()`, `it.postLink()` and `it.currentPath`
 * through reply.locals.
 */
export const viewsPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const production = config.env === 'production';
    const hashes = hashPublicFiles(publicDir);
    // Each language named in itself, for the switch.
    const languages = LOCALES.map((code) => ({ code, name: createTranslator(code)('language.name') }));
    const asset = (file: string): string => {
      const hash = hashes.get(file);
      if (!hash) throw new Error(`Unknown asset: ${file}`);
      return `/static/${file}?v=${hash}`;
    };

    // public/ in a context of its own whose routes are marked as assets: they need no session lookup.
    await app.register(async (assets) => {
      assets.addHook('onRoute', (route) => {
        route.config = { ...route.config, publicAsset: true };
      });
      await assets.register(fastifyStatic, {
        root: publicDir,
        prefix: '/static/',
        // URLs carry a content hash (asset()), so a cached copy is never stale.
        maxAge: '365d',
        immutable: true,
        index: false,
        list: false,
      });
    });

    const eta = new Eta({ views: viewsDir, autoEscape: true, autoTrim: false, cache: production });
    await app.register(fastifyView, {
      engine: { eta },
      root: viewsDir,
      layout: 'layouts/main.eta',
      viewExt: 'eta',
      production,
    });

    app.decorate('renderPartial', (template: string, data: Record<string, unknown>) => eta.render(template, data));

    app.decorate('preparePage', (request: FastifyRequest, reply: FastifyReply) => {
      const [pathOnly = '/'] = request.url.split('?');
      const notice = (request.query as { notice?: unknown } | undefined)?.notice;
      // One token per page: each generateCsrf() without a secret cookie would mint a new secret,
      // and only the last one set would match.
      let csrfToken: string | undefined;
      reply.locals = {
        t: request.t,
        viewer: request.viewer,
        // Messages after a redirect (?notice=…): only known ones, shown as text from the catalogs.
        notice: typeof notice === 'string' && NOTICES.has(notice) ? request.t(`notice.${notice}` as MessageKey) : null,
        locale: request.locale,
        languages,
        asset,
        // Times in the signed-in person's zone, bare; a signed-out visitor's zone is unknown, so they
        // read the site's (config.timeZone) with its name beside each time.
        formatDate: (date: Date) =>
          formatDateTime(date, {
            locale: request.locale,
            timeZone: viewerTimeZone(request) ?? config.timeZone,
            showZone: !request.viewer,
          }),
        // All that `t` and `formatDate` depend on, for keys of cached fragments (threads/post-fragments.ts).
        formatKey: () =>
          `${request.locale}|${viewerTimeZone(request) ?? config.timeZone}|${request.viewer ? '' : 'zone'}`,
        // The limits of the texts people write, the same the schemas apply (text/limits.ts).
        limits: TEXT_LIMITS,
        // Links to a thread and to a post on the page that holds it, as redirects write them (thread-paths.ts).
        threadLink: threadPath,
        postLink: postPath,
        currentPath: pathOnly,
        // Where the language switch brings the reader back: this page, or, for a page a form's POST
        // answered (a refused reply, a preview), the page the form was on (its Referer, same origin
        // only), since the POST's own address has no page to show.
        returnPath: request.method === 'GET' || request.method === 'HEAD' ? pathOnly : formPageOf(request),
        // Without parsed cookies (a request Fastify rejected before routing) no token can be made.
        csrfToken: () => {
          if (!request.cookies) return '';
          csrfToken ??= reply.generateCsrf();
          return csrfToken;
        },
      };
    });
    app.addHook('onRequest', async (request, reply) => {
      app.preparePage(request, reply);
    });

    // Pages depend on the viewer and their language (Cache-Control: the security plugin).
    app.addHook('onSend', async (_request, reply, payload) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/html')) reply.header('vary', 'Cookie, Accept-Language');
      return payload;
    });
  },
  { name: 'agora-views', dependencies: ['agora-i18n', '@fastify/csrf-protection'] },
);
