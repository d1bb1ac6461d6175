import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { OpenedCommunity } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { Invalid, NotFound } from '../errors.js';
import type { WatchedWordAction } from '../generated/prisma/enums.js';
import {
  typedEntryProblem,
  WATCHED_WORD_MAX,
  WATCHED_WORD_MAX_WORDS,
  watchedWordKey,
} from '../policy/watched-words.js';

// The watched-word lists (issue 10): the site's, kept by site admins, and each community's, kept by its
// owners. An entry is what a person typed, matched as words (src/policy/watched-words.ts), never a
// regular expression; typing an entry that is already on the list changes its action instead.

/** The most entries one list may hold: the bench judges a 20,000-character post against 1,000. */
export const WATCHED_WORDS_PER_LIST = 2000;

const PROBLEM_MESSAGES = {
  empty: 'moderation.words.empty',
  'too-long': 'moderation.words.tooLong',
  'too-many-words': 'moderation.words.tooManyWords',
  'no-word': 'moderation.words.noWord',
  'not-words': 'moderation.words.notWords',
} as const satisfies Record<NonNullable<ReturnType<typeof typedEntryProblem>>, string>;

/** A list's scope: the site's (null) or one community's. */
type Scope = { communityId: string | null };

function scopedKey(scope: Scope, phrase: string): string {
  return `${scope.communityId ?? 'site'}:${watchedWordKey(phrase)}`;
}

export function createWatchedWordsService({ db, audit }: { db: Db; audit: AuditLog }) {
  function list(scope: Scope) {
    return db.watchedWord.findMany({
      where: { communityId: scope.communityId },
      select: { id: true, phrase: true, action: true, createdAt: true, addedBy: { select: { displayName: true } } },
      orderBy: [{ phrase: 'asc' }, { id: 'asc' }],
    });
  }

  /**
   * Adds an entry, or changes the action of the entry that matches the same texts; Invalid (field
   * `phrase`) when the text cannot be an entry or the list is full. Returns whether it was new.
   */
  async function add(
    scope: Scope,
    viewer: Viewer,
    input: { phrase: string; action: WatchedWordAction },
    context: AuditContext,
  ): Promise<boolean> {
    const phrase = input.phrase.trim();
    const problem = typedEntryProblem(phrase);
    if (problem) {
      throw new Invalid({
        phrase: { key: PROBLEM_MESSAGES[problem], params: { max: WATCHED_WORD_MAX, words: WATCHED_WORD_MAX_WORDS } },
      });
    }
    const key = scopedKey(scope, phrase);
    return db.$transaction(async (tx) => {
      const existing = await tx.watchedWord.findUnique({ where: { scopedKey: key }, select: { id: true } });
      if (existing) {
        await tx.watchedWord.update({ where: { id: existing.id }, data: { action: input.action } });
      } else {
        const count = await tx.watchedWord.count({ where: { communityId: scope.communityId } });
        if (count >= WATCHED_WORDS_PER_LIST) {
          throw new Invalid({ phrase: { key: 'moderation.words.listFull', params: { max: WATCHED_WORDS_PER_LIST } } });
        }
        await tx.watchedWord.create({
          data: { communityId: scope.communityId, phrase, scopedKey: key, action: input.action, addedById: viewer.id },
        });
      }
      await audit.record(
        context,
        {
          action: existing ? 'moderation.watched_word_changed' : 'moderation.watched_word_added',
          outcome: 'SUCCESS',
          target: { type: scope.communityId ? 'community' : 'site', id: scope.communityId ?? 'site' },
          details: { phrase, action: input.action },
        },
        tx,
      );
      return !existing;
    });
  }

  async function remove(scope: Scope, id: string, context: AuditContext): Promise<void> {
    const entry = await db.watchedWord.findFirst({
      where: { id, communityId: scope.communityId },
      select: { id: true, phrase: true },
    });
    if (!entry) throw new NotFound('No such watched word');
    await db.$transaction(async (tx) => {
      await tx.watchedWord.deleteMany({ where: { id: entry.id } });
      await audit.record(
        context,
        {
          action: 'moderation.watched_word_removed',
          outcome: 'SUCCESS',
          target: { type: scope.communityId ? 'community' : 'site', id: scope.communityId ?? 'site' },
          details: { phrase: entry.phrase },
        },
        tx,
      );
    });
  }

  /** The community's list is kept by its owners (the `manage` permission); NotFound for anyone else. */
  function communityScope(opened: OpenedCommunity): Scope {
    if (!opened.permissions.manage) throw new NotFound('No such page');
    return { communityId: opened.community.id };
  }

  /** The site's list is kept by site admins; NotFound for anyone else. */
  function siteScope(viewer: Viewer): Scope {
    if (viewer.role !== 'ADMIN') throw new NotFound('No such page');
    return { communityId: null };
  }

  return { list, add, remove, communityScope, siteScope };
}

export type WatchedWordsService = ReturnType<typeof createWatchedWordsService>;
