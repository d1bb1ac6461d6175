import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { RateLimited } from '../errors.js';
import { accountOrAddress } from './rate-limit-keys.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The cookie holding this browser's CSRF secret (renewed at sign-in). */
    csrfCookieName: string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookies, form bodies, security headers, rate limits and CSRF protection for every state-changing request. */
export const securityPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const https = config.publicUrl.protocol === 'https:';

    await app.register(fastifyCookie);
    await app.register(fastifyFormbody);

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
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          // Only where Ágora is served over HTTPS: on a plain-HTTP intranet it would break every asset.
          upgradeInsecureRequests: https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
      crossOriginEmbedderPolicy: false,
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

    // Every request that can change something must carry the form's token; no route is exempt.
    app.addHook('preHandler', (request, reply, done) => {
      if (SAFE_METHODS.has(request.method)) {
        done();
        return;
      }
      app.csrfProtection(request, reply, done);
    });
  },
  { name: 'agora-security' },
);
