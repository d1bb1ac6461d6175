// The facts of Ágora's accessibility statement (issue 14, item 9), in the model of Real Decreto
// 1112/2018, art. 15 and annex II, itself after Commission Implementing Decision (EU) 2018/1523. The
// words are in the catalogs (accessibility.*.json); what is claimed is here, in one place, and kept true
// by the browser tests named in `assessedBy` (tests/e2e/accessibility.test.ts checks each exists).

/** "Plenamente", "parcialmente" or "no conforme" with RD 1112/2018 (EN 301 549 / WCAG 2.1 AA). */
export type Conformance = 'full' | 'partial' | 'none';

export const STATEMENT = {
  conformance: 'partial' as Conformance,
  /** When the statement was first prepared and last reviewed (ISO dates). */
  preparedOn: '2026-11-30',
  reviewedOn: '2026-11-30',
  /**
   * Content that is not accessible, each a catalog key `accessibility.nonAccessible.<key>` saying what,
   * why (the WCAG 2.1 criterion) and what to do meanwhile.
   */
  nonAccessible: ['userFiles', 'userImages', 'charts'] as const,
  /** How conformance was assessed: a self-assessment (annex II, "autoevaluación") with these checks. */
  assessedBy: ['axe', 'reflow', 'keyboard', 'noScript'] as const,
  /** Days to answer a communication, request or complaint (RD 1112/2018 art. 12.3: 20 working days). */
  answerWithinWorkingDays: 20,
} as const;

/**
 * The day an answer is due: `workingDays` Monday-to-Friday days after `receivedAt` (RD 1112/2018 art.
 * 12.3 counts "días hábiles"; national and local holidays differ by place and are not known here, so
 * the date is the latest it can be only where there are none — the admin page says so).
 */
export function answerDueBy(receivedAt: Date, workingDays: number = STATEMENT.answerWithinWorkingDays): Date {
  const due = new Date(receivedAt.getTime());
  let left = workingDays;
  while (left > 0) {
    due.setUTCDate(due.getUTCDate() + 1);
    const day = due.getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  return due;
}
