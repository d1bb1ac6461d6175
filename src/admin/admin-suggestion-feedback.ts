import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import { detectLanguage } from '../policy/classifier.js';
import {
  checkFeedbackPeriod,
  type FeedbackRow,
  type SuggestionFeedback,
  summarizeSuggestionFeedback,
} from '../policy/suggestion-feedback.js';
import { isPostTag } from '../policy/tags.js';

// Learning from people (issue 13, item 2), for site admins: how often authors kept the suggested tag
// over a period, per language and tag, from the PolicyDecision rows; no post text leaves this file.
// Posts store no language, so it is detected from the first characters of the post's current text;
// a refused post keeps no text, nor does a deleted one, so their language is unknown. The figures are computed from the rows
// of the period on each call: fine for months of a site's decisions; the daily roll-ups of issue 13
// item 4 are the way to years of a large one.

/** How much of a post's text is read to tell its language: enough for detectLanguage, no more. */
const LANGUAGE_SAMPLE_CHARACTERS = 600;

export function createSuggestionFeedbackReport({ db }: { db: Db }) {
  return {
    /**
     * The suggestion feedback of the decisions made in [from, to) (instants; the caller turns the
     * days typed into them in the site's time zone), summed up by summarizeSuggestionFeedback.
     * Throws Invalid (field `to` or `from`, admin.feedback.period.* keys) for a period that is
     * backwards, longer than five years or starts after `now`.
     */
    async summarize(period: { from: Date; to: Date }, now: Date = new Date()): Promise<SuggestionFeedback> {
      const problems = checkFeedbackPeriod(period.from, period.to, now);
      if (problems.includes('backwards')) throw new Invalid({ to: 'admin.feedback.period.backwards' });
      if (problems.includes('too-long')) throw new Invalid({ from: 'admin.feedback.period.tooLong' });
      if (problems.includes('in-the-future')) throw new Invalid({ from: 'admin.feedback.period.future' });
      const rows = await db.$queryRaw<
        Array<{ suggested_tag: string; chosen_tag: string; confidence: number; sample: string | null }>
      >`
        SELECT d.suggested_tag::text AS suggested_tag, d.chosen_tag::text AS chosen_tag, d.confidence,
               left(p.source, ${LANGUAGE_SAMPLE_CHARACTERS}) AS sample
        FROM policy_decisions d
        LEFT JOIN posts p ON p.id = d.post_id
        WHERE d.created_at >= ${period.from} AND d.created_at < ${period.to}`;
      const feedback: FeedbackRow[] = [];
      for (const row of rows) {
        if (!isPostTag(row.suggested_tag) || !isPostTag(row.chosen_tag)) continue;
        feedback.push({
          suggestedTag: row.suggested_tag,
          chosenTag: row.chosen_tag,
          confidence: Number(row.confidence),
          language: row.sample && row.sample.trim() !== '' ? detectLanguage(row.sample) : null,
        });
      }
      return summarizeSuggestionFeedback(feedback);
    },
  };
}
