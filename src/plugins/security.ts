import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { RateLimited } from '../errors.js';
import { formParser } from './input-guard.js';
import { accountOrAddress } from './rate-limit-keys.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The cookie holding this browser's CSRF secret (renewed at sign-in). */
    csrfCookieName: string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'publickey-credentials-get=()',
  'usb=()',
  'browsing-topics=()',
].join(', ');

/** Cookies, form bodies, security headers, rate limits and CSRF protection for every state-changing request. */
export const securityPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const https = config.publicUrl.protocol === 'https:';

    // Every cookie Ágora sets or clears has these attributes unless it says otherwise: a clearing
    // cookie must carry Secure too, or a browser ignores it for a __Host- cookie.
    await app.register(fastifyCookie, { parseOptions: { path: '/', sameSite: 'lax', httpOnly: true, secure: https } });
    // Its default parser, with a body whose percent-encoding does not decode marked for a 400 (input-guard.ts).
    await app.register(fastifyFormbody, { parser: formParser });

    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          // Signing out of a single sign-on redirects the sign-out form to the provider (RP-Initiated
          // Logout), which browsers check against form-action.
          formAction: ["'self'", ...new Set(config.oidcProviders.map((provider) => new URL(provider.issuer).origin))],
          frameAncestors: ["'none'"],
          // Only where Ágora is served over HTTPS: on a plain-HTTP intranet it would break every asset.
          upgradeInsecureRequests: https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
      crossOriginEmbedderPolicy: false,
    });

    // No browser feature a page of Ágora does not use (W3C Permissions Policy).
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('permissions-policy', PERMISSIONS_POLICY);
    });
    // What a browser may keep (RFC 9111). Whatever a signed-in person was shown (pages, files, JSON,
    // redirects) is `no-store`: nothing of it stays in the browser's cache after sign-out. Other
    // answers may be kept by the browser alone and must be revalidated, unless the route said
    // `public` (versioned assets, public avatars) or gave its own rule for anonymous readers.
    app.addHook('onSend', async (request, reply, payload) => {
      const given = reply.getHeader('cache-control');
      if (typeof given === 'string' && given.startsWith('public')) return payload;
      if (request.viewer) reply.header('cache-control', 'no-store');
      else if (!given) reply.header('cache-control', 'private, no-cache');
      return payload;
    });

    await app.register(fastifyRateLimit, {
      global: true,
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.windowMs,
      // Per signed-in account, per client address only when signed out: a town hall's staff share one
      // NAT address (plugins/rate-limit-keys.ts). preHandler: after the session has been read.
      hook: 'preHandler',
      keyGenerator: accountOrAddress,
      // The error handler renders it as a page; the plugin has already set Retry-After.
      errorResponseBuilder: (_request, context) => new RateLimited(Math.ceil(context.ttl / 1000)),
    });

    // With HTTPS the secret cookie is __Host- prefixed: Secure, whole-site, never set by a subdomain.
    const csrfCookieName = https ? '__Host-csrf' : 'csrf';
    app.decorate('csrfCookieName', csrfCookieName);
    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: csrfCookieName,
      cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: https, signed: false },
      getToken: (request: FastifyRequest) => {
        const body = request.body as Record<string, unknown> | undefined;
        const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
        const fromHeader = request.headers['x-csrf-token'];
        return fromBody ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
      },
    });

    // Every request that can change something must carry the form's token. The one kind of route without
    // it authorises by a signed token in its own URL and reads no cookie (signedLinkOnly: RFC 8058
    // one-click unsubscribe, which mail clients send without cookies): a forged request gains nothing.
    // A request whose session could not be read (the database away) is refused 503 by the sessions
    // plugin's preHandler, which runs next whatever its token: checked first, the token told routes that
    // exist (403) from those that do not (503), the admin area's among them.
    app.addHook('preHandler', (request, reply, done) => {
      const refusedAnyway = request.sessionUnavailable !== null && request.sessionUnavailable !== undefined;
      // An address no route answers is a 404 whatever its token: checked, a token refused told which admin
      // URLs exist (404, the admin area to outsiders) from those that do not (403).
      const unrouted = request.routeOptions.url === undefined;
      if (
        SAFE_METHODS.has(request.method) ||
        request.routeOptions.config.signedLinkOnly === true ||
        refusedAnyway ||
        unrouted
      ) {
        done();
        return;
      }
      app.csrfProtection(request, reply, done);
    });
  },
  { name: 'agora-security' },
);
