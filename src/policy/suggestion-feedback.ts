// Learning from people (issue 13, item 2): how often authors kept the tag the classifier suggested,
// and where they disagreed, from the PolicyDecision rows of a period. Pure: rows in, figures out; the
// query is src/admin/admin-suggestion-feedback.ts. Nothing here retrains anything.
import type { Language } from './classifier.js';
import { SUGGESTION_WARN_CONFIDENCE } from './rules.js';
import { POST_TAGS, type PostTag } from './tags.js';

/** One decision: the tag suggested, the tag the author chose, how sure the suggestion was, the language. */
export interface FeedbackRow {
  readonly suggestedTag: PostTag;
  readonly chosenTag: PostTag;
  /** The suggestion's confidence, 0..1. */
  readonly confidence: number;
  /** The post's language; null when it cannot be known (a refused post keeps no text). */
  readonly language: Language | null;
}

export interface AgreementFigures {
  readonly decisions: number;
  /** Decisions whose chosen tag was the suggested one. */
  readonly kept: number;
  /** kept / decisions, rounded to 3 decimals; null with no decisions (not 0: nothing was measured). */
  readonly keptShare: number | null;
}

export interface FeedbackGroup extends AgreementFigures {
  /** confusion[suggested][chosen]: how many decisions went from that suggestion to that choice. */
  readonly confusion: Record<PostTag, Record<PostTag, number>>;
  /** Per suggested tag: how often authors kept it. */
  readonly perSuggestedTag: Record<PostTag, AgreementFigures>;
}

export const FEEDBACK_LANGUAGES = ['es', 'ca', 'en', 'unknown'] as const;
export type FeedbackLanguage = (typeof FEEDBACK_LANGUAGES)[number];

export interface SuggestionFeedback {
  readonly overall: FeedbackGroup;
  readonly perLanguage: Record<FeedbackLanguage, FeedbackGroup>;
  /** Decisions whose suggestion was at or above the WARN threshold (the author was asked to confirm a change). */
  readonly confident: AgreementFigures;
  /** Those below it. */
  readonly unsure: AgreementFigures;
  /** The threshold used for `confident` (rules.ts SUGGESTION_WARN_CONFIDENCE unless given). */
  readonly warnConfidence: number;
}

function agreement(rows: readonly FeedbackRow[]): AgreementFigures {
  const kept = rows.filter((row) => row.chosenTag === row.suggestedTag).length;
  return {
    decisions: rows.length,
    kept,
    keptShare: rows.length === 0 ? null : Math.round((kept / rows.length) * 1000) / 1000,
  };
}

function group(rows: readonly FeedbackRow[]): FeedbackGroup {
  const confusion = {} as Record<PostTag, Record<PostTag, number>>;
  const perSuggestedTag = {} as Record<PostTag, AgreementFigures>;
  for (const suggested of POST_TAGS) {
    confusion[suggested] = { PERSONAL: 0, PROFESSIONAL: 0, ORGANIZATIONAL: 0 };
    perSuggestedTag[suggested] = agreement(rows.filter((row) => row.suggestedTag === suggested));
  }
  for (const row of rows) confusion[row.suggestedTag][row.chosenTag] += 1;
  return { ...agreement(rows), confusion, perSuggestedTag };
}

/**
 * Sums up decisions: overall and per language (`unknown` for rows without one), the share of
 * decisions where the author kept the suggestion, per suggested tag, and the confusion between
 * suggestion and choice; and the same share for confident suggestions (≥ warnConfidence) and the
 * rest. Every decision counts once, so a post edited twice counts three times (each time its author
 * chose again). Order-independent; an empty list gives zeros and null shares.
 */
export function summarizeSuggestionFeedback(
  rows: readonly FeedbackRow[],
  warnConfidence: number = SUGGESTION_WARN_CONFIDENCE,
): SuggestionFeedback {
  const perLanguage = {} as Record<FeedbackLanguage, FeedbackGroup>;
  for (const language of FEEDBACK_LANGUAGES) {
    perLanguage[language] = group(rows.filter((row) => (row.language ?? 'unknown') === language));
  }
  return {
    overall: group(rows),
    perLanguage,
    confident: agreement(rows.filter((row) => row.confidence >= warnConfidence)),
    unsure: agreement(rows.filter((row) => row.confidence < warnConfidence)),
    warnConfidence,
  };
}

/** The longest period a report covers: five years (of 366 days, so that any five calendar years fit). */
export const MAX_FEEDBACK_PERIOD_DAYS = 5 * 366;

export type PeriodProblem = 'backwards' | 'too-long' | 'in-the-future';

/**
 * What is wrong with a period [from, to) for a report, if anything: `backwards` (to is not after
 * from), `too-long` (more than MAX_FEEDBACK_PERIOD_DAYS), `in-the-future` (it starts after now). A
 * period that ends after now is fine: it reports up to now. Dates are instants (the caller turns the
 * days typed into them in the site's time zone).
 */
export function checkFeedbackPeriod(from: Date, to: Date, now: Date): PeriodProblem[] {
  const problems: PeriodProblem[] = [];
  if (to.getTime() <= from.getTime()) problems.push('backwards');
  else if (to.getTime() - from.getTime() > MAX_FEEDBACK_PERIOD_DAYS * 86_400_000) problems.push('too-long');
  if (from.getTime() > now.getTime()) problems.push('in-the-future');
  return problems;
}
