import { describe, expect, it } from 'vitest';
import { answerDueBy, STATEMENT } from '../../src/accessibility/statement.js';

describe('the answer deadline (RD 1112/2018 art. 12.3: 20 working days)', () => {
  it('counts Monday to Friday', () => {
    expect(answerDueBy(new Date('2026-11-02T10:00:00Z')).toISOString().slice(0, 10)).toBe('2026-11-30');
    // Received on a Friday: the next day counted is Monday.
    expect(answerDueBy(new Date('2026-11-06T10:00:00Z'), 1).toISOString().slice(0, 10)).toBe('2026-11-09');
    // Received on a Saturday: five working days end on the next Friday.
    expect(answerDueBy(new Date('2026-11-07T10:00:00Z'), 5).toISOString().slice(0, 10)).toBe('2026-11-13');
  });

  it('states dates that exist and are not in the future of the review', () => {
    expect(Number.isNaN(Date.parse(STATEMENT.preparedOn))).toBe(false);
    expect(STATEMENT.reviewedOn >= STATEMENT.preparedOn).toBe(true);
  });
});
