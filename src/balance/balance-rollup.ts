import { startOfDayIn } from '../admin/admin-search.js';
import type { Db } from '../db/client.js';
import { addDays } from './balance-period.js';

// The balance's roll-up (issue 13, item 4; docs/decisions/015): one row per week and scope (each
// community, the communities each organization owns, the site) in balance_weeks, and per rule and
// outcome in balance_rule_weeks, so that a balance page reads a few hundred rows whatever the number
// of posts. A week is recomputed whole, in one transaction (delete, then insert): running it twice
// gives the same rows, so the job may be retried or run by two workers at once (a week's runs take
// turns on an advisory lock).
//
// What counts (the same for every viewer, so the public view of an OPEN community shows nothing
// its readers could not count themselves): readable posts only — PUBLISHED, in a thread that is not
// restricted (src/moderation/post-visibility.ts READABLE_POST_WHERE). Held, hidden, rejected and
// deleted posts count nowhere. Rules count every decision of the week (refused posts too: that is
// their point); they are shown to moderators only.

/** The site's scope id in the tables: the nil UUID. */
export const SITE_SCOPE_ID = '00000000-0000-0000-0000-000000000000';

/** The job that keeps the roll-up current: recomputes the weeks the change log names. */
export const BALANCE_JOBS = { catchUp: 'balance.catch-up' } as const;

export interface BalanceRollup {
  /** Recomputes one week (its Monday, YYYY-MM-DD, in the site's time zone) for every scope. */
  recomputeWeek(week: string): Promise<void>;
  /**
   * Recomputes the weeks touched by the changes logged so far (balance_changes, kept by triggers),
   * then forgets those changes; changes logged meanwhile wait for the next run. Returns the weeks done.
   */
  catchUp(): Promise<string[]>;
  /** Recomputes every week that has a post or a decision: after a restore, or in the bench. */
  rebuildAll(): Promise<number>;
}

