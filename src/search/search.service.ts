import type { Viewer } from '../accounts/auth.js';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessSql } from '../communities/community-access-where.js';
import type { SearchWay } from '../config.js';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostTag, ThreadKind } from '../generated/prisma/enums.js';
import { decodeCursor, encodeCursor } from '../threads/thread-lists.js';
import { type Byline, bylineOf } from './byline.js';
import { myMembershipJoin, viewerReadsSql } from './readable-communities.js';
import {
  decodeSearchCursor,
  encodeSearchCursor,
  type ParsedQuery,
  type SearchEdge,
  searchKey,
} from './search-query.js';
import {
  dayStart,
  fullQuery,
  lexemesOf,
  NO_FILTERS,
  postFilterConditions,
  type SearchFilters,
  stopWordLanguage,
  threadFilterConditions,
} from './search-sql.js';
import { highlightSnippet, plainText } from './snippet.js';
import { dedupeTsquery } from './tsquery-dedupe.js';

// Full-text search over thread titles and posts, in PostgreSQL (issue 12). Each post's words are indexed
// by a trigger (migration text_search) with the stemmer of its language, as written and folded; a query
// is matched with the stemmers of every language Ágora indexes, so a Catalan query finds Catalan posts
// and "contratacion" finds "contratación". Only what the viewer may read is ever matched, counted or
// ranked: published posts, in listed threads, of communities communityAccessWhere lets them read.

export const RESULTS_PER_PAGE = 20;

export { NO_FILTERS, type SearchFilters } from './search-sql.js';

export interface SearchHit {
  readonly postId: string;
  readonly threadId: string;
  readonly threadTitle: string;
  readonly threadKind: ThreadKind;
  readonly isOpening: boolean;
  /** This post is its question's accepted answer. */
  readonly isAccepted: boolean;
  /** Its thread is a question with an accepted answer. */
  readonly solved: boolean;
  readonly tag: PostTag;
  readonly createdAt: Date;
  readonly community: { readonly slug: string; readonly name: string };
  readonly author: Byline | null;
  /** Escaped HTML with the matched words in <mark>. */
  readonly snippetHtml: string;
  /** The thread's title, likewise. */
  readonly titleHtml: string;
}

export interface SearchPage {
  readonly hits: readonly SearchHit[];
  /** The cursor of the next page, if there is one. */
  readonly next: string | null;
  /** A cursor was given that belongs to another search: the first page was shown instead. */
  readonly staleCursor: boolean;
  /** The words were all too common to search for (stop words): nothing was searched. */
  readonly onlyStopWords: boolean;
  /**
   * The viewer may read more results than SEARCH_RANKED_RESULTS: the newest this many were ranked (the
   * page says so beside its results). Null when every result was ranked.
   */
  readonly recent: number | null;
}

