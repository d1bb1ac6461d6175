import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { AuditContext } from './audit-context.js';

export type AuditOutcome = 'SUCCESS' | 'FAILURE' | 'DENIED';

export interface AuditEvent {
  /** Dotted, stable names: `account.sign_in`, `account.password_reset`, `admin.user_suspend`… */
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** Who acted; defaults to the context's actor. null for anonymous events. */
  readonly actorId?: string | null;
  readonly target?: { readonly type: string; readonly id: string } | null;
  /** Never a password or a token. */
  readonly details?: Prisma.InputJsonObject;
}

export function createAuditLog({ db }: { db: Db }) {
  return {
    /** Records one security-relevant event, with the context's actor, request id and client address. */
    async record(context: AuditContext, event: AuditEvent, tx: Prisma.TransactionClient | Db = db): Promise<void> {
      await tx.auditEntry.create({
        data: {
          action: event.action,
          outcome: event.outcome,
          actorId: event.actorId !== undefined ? event.actorId : context.actorId,
          targetType: event.target?.type ?? null,
          targetId: event.target?.id ?? null,
          requestId: context.requestId,
          ipAddress: context.ipAddress,
          details: event.details ?? {},
        },
      });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
