import type { Db } from '../db/client.js';
import { compileWatchedWords, type WatchedWordAction, type WatchedWordMatcher } from '../policy/watched-words.js';

const ACTION_OF = { BLOCK: 'block', HOLD: 'hold', FLAG: 'flag' } as const satisfies Record<string, WatchedWordAction>;

/** Communities whose compiled lists a process keeps; the least recently used goes first. */
const CACHED_COMMUNITIES = 500;

interface Cached {
  readonly version: string;
  readonly matcher: WatchedWordMatcher;
}

/**
 * The site's and one community's watched words, compiled for decidePost, from a per-process cache.
 * Compiling 1,000 entries costs about 3.7 ms (bench), more than judging a 20,000-character post against
 * them, so a process compiles a list only when it changed: each post asks PostgreSQL for the lists'
 * version (entries and latest change, per list: one aggregate on the `community_id` index), and every
 * process sees an entry added, changed or removed at its next post. Returns a matcher that finds nothing
 * when both lists are empty.
 */
export function createWatchedWordLists(db: Db) {
  const cache = new Map<string, Cached>();

  async function versionOf(communityId: string): Promise<string> {
    const rows = await db.$queryRaw<{ scope: string | null; entries: bigint; changed: Date | null }[]>`
      SELECT community_id::text AS scope, count(*) AS entries, max(updated_at) AS changed
      FROM watched_words
      WHERE community_id IS NULL OR community_id = ${communityId}::uuid
      GROUP BY community_id`;
    return rows
      .map((row) => `${row.scope ?? 'site'}:${row.entries}:${row.changed?.getTime() ?? 0}`)
      .sort()
      .join('|');
  }

  return {
    async matcherFor(communityId: string): Promise<WatchedWordMatcher> {
      const version = await versionOf(communityId);
      const hit = cache.get(communityId);
      if (hit?.version === version) {
        // Most recently used last, so the first key is the one to evict.
        cache.delete(communityId);
        cache.set(communityId, hit);
        return hit.matcher;
      }
      const rows =
        version === ''
          ? []
          : await db.watchedWord.findMany({
              where: { OR: [{ communityId: null }, { communityId }] },
              select: { phrase: true, action: true },
            });
      const matcher = compileWatchedWords(rows.map((row) => ({ phrase: row.phrase, action: ACTION_OF[row.action] })));
      cache.delete(communityId);
      cache.set(communityId, { version, matcher });
      if (cache.size > CACHED_COMMUNITIES) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return matcher;
    },
  };
}

export type WatchedWordLists = ReturnType<typeof createWatchedWordLists>;
