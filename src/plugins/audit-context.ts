import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditContext } from '../audit/audit-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who is asking and from where, for the services' audit entries; one frozen object per request, so it
     * is also the key of the request's background tasks (jobs/background-tasks.ts). Set by an app-wide
     * onRequest hook once the session is read: every route's hooks and handler see it.
     */
    auditContext: AuditContext;
  }
}

/** The audit context of a request: the viewer (as the session hook found them), the client, the request. */
export function auditContextOf(request: FastifyRequest): AuditContext {
  return Object.freeze({
    actorId: request.viewer?.id ?? null,
    ipAddress: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: request.id,
    path: request.url.split('?')[0] ?? '',
  });
}

export const auditContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('auditContext', null as unknown as AuditContext);
    app.addHook('onRequest', async (request) => {
      request.auditContext = auditContextOf(request);
    });
  },
  { name: 'agora-audit-context', dependencies: ['agora-sessions'] },
);
