import { describe, expect, it } from 'vitest';
import {
  checkFeedbackPeriod,
  type FeedbackRow,
  MAX_FEEDBACK_PERIOD_DAYS,
  summarizeSuggestionFeedback,
} from '../../src/policy/suggestion-feedback.js';

const row = (
  suggestedTag: FeedbackRow['suggestedTag'],
  chosenTag: FeedbackRow['chosenTag'],
  confidence: number,
  language: FeedbackRow['language'],
): FeedbackRow => ({ suggestedTag, chosenTag, confidence, language });

describe('summarizeSuggestionFeedback, on decisions counted by hand', () => {
  const rows = [
    row('PERSONAL', 'PERSONAL', 0.97, 'es'),
    row('PERSONAL', 'PROFESSIONAL', 0.62, 'es'),
    row('PROFESSIONAL', 'PROFESSIONAL', 0.91, 'ca'),
    row('ORGANIZATIONAL', 'PROFESSIONAL', 0.95, 'en'),
    row('ORGANIZATIONAL', 'ORGANIZATIONAL', 0.99, null),
  ];
  const result = summarizeSuggestionFeedback(rows, 0.9);

  it('counts how often the suggestion was kept, overall and per suggested tag', () => {
    expect(result.overall).toMatchObject({ decisions: 5, kept: 3, keptShare: 0.6 });
    expect(result.overall.perSuggestedTag.PERSONAL).toEqual({ decisions: 2, kept: 1, keptShare: 0.5 });
    expect(result.overall.perSuggestedTag.PROFESSIONAL).toEqual({ decisions: 1, kept: 1, keptShare: 1 });
    expect(result.overall.perSuggestedTag.ORGANIZATIONAL).toEqual({ decisions: 2, kept: 1, keptShare: 0.5 });
  });

  it('counts the confusion from suggestion to choice', () => {
    expect(result.overall.confusion.PERSONAL).toEqual({ PERSONAL: 1, PROFESSIONAL: 1, ORGANIZATIONAL: 0 });
    expect(result.overall.confusion.ORGANIZATIONAL).toEqual({ PERSONAL: 0, PROFESSIONAL: 1, ORGANIZATIONAL: 1 });
    const cells = Object.values(result.overall.confusion).flatMap((r) => Object.values(r));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('splits by language, with an unknown one for rows without it', () => {
    expect(result.perLanguage.es).toMatchObject({ decisions: 2, kept: 1, keptShare: 0.5 });
    expect(result.perLanguage.ca).toMatchObject({ decisions: 1, kept: 1, keptShare: 1 });
    expect(result.perLanguage.en).toMatchObject({ decisions: 1, kept: 0, keptShare: 0 });
    expect(result.perLanguage.unknown).toMatchObject({ decisions: 1, kept: 1, keptShare: 1 });
    expect(result.perLanguage.en.confusion.ORGANIZATIONAL.PROFESSIONAL).toBe(1);
  });

  it('separates confident suggestions (at or above the threshold) from the rest', () => {
    // ≥ 0.9: 0.97 kept, 0.91 kept, 0.95 not, 0.99 kept; below: 0.62 not.
    expect(result.confident).toEqual({ decisions: 4, kept: 3, keptShare: 0.75 });
    expect(result.unsure).toEqual({ decisions: 1, kept: 0, keptShare: 0 });
    expect(result.warnConfidence).toBe(0.9);
  });

  it('gives null shares, not 0 or NaN, when there is nothing to measure', () => {
    const empty = summarizeSuggestionFeedback([]);
    expect(empty.overall).toMatchObject({ decisions: 0, kept: 0, keptShare: null });
    expect(empty.perLanguage.ca.perSuggestedTag.PERSONAL.keptShare).toBeNull();
  });

  it('does not depend on the order of the rows', () => {
    expect(summarizeSuggestionFeedback([...rows].reverse(), 0.9)).toEqual(result);
  });
});

describe('checkFeedbackPeriod', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

  it('accepts a period in the past, or one that ends after now', () => {
    expect(checkFeedbackPeriod(day('2026-01-01'), day('2026-07-01'), now)).toEqual([]);
    expect(checkFeedbackPeriod(day('2026-11-01'), day('2026-12-01'), now)).toEqual([]);
  });

  it('refuses a backwards or empty period, one longer than five years, one in the future', () => {
    expect(checkFeedbackPeriod(day('2026-07-01'), day('2026-01-01'), now)).toEqual(['backwards']);
    expect(checkFeedbackPeriod(day('2026-07-01'), day('2026-07-01'), now)).toEqual(['backwards']);
    expect(checkFeedbackPeriod(day('2020-01-01'), day('2026-01-02'), now)).toEqual(['too-long']);
    const longest = new Date(day('2021-01-01').getTime() + MAX_FEEDBACK_PERIOD_DAYS * 86_400_000);
    expect(checkFeedbackPeriod(day('2021-01-01'), longest, now)).toEqual([]);
    expect(checkFeedbackPeriod(day('2026-12-01'), day('2027-01-01'), now)).toEqual(['in-the-future']);
    expect(checkFeedbackPeriod(day('2027-02-01'), day('2027-01-01'), now)).toEqual(['backwards', 'in-the-future']);
  });
});
