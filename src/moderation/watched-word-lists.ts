import type { Db } from '../db/client.js';
import { compileWatchedWords, type WatchedWordAction, type WatchedWordMatcher } from '../policy/watched-words.js';

const ACTION_OF = { BLOCK: 'block', HOLD: 'hold', FLAG: 'flag' } as const satisfies Record<string, WatchedWordAction>;

/**
 * The site's and one community's watched words, compiled for decidePost. One query; the lists are read
 * at each post, so an entry added a moment ago applies to the next post in every process.
 */
export async function watchedWordsFor(db: Db, communityId: string): Promise<WatchedWordMatcher> {
  const rows = await db.watchedWord.findMany({
    where: { OR: [{ communityId: null }, { communityId }] },
    select: { phrase: true, action: true },
  });
  return compileWatchedWords(rows.map((row) => ({ phrase: row.phrase, action: ACTION_OF[row.action] })));
}
