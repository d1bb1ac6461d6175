import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import type { ReportFormData } from './accessibility.schemas.js';
import { answerDueBy } from './statement.js';

// What people tell the site about accessibility (RD 1112/2018 art. 10.2) and the site admins' list of
// it (art. 12: an answer within 20 working days). No HTTP here.

export const REPORTS_PER_PAGE = 50;

export function createAccessibilityService({ db, audit }: { db: Db; audit: AuditLog }) {
  return {
    /** Who is responsible and where to write, from the site settings (empty strings when not set). */
    async contact(): Promise<{ body: string; email: string; siteName: string }> {
      const settings = await db.siteSettings.findUnique({
        where: { id: 1 },
        select: { siteName: true, accessibilityBody: true, accessibilityEmail: true },
      });
      return {
        body: settings?.accessibilityBody ?? '',
        email: settings?.accessibilityEmail ?? '',
        siteName: settings?.siteName ?? 'Ágora',
      };
    },

    /**
     * Keeps a report. Signed in, the answer goes to the account's address; signed out, an address is
     * required (Invalid on `email`). Returns the day an answer is due. A form sent again with its one-time
     * key (after a 503, or a double click) is the report already kept: one report, one deadline.
     */
    async report(viewer: Viewer | null, input: ReportFormData): Promise<{ dueBy: Date }> {
      const contactEmail = viewer ? viewer.email : input.email;
      if (!contactEmail) throw new Invalid({ email: 'accessibility.field.emailRequired' });
      const data = {
        kind: input.kind,
        pageUrl: input.pageUrl,
        description: input.description,
        contactEmail,
        userId: viewer?.id ?? null,
      };
      const key = input.submissionKey;
      if (!key) {
        const created = await db.accessibilityReport.create({ data, select: { createdAt: true } });
        return { dueBy: answerDueBy(created.createdAt) };
      }
      await db.accessibilityReport.createMany({ data: [{ ...data, submissionKey: key }], skipDuplicates: true });
      const kept = await db.accessibilityReport.findUniqueOrThrow({
        where: { submissionKey: key },
        select: { createdAt: true, kind: true, pageUrl: true, description: true, contactEmail: true, userId: true },
      });
      // The same form sent again is the same message from the same person. Other words or another sender
      // under that key (the form changed after going back, or a key copied from elsewhere) are a message of
      // their own, kept without the key: never dropped while the sender is told it was received.
      const same =
        kept.kind === data.kind &&
        kept.pageUrl === data.pageUrl &&
        kept.description === data.description &&
        kept.contactEmail === data.contactEmail &&
        kept.userId === data.userId;
      if (same) return { dueBy: answerDueBy(kept.createdAt) };
      const created = await db.accessibilityReport.create({ data, select: { createdAt: true } });
      return { dueBy: answerDueBy(created.createdAt) };
    },

    /** Unanswered first (oldest first: the most urgent), then answered ones, newest first. */
    async list(page: number) {
      const rows = await db.accessibilityReport.findMany({
        select: {
          id: true,
          kind: true,
          pageUrl: true,
          description: true,
          contactEmail: true,
          createdAt: true,
          answeredAt: true,
          user: { select: { id: true, displayName: true, handle: true } },
        },
        orderBy: [{ answeredAt: { sort: 'desc', nulls: 'first' } }, { createdAt: 'asc' }],
        skip: (page - 1) * REPORTS_PER_PAGE,
        take: REPORTS_PER_PAGE + 1,
      });
      return {
        reports: rows.slice(0, REPORTS_PER_PAGE).map((row) => ({ ...row, dueBy: answerDueBy(row.createdAt) })),
        hasNext: rows.length > REPORTS_PER_PAGE,
        open: await db.accessibilityReport.count({ where: { answeredAt: null } }),
      };
    },

    /** Marks a report answered (or open again); false for an unknown id. Audited. */
    async setAnswered(admin: Viewer, id: string, answered: boolean, context: AuditContext): Promise<boolean> {
      const changed = await db.accessibilityReport.updateMany({
        where: { id, answeredAt: answered ? null : { not: null } },
        data: { answeredAt: answered ? new Date() : null },
      });
      if (changed.count === 0) return (await db.accessibilityReport.count({ where: { id } })) > 0;
      await audit.record(context, {
        action: answered ? 'accessibility.report_answered' : 'accessibility.report_reopened',
        outcome: 'SUCCESS',
        actorId: admin.id,
        target: { type: 'accessibility_report', id },
      });
      return true;
    },
  };
}

export type AccessibilityService = ReturnType<typeof createAccessibilityService>;
