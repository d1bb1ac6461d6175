import { isVerifiedAffiliate, shownOrganization } from '../access/affiliation.js';
import { type ProfileField, visibleProfileFields } from '../access/profile-access.js';
import type { Viewer } from '../accounts/auth.js';
import type { Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { topicKey } from '../markdown/post-markdown.js';
import { likePattern, searchWords } from '../text/fold.js';
import { readableTopicThreadSql } from '../threads/thread-lists.js';
import { cursorText, isCursorUuid } from './cursor-values.js';
import { myMembershipJoin, viewerReadsSql } from './readable-communities.js';

// People and expertise (issue 12): /people lists the people the viewer may see (every active account:
// names are never hidden, src/access/profile-access.ts), found by name, job title, organization,
// department and expertise — each only where the viewer may see that field of that person — and "who
// knows about X": people ranked by what they did in threads about X that the viewer may read.

export const PEOPLE_PER_PAGE = 24;
export const EXPERTS_LIMIT = 20;
/** An accepted answer weighs as much as this many "útil" reactions in the expert ranking. */
export const ACCEPTED_WEIGHT = 3;

export interface PersonCard {
  readonly handle: string;
  readonly displayName: string;
  readonly jobTitle: string | null;
  readonly organizationName: string | null;
  readonly departmentName: string | null;
  readonly expertise: readonly string[];
}

export interface Expert extends PersonCard {
  readonly acceptedAnswers: number;
  readonly usefulReactions: number;
}

const CARD_SELECT = {
  id: true,
  handle: true,
  displayName: true,
  kind: true,
  status: true,
  jobTitle: true,
  expertise: true,
  publicFields: true,
  emailVerifiedAt: true,
  organization: { select: { name: true } },
  department: { select: { name: true } },
} as const;

type CardRow = Prisma.UserGetPayload<{ select: typeof CARD_SELECT }>;

function profileViewerOf(viewer: Viewer | null) {
  return viewer
    ? {
        id: viewer.id,
        role: viewer.role,
        kind: viewer.kind,
        emailVerified: viewer.emailVerified,
        organizationId: viewer.organizationId,
      }
    : null;
}

/** Whether the viewer sees every profile field of everyone (visibleProfileFields' first rule). */
function seesEverything(viewer: Viewer | null): boolean {
  return viewer !== null && (viewer.role === 'ADMIN' || isVerifiedAffiliate(viewer));
}

function cardOf(viewer: Viewer | null, row: CardRow): PersonCard {
  const visible = visibleProfileFields(profileViewerOf(viewer), row);
  const show = <T>(field: ProfileField, value: T): T | null => (visible.has(field) ? value : null);
  const organization = shownOrganization(row);
  return {
    handle: row.handle,
    displayName: row.displayName,
    jobTitle: show('jobTitle', row.jobTitle || null),
    organizationName: show('organization', organization?.name ?? null),
    departmentName: show('department', organization ? (row.department?.name ?? null) : null),
    expertise: show('expertise', row.expertise) ?? [],
  };
}

/** Keyset cursor of /people: the last card's name and id. */
function encodePeopleCursor(row: { displayName: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.displayName, row.id])).toString('base64url');
}

function decodePeopleCursor(text: string | null): { displayName: string; id: string } | null {
  if (!text || text.length > 600) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [name, id] = value as unknown[];
    const displayName = cursorText(name);
    if (displayName === null || !isCursorUuid(id)) return null;
    return { displayName, id };
  } catch {
    return null;
  }
}

/**
 * The condition that a person matches one folded word, for this viewer: on every field for those who see
 * every field (users.search_text), otherwise on the name, the handle and the fields the person made public
 * only (users.public_search_text) — so a search cannot reveal a field its result would not show. Both are
 * kept by a trigger and trigram-indexed (migrations text_search, people_public_search_text).
 */
function wordCondition(viewer: Viewer | null, word: string): Prisma.Sql {
  const pattern = likePattern(word);
  if (seesEverything(viewer)) return Prisma.sql`u.search_text LIKE ${pattern}`;
  return Prisma.sql`u.public_search_text LIKE ${pattern}`;
}

/**
 * The ids of the people among `candidates` (a SQL list of user ids) whose visible fields hold every
 * folded word of `text`, for this viewer (see wordCondition); null when `text` has no word (no filter).
 */
