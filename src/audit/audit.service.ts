import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';

export type AuditOutcome = 'SUCCESS' | 'FAILURE' | 'DENIED';

export interface AuditEvent {
  /** Dotted, stable names: `account.sign_in`, `account.password_reset`, `admin.user_suspend`… */
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** Who acted; defaults to the request's viewer. null for anonymous events. */
  readonly actorId?: string | null;
  readonly target?: { readonly type: string; readonly id: string } | null;
  /** Never a password or a token. */
  readonly details?: Prisma.InputJsonObject;
}

export function createAuditLog({ db }: { db: Db }) {
  return {
    /** Records one security-relevant event, with the request's id and client address. */
    async record(
      request: FastifyRequest | null,
      event: AuditEvent,
      tx: Prisma.TransactionClient | Db = db,
    ): Promise<void> {
      await tx.auditEntry.create({
        data: {
          action: event.action,
          outcome: event.outcome,
          actorId: event.actorId !== undefined ? event.actorId : (request?.viewer?.id ?? null),
          targetType: event.target?.type ?? null,
          targetId: event.target?.id ?? null,
          requestId: request?.id ?? null,
          ipAddress: request?.ip ?? null,
          details: event.details ?? {},
        },
      });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
