// Where an act came from, as the audit log records it: who, from which address, in which request.
//
// A route gets one from its request (`request.auditContext`, built once per request by
// plugins/audit-context.ts after the session is read); a job or a command builds its own. Services take
// it as a plain value, so the same service call works from a route, a job, a command or a test.

/** Who acted and from where. Every field is null when there is nothing to say (no request, no person). */
export interface AuditContext {
  /** The person acting: the signed-in viewer, or the admin who ran a command; null for anonymous requests and the system. */
  readonly actorId: string | null;
  /** The client's address (through the trusted proxies); null outside a request. */
  readonly ipAddress: string | null;
  /** The client's User-Agent header; null when none was sent, or outside a request. */
  readonly userAgent: string | null;
  /** The request id (ours or a trusted proxy's), which our logs carry too; null outside a request. */
  readonly requestId: string | null;
  /** The path asked for, without its query (queries may carry tokens); null outside a request. */
  readonly path: string | null;
}

/** Ágora itself acting (a job, a command nobody signed in to run): no person, no request. */
export function systemAuditContext(): AuditContext {
  return { actorId: null, ipAddress: null, userAgent: null, requestId: null, path: null };
}

/** A command run by a site admin named on its command line: their act, outside any request. */
export function commandAuditContext(adminId: string): AuditContext {
  return { ...systemAuditContext(), actorId: adminId };
}