export async function matchingPeople(
  db: Db,
  viewer: Viewer | null,
  text: string,
  candidates: Prisma.Sql,
): Promise<string[] | null> {
  const words = searchWords(text);
  if (words.length === 0) return null;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT u.id FROM users u
    WHERE u.id IN (${candidates}) AND ${Prisma.join(
      words.map((word) => wordCondition(viewer, word)),
      ' AND ',
    )}`;
  return rows.map((row) => row.id);
}

export function createPeopleService({ db }: { db: Db }) {
  async function cards(viewer: Viewer | null, ids: readonly string[]): Promise<Map<string, PersonCard>> {
    const rows = await db.user.findMany({ where: { id: { in: [...ids] }, status: 'ACTIVE' }, select: CARD_SELECT });
    return new Map(rows.map((row) => [row.id, cardOf(viewer, row)]));
  }

  /**
   * People whose visible fields hold every word of `text` (folded: "Lucia Martin" finds "Lucía Martín"),
   * by name, a keyset page at a time; everyone when `text` has no word. At most 8 words.
   */
  async function listPeople(viewer: Viewer | null, text: string, after: string | null) {
    const words = searchWords(text);
    const cursor = decodePeopleCursor(after);
    const conditions = [Prisma.sql`u.status = 'ACTIVE'`, ...words.map((word) => wordCondition(viewer, word))];
    if (cursor) conditions.push(Prisma.sql`(u.display_name, u.id) > (${cursor.displayName}, ${cursor.id}::uuid)`);
    const rows = await db.$queryRaw<{ id: string; display_name: string }[]>`
      SELECT u.id, u.display_name FROM users u
      WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY u.display_name, u.id
      LIMIT ${PEOPLE_PER_PAGE + 1}`;
    const page = rows.slice(0, PEOPLE_PER_PAGE);
    const byId = await cards(
      viewer,
      page.map((row) => row.id),
    );
    const last = page.at(-1);
    return {
      people: page.flatMap((row) => byId.get(row.id) ?? []),
      next:
        rows.length > PEOPLE_PER_PAGE && last
          ? encodePeopleCursor({ displayName: last.display_name, id: last.id })
          : null,
      words,
    };
  }

  /**
   * "Who knows about X": the topic (by any spelling), the people ranked by ACCEPTED_WEIGHT × their accepted
   * answers + the "útil" reactions of others to their posts, in threads whose opening post is on the topic — only
   * published posts, in listed threads of communities the viewer may read, so the ranking counts nothing
   * the viewer could not count themselves — and the people who list it among their expertise (where the
   * viewer may see that field). `topic: null` when no topic has that key.
   */
  async function whoKnows(viewer: Viewer | null, typed: string) {
    const key = topicKey(typed);
    const found = key
      ? await db.topic.findUnique({ where: { slug: key }, select: { id: true, slug: true, label: true } })
      : null;
    // A topic the viewer can read nothing on is, for them, a topic that does not exist (as its page answers
    // 404): its label and link would say that someone wrote it where they cannot see.
    const topic =
      found &&
      (
        await db.$queryRaw<unknown[]>`
          SELECT 1 FROM thread_topics tt WHERE tt.topic_id = ${found.id}::uuid AND ${readableTopicThreadSql(viewer)} LIMIT 1`
      ).length > 0
        ? found
        : null;
    const declaredRows = key
      ? await db.$queryRaw<{ id: string }[]>`
          SELECT u.id FROM users u
          WHERE u.status = 'ACTIVE'
            AND agora_expertise_keys(u.expertise) @> ARRAY[${key}]::text[]
            AND ${seesEverything(viewer) ? Prisma.sql`TRUE` : Prisma.sql`'expertise' = ANY(u.public_fields)`}
          ORDER BY u.display_name, u.id
          LIMIT ${EXPERTS_LIMIT}`
      : [];
    let ranked: { author_id: string; accepted: number; useful: number }[] = [];
    if (topic) {
      // Access per thread on the topic (its community and the viewer's membership of it): the cost follows
      // the topic's threads, not the number of communities the viewer may read.
      ranked = await db.$queryRaw<{ author_id: string; accepted: number; useful: number }[]>`
        WITH about AS (
          SELECT t.id, t.accepted_post_id
          FROM post_topics pt
          JOIN posts op ON op.id = pt.post_id AND op.is_opening AND op.status = 'PUBLISHED'
          JOIN threads t ON t.id = op.thread_id AND NOT t.restricted
          JOIN communities c ON c.id = t.community_id
          ${myMembershipJoin(viewer)}
          WHERE pt.topic_id = ${topic.id}::uuid AND ${viewerReadsSql(viewer)}
        ), contributions AS (
          -- Only what counts: each thread's accepted answer, and the "útil" reactions of others to posts
          -- there, as each post keeps their count (posts.useful_count; a count of reactions per post cost
          -- 7 ms for a topic of 100 threads at the bench's large size, where nobody had earned anything).
          SELECT ap.author_id, 1 AS accepted, 0 AS useful
          FROM about a JOIN posts ap ON ap.id = a.accepted_post_id AND ap.thread_id = a.id
          WHERE ap.status = 'PUBLISHED' AND ap.deleted_at IS NULL AND ap.author_id IS NOT NULL
          UNION ALL
          SELECT p.author_id, 0 AS accepted, p.useful_count AS useful
          FROM about a
          JOIN posts p ON p.thread_id = a.id AND p.status = 'PUBLISHED' AND p.deleted_at IS NULL
          WHERE p.author_id IS NOT NULL AND p.useful_count > 0
        )
        SELECT c.author_id, sum(c.accepted)::int AS accepted, sum(c.useful)::int AS useful
        FROM contributions c JOIN users u ON u.id = c.author_id AND u.status = 'ACTIVE'
        GROUP BY c.author_id
        HAVING sum(c.accepted) > 0 OR sum(c.useful) > 0
        ORDER BY ${ACCEPTED_WEIGHT} * sum(c.accepted) + sum(c.useful) DESC, c.author_id
        LIMIT ${EXPERTS_LIMIT}`;
    }
    const byId = await cards(viewer, [...ranked.map((row) => row.author_id), ...declaredRows.map((row) => row.id)]);
    const experts: Expert[] = ranked.flatMap((row) => {
      const card = byId.get(row.author_id);
      return card ? [{ ...card, acceptedAnswers: row.accepted, usefulReactions: row.useful }] : [];
    });
    const declared = declaredRows.flatMap((row) => byId.get(row.id) ?? []);
    return { key, topic, experts, declared };
  }

  return { listPeople, whoKnows };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