export function createSearchService({
  db,
  timeZone,
  rankedResults,
  way,
}: {
  db: Db;
  timeZone: string;
  /** At most this many results are ranked, the newest (config.search, SEARCH_RANKED_RESULTS). */
  rankedResults: number;
  /** Always find results this way (tests); by default chosen per search. */
  way?: SearchWay | undefined;
}) {
  /** The most posts a walk by date reads before every match is read instead (50 per result ranked). */
  const walkLimit = 50 * (rankedResults + 1);

  /**
   * One page of results for a parsed query (parseQuery; at least one term to include), best first.
   * Relevance is PostgreSQL's cover density (ts_rank_cd; a title counts 2.5 times a body), times 1.5 for
   * an accepted answer and 1.2 for a solved question's opening post, times 1 + ln(1 + "útil" reactions),
   * divided by 1 + age / 180 days. A person's reactions to their own post never count
   * (posts.useful_count). Pages are a keyset over (score, id) with the moment of the first page kept in
   * the cursor, so a page never repeats or skips a result because time passed, and posts written since are
   * left to a new search. A cursor of another query or filters is ignored (`staleCursor`). When the viewer
   * may read more than `rankedResults` results (every filter applied), the newest `rankedResults` of them
   * are ranked, and the page says so (`recent`; ADR 027): a word in most posts cost 2.2 s at a million
   * posts, read and ranked whole. `locale`: the person's interface language, whose stop words alone are refused
   * (`onlyStopWords`, stopWordLanguage). `solvedOnly` keeps the questions with an accepted answer and
   * matches their question and accepted answer only (the "solved questions" view).
   */
  async function search(
    viewer: Viewer | null,
    query: ParsedQuery,
    filters: SearchFilters,
    options: { readonly after?: string | null; readonly solvedOnly?: boolean; readonly locale?: string } = {},
  ): Promise<SearchPage> {
    const key = searchKey(query, {
      ...Object.fromEntries(
        Object.entries(filters).map(([name, value]) => [name, value instanceof Date ? value.toISOString() : value]),
      ),
      solved: options.solvedOnly ? '1' : null,
    });
    const given = decodeSearchCursor(options.after);
    const cursor = given && given.key === key ? given : null;
    const edge = cursor?.edge ?? null;
    const staleCursor = Boolean(options.after) && cursor === null;
    const now = cursor?.now ?? new Date();

    const language = stopWordLanguage(options.locale);
    const [built] = await db.$queryRaw<
      { query: string; positive: string; nodes: number; expected: number; posts: number; solved: number }[]
    >`
      SELECT q::text AS query, (${fullQuery(query, true)})::text AS positive,
        -- Words that the person's language drops as too common (de, la, the…), all of them: nothing worth
        -- searching for. Their language only: "once" or "don", English stop words, are Spanish words.
        numnode(built.own) AS nodes,
        -- How many posts the planner expects that reading to match, and how many there are: how to find
        -- the results is chosen from these (below), never which are found.
        estimate.matches AS expected, estimate.posts,
        -- How many solved questions there are (their index's count, from VACUUM and ANALYZE).
        (SELECT greatest(reltuples, 0)::float8 FROM pg_class
          WHERE oid = 'threads_solved_created_at_id_idx'::regclass) AS solved
      FROM (SELECT (${fullQuery(query)}) AS q, (${fullQuery(query, true, [language])}) AS own) AS built,
           agora_search_estimate(built.own) AS estimate`;
    if (!built || built.nodes === 0) return { hits: [], next: null, staleCursor, onlyStopWords: true, recent: null };

    // The matching posts first, on the partial GIN index, and only then their threads, each by its key: a
    // join planned the other way round reads every thread of the readable communities (the planner guesses
    // thousands of matches for an OR of stems, and hashed 100,000 threads to join 20; OFFSET 0 keeps the
    // thread lookup a subquery it cannot flatten). Access is decided per match, on the match's community and
    // the viewer's membership of it (communityAccessSql), not by carrying every readable community's id.
    // The copies of each word the languages' readings share, kept once: ranking walks every operand.
    const tsquery = dedupeTsquery(built.query);
    // Matches in communities the viewer may not read are dropped as they are found, on the post's own copy
    // of its community (posts.community_id), before their threads are looked up: for a common word most
    // matches are elsewhere. The thread must be in that same community (threads never move; a post whose
    // copy disagrees is dropped, never shown), so the rule is not decided a second time per match.
    // Each match's community is decided by its key, once per community (the planner memoizes the LATERAL
    // subquery: 20 lookups for a common word's 1,000 matches); OFFSET 0 keeps it from being flattened into a
    // hash of every readable community, which read all 2,000 communities and cost 1-2 ms a search.
    //
    // The newest rankedResults + 1 results the viewer may read, every check and filter applied, are kept
    // (one more says there are more than rankedResults), and the newest rankedResults of them ranked. Which
    // results are ranked, and whether the page says that only the newest were, depend on what the viewer may
    // read only: a word written often where they may not read changes nothing they see. When there are
    // fewer, they are all of them, ranked exactly. They are found in one of three ways, which find the same
    // results and differ in cost only (so only how long a search takes depends on posts the viewer may not
    // read, as it always did):
    // - every match, from the GIN index (cost: the matches, about 1.5 µs each), its thread looked up, then
    //   the newest kept (rare words);
    // - the same sorted by date before any thread is looked up (everyMatchByDate: many matches);
    // - a walk of the newest posts by date, which stops once it has rankedResults + 1 results (cost: the
    //   posts walked, about 0.6 µs each), tried first when the planner expects the word in so many posts
    //   that a walk over as many posts as it has matches would find enough, were every post readable. The
    //   walk goes at most walkLimit posts; when it did not find enough, every match is read after all.
    // A word in nine posts of ten cost 2.2 s at a million posts with every match ranked; left to itself, the
    // planner sorted every match of a word in one post of ten by date (0.6 s), or walked 900,000 posts for
    // a word written only in old posts (1.1 s): each way is set for its statement's transaction (set_config, is_local).
    // Posts written after the first page are left to a new search, so that pages never shift.
    const postConditions = Prisma.join(
      [
        Prisma.sql`p.status = 'PUBLISHED' AND p.deleted_at IS NULL AND p.created_at <= ${now}::timestamptz`,
        ...postFilterConditions(filters, timeZone),
        // Later pages of the newest results: back to where the first page's ended.
        ...(edge && !options.solvedOnly
          ? [Prisma.sql`(p.created_at, p.id) >= (${edge.createdAt}::timestamptz, ${edge.id}::uuid)`]
          : []),
      ],
      ' AND ',
    );
    const readable = Prisma.sql`JOIN LATERAL (SELECT true AS ok FROM communities c ${myMembershipJoin(viewer)}
      WHERE c.id = p.community_id AND ${viewerReadsSql(viewer)} OFFSET 0) readable ON true`;
    const columns = Prisma.sql`p.id, p.thread_id, p.community_id, p.is_opening, p.created_at, p.useful_count`;
    // Every match the viewer may read, with its search vector for ranking. Threads are looked up for each.
    const everyMatch = Prisma.sql`SELECT ${columns}, p.search_vector, readable.ok FROM posts p ${readable}
      WHERE p.search_vector @@ ${tsquery}::tsquery AND ${postConditions}`;
    // The same sorted by date before any thread is looked up (OFFSET 0), without the search vectors (read
    // again by row for the ranked results only): for a word in one post of ten, looking up the thread of
    // every readable match took 0.2 s, and sorting them with their vectors spilled to disk.
    const everyMatchByDate = Prisma.sql`SELECT ${columns}, p.ctid AS row_ctid, readable.ok FROM posts p ${readable}
      WHERE p.search_vector @@ ${tsquery}::tsquery AND ${postConditions}
      ORDER BY p.created_at DESC, p.id DESC OFFSET 0`;
    // The newest posts, at most `limit` (back to the edge on later pages), and of them those with the words
    // that the viewer may read.
    const walk = (limit: number) => Prisma.sql`SELECT ${columns}, p.search_vector, readable.ok
      FROM (SELECT ${columns}, p.search_vector FROM posts p WHERE ${postConditions}
             ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}) AS p ${readable}
      WHERE p.search_vector @@ ${tsquery}::tsquery`;
    const threadConditions = [
      Prisma.sql`NOT t.restricted AND t.community_id = p.community_id`,
      ...threadFilterConditions(filters),
    ];
    const after = cursor
      ? Prisma.sql`WHERE (ranked.score, ranked.id) < (${cursor.score}::float8, ${cursor.id}::uuid)`
      : Prisma.empty;
    // The first page keeps rankedResults + 1 (one more says there are more). Later pages rank everything
    // back to the first page's edge — what it ranked, less what was removed, with what came in since (a
    // post restored or approved, a question solved) — at most 2 × rankedResults + 1: never one that was
    // there all along pushed out by one that came in.
    const kept = edge ? 2 * rankedResults + 1 : rankedResults + 1;
    /** The newest rankedResults of a CTE on the first page, all of it on later pages. */
    const newestOf = (from: Prisma.Sql) =>
      edge
        ? Prisma.sql`${from}`
        : Prisma.sql`(SELECT * FROM ${from} ORDER BY created_at DESC, id DESC LIMIT ${rankedResults})`;
    // In float8 throughout (date_part, not extract's numeric), with the post's own count of "útil"
    // reactions (posts.useful_count, kept by triggers): counting reactions per match cost 12 µs each. On
    // rows `r` of a post with its thread's accepted_post_id.
    const scoreOf = (vector: Prisma.Sql) => Prisma.sql`(
      ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', ${vector}, ${tsquery}::tsquery)
      * (CASE WHEN r.accepted_post_id = r.id THEN 1.5::float8 WHEN r.is_opening AND r.accepted_post_id IS NOT NULL THEN 1.2::float8 ELSE 1::float8 END)
      * (1 + ln(1 + r.useful_count::float8))
      / (1 + date_part('epoch', ${now}::timestamptz - r.created_at) / 15552000::float8)
    )::float8`;
    type Row = {
      id: string | null;
      score: number | null;
      count: number | null;
      edge_at: Date | null;
      edge_id: string | null;
    };
    /**
     * A page's rows and the row with no id that carries how many of the newest `kept` were found
     * (`complete`: all of them, so a walk that found them needs nothing older; `more`: more than
     * rankedResults) and the oldest of the newest rankedResults (`edge`, for later pages).
     */
    const summarize = (rows: Row[]) => {
      const summary = rows.find((row) => row.id === null);
      const count = summary?.count ?? 0;
      return {
        rows: rows.flatMap((row) => (row.id === null || row.score === null ? [] : [{ id: row.id, score: row.score }])),
        complete: count >= kept,
        more: count > rankedResults,
        edge: summary?.edge_at && summary.edge_id ? { createdAt: summary.edge_at, id: summary.edge_id } : null,
      };
    };
    /**
     * One statement: `WITH <withClause>` (defining the CTE named `from`: at most `kept` rows with created_at
     * and id), one page of `ranked` (rows id, score) after the cursor, and the row with no id that carries
     * how many rows `from` holds and the oldest of its newest rankedResults (summarize); under `settings`
     * (set_config calls) in a transaction of their own, if any.
     */
    const runPage = async (
      withClause: Prisma.Sql,
      from: Prisma.Sql,
      ranked: Prisma.Sql,
      settings: Prisma.Sql | null,
    ) => {
      const statement = db.$queryRaw<Row[]>`
          WITH ${withClause}
          (SELECT ranked.id, ranked.score, NULL::int AS count, NULL::timestamptz AS edge_at, NULL::uuid AS edge_id
             FROM (${ranked}) AS ranked ${after}
            ORDER BY ranked.score DESC, ranked.id DESC
            LIMIT ${RESULTS_PER_PAGE + 1})
          UNION ALL
          SELECT NULL, NULL, counted.count, edge.created_at, edge.id
            FROM (SELECT count(*)::int AS count FROM ${from}) AS counted
            LEFT JOIN LATERAL (SELECT created_at, id
                                 FROM (SELECT created_at, id FROM ${from} ORDER BY created_at DESC, id DESC
                                        LIMIT ${rankedResults}) AS newest
                                ORDER BY created_at, id LIMIT 1) AS edge ON true`;
      return summarize(
        settings ? (await db.$transaction([db.$queryRaw`SELECT ${settings}`, statement]))[1] : await statement,
      );
    };
    /**
     * One page of the newest rankedResults results of `found` (rows of `columns` and `readable.ok`, with
     * `search_vector` or `row_ctid`), ranked (runPage).
     */
    const pageOf = async (found: Prisma.Sql, byRow: boolean, settings: Prisma.Sql | null) => {
      const score = scoreOf(byRow ? Prisma.sql`sv.search_vector` : Prisma.sql`r.search_vector`);
      const vectors = byRow
        ? Prisma.sql`CROSS JOIN LATERAL (SELECT sp.search_vector FROM posts sp WHERE sp.ctid = r.row_ctid) AS sv`
        : Prisma.empty;
      const ranked = Prisma.sql`SELECT r.id, ${score} AS score FROM ${newestOf(Prisma.sql`results`)} AS r ${vectors}`;
      // The thread is looked up once the community was found readable (the LATERAL subquery names p.ok, so
      // the planner cannot look threads up first: it did, for every match, without memoizing the
      // communities, which doubled a common word's cost).
      return runPage(
        Prisma.sql`results AS MATERIALIZED (
            SELECT p.id, ${byRow ? Prisma.sql`p.row_ctid` : Prisma.sql`p.search_vector`}, p.is_opening, p.created_at,
                   p.useful_count, t.id AS thread_id, t.accepted_post_id
              FROM (${found}) AS p
              CROSS JOIN LATERAL (SELECT * FROM threads th WHERE th.id = p.thread_id AND p.ok OFFSET 0) AS t
             WHERE ${Prisma.join(threadConditions, ' AND ')}
             ORDER BY p.created_at DESC, p.id DESC
             LIMIT ${kept})`,
        Prisma.sql`results`,
        ranked,
        settings,
      );
    };
    // Which way is cheaper, from the planner's estimate of the matches over every post and its count of
    // posts (agora_search_estimate). Settings apply to their statement's transaction only (set_config with
    // is_local): every match, by date, from the GIN index; the walk by the date index alone. A rare word's
    // statement needs none (the planner finds its few matches by the GIN index itself) and no transaction.
    const { expected, posts: postCount } = built;
    const noSeqScan = Prisma.sql`set_config('enable_seqscan', 'off', true)`;
    const walkSettings = Prisma.sql`${noSeqScan}, set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`;
    type Outcome = Awaited<ReturnType<typeof pageOf>>;

    /** The newest posts that match: /search. */
    const newestPosts = async (): Promise<{ outcome: Outcome; walked: boolean }> => {
      const byDate = way ? way === 'every-match-by-date' : expected > 4 * kept;
      const everyWay = () => (byDate ? pageOf(everyMatchByDate, true, noSeqScan) : pageOf(everyMatch, false, null));
      if (edge) {
        // A later page: the way the first page found its results, back to its edge (a walk then reads the
        // posts back to it, as the first page's did; at most twice walkLimit, which a cursor made by hand
        // with an old edge cannot pass).
        return {
          outcome: edge.walked ? await pageOf(walk(2 * walkLimit), false, walkSettings) : await everyWay(),
          walked: edge.walked,
        };
      }
      // A walk over as many posts as the words are expected to match (at most walkLimit) would find
      // enough results were every post readable; it cannot in fewer posts than `kept`.
      if (way ? way === 'walk' : expected >= kept && expected * expected >= kept * postCount) {
        const walked = await pageOf(
          walk(way === 'walk' ? walkLimit : Math.min(Math.ceil(expected), walkLimit)),
          false,
          walkSettings,
        );
        // Fewer than `kept` among the posts walked: the older posts may hold more.
        if (walked.complete) return { outcome: walked, walked: true };
      }
      return { outcome: await everyWay(), walked: false };
    };

    /**
     * The newest questions that match: /solved?q=. A result is a question with an accepted answer, at the
     * score of the better of its opening post and accepted answer among those that match and pass the
     * post filters; the newest rankedResults questions by when they were asked are ranked (a thread's
     * creation never changes, so later pages hold the same ones). Found from every match by the GIN
     * index, or by a walk of the solved questions newest first (their own index, migration
     * solved_questions_by_date) looking at each one's two posts: a word in most posts read every match
     * (2 s at a million posts) to find the few that are a question or its accepted answer.
     */
    const newestQuestions = async (): Promise<{ outcome: Outcome; walked: boolean }> => {
      // A question `q`'s opening post (the first of its thread's index: it is the thread's first post) and
      // accepted answer, those that match and pass the post filters.
      const qualifying = Prisma.sql`SELECT p.id, p.search_vector, p.is_opening, p.created_at, p.useful_count, q.accepted_post_id
          FROM posts p WHERE p.id = q.accepted_post_id AND p.search_vector @@ ${tsquery}::tsquery AND ${postConditions}
        UNION ALL
        SELECT p.id, p.search_vector, p.is_opening, p.created_at, p.useful_count, q.accepted_post_id
          FROM posts p
         WHERE p.id = (SELECT op.id FROM posts op WHERE op.thread_id = q.id AND op.is_opening
                        ORDER BY op.created_at, op.id LIMIT 1)
           AND p.search_vector @@ ${tsquery}::tsquery AND ${postConditions}`;
      const solvedConditions = Prisma.join(
        [
          Prisma.sql`t.kind = 'QUESTION' AND t.accepted_post_id IS NOT NULL AND NOT t.restricted`,
          ...threadFilterConditions(filters),
          ...(edge ? [Prisma.sql`(t.created_at, t.id) >= (${edge.createdAt}::timestamptz, ${edge.id}::uuid)`] : []),
        ],
        ' AND ',
      );
      // Every readable match of a question or its accepted answer, a row per question.
      const everyMatchQuestion = Prisma.sql`SELECT t.id, t.created_at, t.accepted_post_id
          FROM (${everyMatch}) AS p
          CROSS JOIN LATERAL (SELECT * FROM threads th WHERE th.id = p.thread_id AND p.ok OFFSET 0) AS t
         WHERE t.community_id = p.community_id AND ${solvedConditions} AND (p.is_opening OR p.id = t.accepted_post_id)
         GROUP BY t.id, t.created_at, t.accepted_post_id
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT ${kept}`;
      // The solved questions, newest first, at most `limit` (every one back to the edge on later pages), and
      // of them those the viewer may read (the community decided once per community, memoized) with a post
      // that matches, looked at only once the community was found readable (the LATERAL names it).
      const walkQuestions = (limit: number | null) => Prisma.sql`SELECT t.id, t.created_at, t.accepted_post_id
          FROM (SELECT t.id, t.created_at, t.accepted_post_id, t.community_id FROM threads t WHERE ${solvedConditions}
                 ORDER BY t.created_at DESC, t.id DESC ${limit === null ? Prisma.empty : Prisma.sql`LIMIT ${limit}`}) AS t
          JOIN LATERAL (SELECT true AS ok FROM communities c ${myMembershipJoin(viewer)}
                         WHERE c.id = t.community_id AND ${viewerReadsSql(viewer)} OFFSET 0) readable ON true
          CROSS JOIN LATERAL (SELECT 1 FROM (SELECT t.id, t.accepted_post_id) AS q
                               WHERE readable.ok AND EXISTS (SELECT 1 FROM (${qualifying}) AS found)) AS hit
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT ${kept}`;
      const questionsOf = async (questions: Prisma.Sql, settings: Prisma.Sql | null) => {
        const score = scoreOf(Prisma.sql`r.search_vector`);
        return runPage(
          Prisma.sql`questions AS MATERIALIZED (${questions})`,
          Prisma.sql`questions`,
          Prisma.sql`SELECT DISTINCT ON (q.id) r.id, ${score} AS score
              FROM ${newestOf(Prisma.sql`questions`)} AS q
              CROSS JOIN LATERAL (${qualifying}) AS r
             ORDER BY q.id, score DESC`,
          settings,
        );
      };
      if (edge) {
        return {
          outcome: edge.walked
            ? await questionsOf(walkQuestions(2 * walkLimit), walkSettings)
            : await questionsOf(everyMatchQuestion, noSeqScan),
          walked: edge.walked,
        };
      }
      // A walk of walkLimit questions finds enough when the words are in one post of 50 or more, were
      // every question readable. When there are no more solved questions than that, the walk goes through
      // all of them if need be, and what it found is all there is.
      if (way ? way === 'walk' : expected * walkLimit >= kept * postCount) {
        const all = built.solved <= walkLimit;
        const walked = await questionsOf(walkQuestions(all ? null : walkLimit), walkSettings);
        // Fewer than `kept` among the questions walked: older questions may hold more.
        if (all || walked.complete) return { outcome: walked, walked: true };
      }
      return { outcome: await questionsOf(everyMatchQuestion, noSeqScan), walked: false };
    };

    const { outcome, walked } = options.solvedOnly ? await newestQuestions() : await newestPosts();
    const recent = edge ? edge.recent : outcome.more;
    const nextEdge: SearchEdge | null =
      edge ?? (outcome.edge ? { ...outcome.edge, walked, recent: outcome.more } : null);
    const found = outcome.rows;

    const page = found.slice(0, RESULTS_PER_PAGE);
    const posts = await db.post.findMany({
      where: { id: { in: page.map((row) => row.id) } },
      select: {
        id: true,
        source: true,
        isOpening: true,
        tag: true,
        createdAt: true,
        author: { select: { handle: true, displayName: true, status: true } },
        thread: {
          select: {
            id: true,
            title: true,
            kind: true,
            acceptedPostId: true,
            community: { select: { slug: true, name: true } },
          },
        },
      },
    });
    const byId = new Map(posts.map((post) => [post.id, post]));
    const lexemes = lexemesOf(built.positive);
    const hits = page.flatMap((row): SearchHit[] => {
      const post = byId.get(row.id);
      if (!post) return [];
      return [
        {
          postId: post.id,
          threadId: post.thread.id,
          threadTitle: post.thread.title,
          threadKind: post.thread.kind,
          isOpening: post.isOpening,
          isAccepted: post.thread.acceptedPostId === post.id,
          solved: post.thread.kind === 'QUESTION' && post.thread.acceptedPostId !== null,
          tag: post.tag,
          createdAt: post.createdAt,
          community: post.thread.community,
          author: bylineOf(post.author),
          snippetHtml: highlightSnippet(plainText(post.source), lexemes),
          titleHtml: highlightSnippet(post.thread.title, lexemes, 400),
        },
      ];
    });
    const last = page.at(-1);
    const next =
      found.length > RESULTS_PER_PAGE && last
        ? encodeSearchCursor({ key, now, score: last.score, id: last.id, edge: nextEdge })
        : null;
    return { hits, next, staleCursor, onlyStopWords: false, recent: recent ? rankedResults : null };
  }

  /**
   * Questions with an accepted answer in every community the viewer may read, latest activity first, a
   * keyset page at a time (src/threads/thread-lists.ts's cursor): each with its accepted answer's author
   * and an excerpt of it. The "solved questions" view when nothing is typed; the filters as search reads
   * them, on the question (its community, tag, author and day).
   */
  async function latestSolved(viewer: Viewer | null, after: string | null, filters: SearchFilters = NO_FILTERS) {
    const cursor = decodeCursor(after ?? undefined);
    // Solved questions only: a kind other than a question, or "unanswered", leaves nothing.
    if ((filters.kind && filters.kind !== 'QUESTION') || filters.answered === 'no') return { threads: [], next: null };
    // The page's ids in one statement: a walk of the solved questions' own index (migration
    // solved_questions), newest activity first, from the cursor's row on, each thread's community checked
    // as it comes (communityAccessSql for the viewer; OFFSET 0 keeps it a filter, so the walk keeps its
    // order and stops after a page). Carrying every readable community's id cost the same as the whole site.
    const conditions: Prisma.Sql[] = [
      Prisma.sql`t.kind = 'QUESTION' AND t.accepted_post_id IS NOT NULL AND NOT t.restricted`,
      Prisma.sql`EXISTS (SELECT 1 FROM posts ap WHERE ap.id = t.accepted_post_id AND ap.status = 'PUBLISHED')`,
      Prisma.sql`EXISTS (SELECT 1 FROM communities c ${myMembershipJoin(viewer)}
                          WHERE c.id = t.community_id AND ${viewerReadsSql(viewer)} OFFSET 0)`,
    ];
    if (filters.communityId) conditions.push(Prisma.sql`t.community_id = ${filters.communityId}::uuid`);
    if (filters.tag) conditions.push(Prisma.sql`t.tag = ${filters.tag}::"PostTag"`);
    if (filters.authorId) conditions.push(Prisma.sql`t.author_id = ${filters.authorId}::uuid`);
    if (filters.from) conditions.push(Prisma.sql`t.created_at >= ${dayStart(filters.from, timeZone)}`);
    if (filters.to) conditions.push(Prisma.sql`t.created_at < ${dayStart(filters.to, timeZone, 1)}`);
    if (cursor)
      conditions.push(Prisma.sql`(t.last_activity_at, t.id) < (${cursor.lastActivityAt}, ${cursor.id}::uuid)`);
    const ids = await db.$queryRaw<{ id: string }[]>`
      SELECT t.id::text FROM threads t
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY t.last_activity_at DESC, t.id DESC
       LIMIT ${RESULTS_PER_PAGE + 1}`;
    const found = await db.thread.findMany({
      where: { id: { in: ids.map((row) => row.id) } },
      select: {
        id: true,
        title: true,
        lastActivityAt: true,
        replyCount: true,
        community: { select: { slug: true, name: true } },
        acceptedPost: {
          select: {
            id: true,
            source: true,
            createdAt: true,
            author: { select: { handle: true, displayName: true, status: true } },
          },
        },
      },
    });
    const byId = new Map(found.map((thread) => [thread.id, thread]));
    const threads = ids.flatMap((row) => byId.get(row.id) ?? []);
    const page = threads.slice(0, RESULTS_PER_PAGE);
    const last = page.at(-1);
    return {
      threads: page.map((thread) => ({
        ...thread,
        answerHtml: thread.acceptedPost ? highlightSnippet(plainText(thread.acceptedPost.source), [], 200) : '',
      })),
      next:
        threads.length > RESULTS_PER_PAGE && last
          ? encodeCursor({ pinned: false, lastActivityAt: last.lastActivityAt, id: last.id })
          : null,
    };
  }

  /**
   * The communities offered as a search filter: those the viewer is an active member of and may read (any
   * other is typed by its address), by name, at most 200; none signed out. From the viewer's memberships,
   * each community by its key, in one prepared statement: Prisma's EXISTS per community read every
   * community (1.1 ms at 2,000, issue 15). Rows `{ slug, name }`.
   */
  async function filterCommunities(viewer: Viewer | null): Promise<{ slug: string; name: string }[]> {
    if (!viewer) return [];
    return db.$queryRaw<{ slug: string; name: string }[]>`${Prisma.raw(PREPARED_STATEMENT)}
      SELECT c.slug, c.name
        FROM memberships my JOIN communities c ON c.id = my.community_id
       WHERE my.user_id = ${viewer.id}::uuid AND my.state = 'ACTIVE'
         AND ${communityAccessSql(actorOf(viewer), 'read', 'c', 'my')}
       ORDER BY c.name, c.id
       LIMIT 200`;
  }

  return { search, latestSolved, filterCommunities };
}

export type SearchService = ReturnType<typeof createSearchService>;
