import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { systemAuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { retentionCutoff } from './privacy-rules.js';

// Storage limitation (GDPR Art. 5(1)(e)): site admins say how many months audit entries and refused-post
// decisions (policy_decisions with no post: ADR 006) are kept; a daily job deletes older rows. Empty keeps
// them. The job's own entry records the counts, and is younger than any cutoff.

export interface RetentionSettings {
  /** Months; null keeps them. */
  readonly auditMonths: number | null;
  readonly refusedDecisionMonths: number | null;
}

export function createRetentionService({ db, audit }: { db: Db; audit: AuditLog }) {
  async function settings(): Promise<RetentionSettings> {
    const row = await db.siteSettings.findUnique({
      where: { id: 1 },
      select: { auditRetentionMonths: true, refusedDecisionRetentionMonths: true },
    });
    return {
      auditMonths: row?.auditRetentionMonths ?? null,
      refusedDecisionMonths: row?.refusedDecisionRetentionMonths ?? null,
    };
  }

  return {
    settings,

    /** Stores the rules (validated by the form: whole months from 1 to 120, or null). Audited with before and after. */
    async saveSettings(input: RetentionSettings, context: AuditContext): Promise<void> {
      const before = await settings();
      await db.$transaction(async (tx) => {
        await tx.siteSettings.upsert({
          where: { id: 1 },
          create: {
            id: 1,
            auditRetentionMonths: input.auditMonths,
            refusedDecisionRetentionMonths: input.refusedDecisionMonths,
          },
          update: {
            auditRetentionMonths: input.auditMonths,
            refusedDecisionRetentionMonths: input.refusedDecisionMonths,
          },
        });
        await audit.record(
          context,
          {
            action: 'admin.retention_update',
            outcome: 'SUCCESS',
            target: { type: 'site', id: '1' },
            details: { from: { ...before }, to: { ...input } },
          },
          tx,
        );
      });
    },

    /**
     * The daily job: deletes audit entries and refused-post decisions older than their rules, and records the
     * counts. Idempotent: run again at the same time it deletes nothing more. Nothing when no rule is set.
     */
    async applyRetention(now: Date = new Date()): Promise<{ auditEntries: number; refusedDecisions: number } | null> {
      const rules = await settings();
      if (rules.auditMonths === null && rules.refusedDecisionMonths === null) return null;
      const result = await db.$transaction(async (tx) => {
        const auditEntries =
          rules.auditMonths === null
            ? 0
            : (await tx.auditEntry.deleteMany({ where: { at: { lt: retentionCutoff(now, rules.auditMonths) } } }))
                .count;
        const refusedDecisions =
          rules.refusedDecisionMonths === null
            ? 0
            : (
                await tx.policyDecision.deleteMany({
                  where: { postId: null, createdAt: { lt: retentionCutoff(now, rules.refusedDecisionMonths) } },
                })
              ).count;
        await audit.record(
          systemAuditContext(),
          {
            action: 'privacy.retention_applied',
            outcome: 'SUCCESS',
            target: { type: 'site', id: '1' },
            details: { ...rules, auditEntries, refusedDecisions },
          },
          tx,
        );
        return { auditEntries, refusedDecisions };
      });
      return result;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