export function createBalanceRollup({ db, timeZone }: { db: Db; timeZone: string }): BalanceRollup {
  async function recomputeWeek(week: string): Promise<void> {
    const from = startOfDayIn(week, timeZone);
    const to = startOfDayIn(addDays(week, 7), timeZone);
    const weekDate = new Date(`${week}T00:00:00Z`);
    await db.$transaction(async (tx) => {
      // Two runs of the same week (a retry beside a late first try, two workers) take turns: the second
      // would otherwise not see the first's new rows, delete nothing and fail on their keys.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('balance-week'), (${weekDate}::date - date '2000-01-03'))`;
      await tx.$executeRaw`DELETE FROM balance_weeks WHERE week = ${weekDate}::date`;
      await tx.$executeRaw`DELETE FROM balance_rule_weeks WHERE week = ${weekDate}::date`;
      // Posts of the week, then questions asked in the week (answers and acceptance whenever they came:
      // a reply marks its thread's day in the change log), each summed per community, per owner
      // organization and for the site in one pass (GROUPING SETS).
      await tx.$executeRaw`
        WITH p AS (
          SELECT po.tag, po.author_id, po.is_opening, t.community_id, c.owner_organization_id AS org_id,
                 u.organization_id AS author_org, t.author_id AS thread_author_id,
                 tu.organization_id AS thread_author_org
          FROM posts po
          JOIN threads t ON t.id = po.thread_id
          JOIN communities c ON c.id = t.community_id
          LEFT JOIN users u ON u.id = po.author_id
          LEFT JOIN users tu ON tu.id = t.author_id
          WHERE po.created_at >= ${from} AND po.created_at < ${to}
            AND po.status = 'PUBLISHED' AND NOT t.restricted
        ), by_posts AS (
          SELECT CASE WHEN grouping(p.community_id) = 0 THEN 'COMMUNITY'
                      WHEN grouping(p.org_id) = 0 THEN 'ORGANIZATION' ELSE 'SITE' END AS scope,
                 COALESCE(p.community_id, p.org_id, ${SITE_SCOPE_ID}::uuid) AS scope_id,
                 count(*) FILTER (WHERE p.tag = 'PERSONAL') AS personal,
                 count(*) FILTER (WHERE p.tag = 'PROFESSIONAL') AS professional,
                 count(*) FILTER (WHERE p.tag = 'ORGANIZATIONAL') AS organizational,
                 count(*) FILTER (WHERE NOT p.is_opening AND p.author_id IS NOT NULL
                                    AND p.thread_author_id IS NOT NULL) AS replies,
                 count(*) FILTER (WHERE NOT p.is_opening AND p.author_id IS NOT NULL
                                    AND p.thread_author_id IS NOT NULL
                                    AND p.author_org IS DISTINCT FROM p.thread_author_org) AS crossing,
                 count(DISTINCT p.author_id) AS people,
                 count(DISTINCT p.author_org) AS organizations
          FROM p GROUP BY GROUPING SETS ((p.community_id), (p.org_id), ())
        ), q AS (
          SELECT t.community_id, c.owner_organization_id AS org_id,
                 (SELECT min(r.created_at) FROM posts r
                   WHERE r.thread_id = t.id AND NOT r.is_opening AND r.status = 'PUBLISHED'
                     AND r.author_id IS DISTINCT FROM t.author_id) - t.created_at AS wait,
                 EXISTS (SELECT 1 FROM posts a WHERE a.id = t.accepted_post_id AND a.status = 'PUBLISHED') AS accepted
          FROM threads t JOIN communities c ON c.id = t.community_id
          WHERE t.kind = 'QUESTION' AND NOT t.restricted AND t.created_at >= ${from} AND t.created_at < ${to}
        ), by_questions AS (
          SELECT CASE WHEN grouping(q.community_id) = 0 THEN 'COMMUNITY'
                      WHEN grouping(q.org_id) = 0 THEN 'ORGANIZATION' ELSE 'SITE' END AS scope,
                 COALESCE(q.community_id, q.org_id, ${SITE_SCOPE_ID}::uuid) AS scope_id,
                 count(*) AS questions, count(q.wait) AS answered, count(*) FILTER (WHERE q.accepted) AS accepted,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM q.wait)) AS median_wait
          FROM q GROUP BY GROUPING SETS ((q.community_id), (q.org_id), ())
        )
        INSERT INTO balance_weeks (scope, scope_id, week, personal_posts, professional_posts,
          organizational_posts, replies, crossing_replies, questions, answered_questions, accepted_questions,
          median_first_answer_seconds, active_people, organizations)
        SELECT COALESCE(a.scope, b.scope)::"BalanceScope", COALESCE(a.scope_id, b.scope_id), ${weekDate}::date,
               COALESCE(a.personal, 0), COALESCE(a.professional, 0), COALESCE(a.organizational, 0),
               COALESCE(a.replies, 0), COALESCE(a.crossing, 0), COALESCE(b.questions, 0),
               COALESCE(b.answered, 0), COALESCE(b.accepted, 0), round(b.median_wait)::int,
               COALESCE(a.people, 0), COALESCE(a.organizations, 0)
        FROM by_posts a FULL JOIN by_questions b ON a.scope = b.scope AND a.scope_id = b.scope_id
        WHERE COALESCE(a.people, 0) > 0 OR COALESCE(b.questions, 0) > 0`;
      await tx.$executeRaw`
        WITH r AS (
          SELECT d.community_id, c.owner_organization_id AS org_id, rule->>'code' AS code, rule->>'outcome' AS outcome
          FROM policy_decisions d
          JOIN communities c ON c.id = d.community_id
          CROSS JOIN LATERAL jsonb_array_elements(d.rules) AS rule
          WHERE d.created_at >= ${from} AND d.created_at < ${to}
            AND rule->>'outcome' IN ('REJECT', 'HOLD', 'WARN')
        )
        INSERT INTO balance_rule_weeks (scope, scope_id, week, rule_code, outcome, decisions)
        SELECT (CASE WHEN grouping(r.community_id) = 0 THEN 'COMMUNITY'
                     WHEN grouping(r.org_id) = 0 THEN 'ORGANIZATION' ELSE 'SITE' END)::"BalanceScope",
               COALESCE(r.community_id, r.org_id, ${SITE_SCOPE_ID}::uuid), ${weekDate}::date, r.code, r.outcome,
               count(*)
        FROM r GROUP BY GROUPING SETS ((r.code, r.outcome, r.community_id), (r.code, r.outcome, r.org_id),
                                       (r.code, r.outcome))`;
    });
  }

  return {
    recomputeWeek,

    async catchUp() {
      const [last] = await db.$queryRaw<Array<{ id: bigint | null }>>`SELECT max(id) AS id FROM balance_changes`;
      const upTo = last?.id;
      if (upTo === null || upTo === undefined) return [];
      // A UTC day can straddle two of the site's weeks: both are recomputed.
      const weeks = await db.$queryRaw<Array<{ week: string }>>`
        SELECT DISTINCT to_char(w, 'YYYY-MM-DD') AS week FROM (
          SELECT date_trunc('week', (day::timestamp AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone}) AS w
          FROM balance_changes WHERE id <= ${upTo}
          UNION
          SELECT date_trunc('week', ((day::timestamp + interval '1 day' - interval '1 microsecond')
                 AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone})
          FROM balance_changes WHERE id <= ${upTo}
        ) weeks ORDER BY 1`;
      for (const { week } of weeks) await recomputeWeek(week);
      // Only the rows seen: a change logged by a transaction still open stays for the next run.
      await db.$executeRaw`DELETE FROM balance_changes WHERE id <= ${upTo}`;
      return weeks.map(({ week }) => week);
    },

    async rebuildAll() {
      const weeks = await db.$queryRaw<Array<{ week: string }>>`
        SELECT DISTINCT to_char(date_trunc('week', created_at AT TIME ZONE ${timeZone}), 'YYYY-MM-DD') AS week
        FROM (SELECT created_at FROM posts UNION ALL SELECT created_at FROM policy_decisions) x ORDER BY 1`;
      for (const { week } of weeks) await recomputeWeek(week);
      return weeks.length;
    },
  };
}
