import { describe, expect, it } from 'vitest';
import { retentionForm } from '../../src/privacy/privacy.schemas.js';
import {
  anonymisedAccount,
  erasureWaitFor,
  exportEntryName,
  retentionCutoff,
} from '../../src/privacy/privacy-rules.js';

describe('retentionCutoff', () => {
  it('goes back whole calendar months, never into the next month', () => {
    expect(retentionCutoff(new Date('2026-11-30T10:00:00Z'), 1).toISOString()).toBe('2026-10-30T10:00:00.000Z');
    expect(retentionCutoff(new Date('2026-03-31T00:00:00Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(retentionCutoff(new Date('2028-03-31T00:00:00Z'), 1).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(retentionCutoff(new Date('2026-01-15T08:30:00Z'), 13).toISOString()).toBe('2024-12-15T08:30:00.000Z');
    expect(retentionCutoff(new Date('2026-05-01T00:00:00Z'), 120).toISOString()).toBe('2016-05-01T00:00:00.000Z');
  });
});

describe('erasureWaitFor (GDPR Art. 17(3)(e))', () => {
  it('keeps held posts, posts under review and posts under an open appeal', () => {
    expect(erasureWaitFor({ status: 'HELD', pendingReviews: 1, openAppeals: 0 })).toBe('held');
    expect(erasureWaitFor({ status: 'HIDDEN', pendingReviews: 1, openAppeals: 1 })).toBe('appeal');
    expect(erasureWaitFor({ status: 'PUBLISHED', pendingReviews: 1, openAppeals: 0 })).toBe('review');
    for (const status of ['PUBLISHED', 'HIDDEN', 'DELETED', 'REJECTED']) {
      expect(erasureWaitFor({ status, pendingReviews: 0, openAppeals: 0 })).toBeNull();
    }
  });
});

describe('names', () => {
  it('puts files in attachments/ with nothing a ZIP reader takes for a folder', () => {
    expect(exportEntryName('id', 'acta.pdf')).toBe('attachments/id-acta.pdf');
    expect(exportEntryName('id', '../../etc/passwd')).toBe('attachments/id-.._.._etc_passwd');
    expect(exportEntryName('id', 'a\\b:c\u0001.txt')).toBe('attachments/id-a_b_c_.txt');
    expect(exportEntryName('id', '')).toBe('attachments/id-file');
  });

  it('anonymises an account to an address that receives no mail', () => {
    const id = '0b7f6c1e-1111-4222-8333-444455556666';
    expect(anonymisedAccount(id)).toEqual({
      email: 'erased-0b7f6c1e111142228333444455556666@erased.invalid',
      handle: 'erased-0b7f6c1e111142228333444455556666',
    });
  });
});

describe('the retention form', () => {
  it('takes whole months from 1 to 120, or empty', () => {
    expect(retentionForm.parse({ auditMonths: ' 12 ', refusedDecisionMonths: '' })).toEqual({
      auditMonths: 12,
      refusedDecisionMonths: null,
    });
    expect(retentionForm.parse({})).toEqual({ auditMonths: null, refusedDecisionMonths: null });
    for (const bad of ['0', '-1', '121', 'doce', '1.5', '1e2', '00000000000001']) {
      expect(retentionForm.safeParse({ auditMonths: bad }).success, bad).toBe(false);
    }
  });
});
