import type { Viewer } from '../accounts/auth.js';
import { communityReadersSql } from '../communities/community-access-where.js';
import type { CommunityRow } from '../communities/opened-community.js';
import type { Db } from '../db/client.js';
import { foldText } from '../text/fold.js';

// The composer's @mention suggestions (issue 14, item 5): as an author types "@an", the people whose
// handle, or a word of whose name, starts with "an" (folded as text/fold.ts folds: "an" finds "Ánxela"),
// among the people who may read the community the post is written in — communityReadersSql, the access
// rules of the pages written in SQL — so a suggestion is someone the post can reach, and nobody outside a
// community's audience (another administration's employees for an INTERNAL one, citizens for any but an
// OPEN one, non-members of a PRIVATE or SECRET one) is ever named. Only names and handles, which every
// signed-in person sees anyway (access/profile-access.ts), are matched and shown: never a job title or
// another field a person may have kept to themselves.

/** How many people one suggestion lists at most. */
export const MENTION_SUGGESTIONS_LIMIT = 8;
/** The longest prefix looked up: a handle's length (accounts.schemas.ts HANDLE_PATTERN) and then some. */
export const MENTION_PREFIX_MAX = 40;

export interface MentionSuggestion {
  readonly handle: string;
  readonly displayName: string;
}

/**
 * What the author typed after "@", folded, when it can start a handle or a name: letters, digits, `_`,
 * `-`, `.`, `·` and apostrophes, 1 to MENTION_PREFIX_MAX of them; null otherwise (nothing to suggest).
 * mentionPrefix("Án") → "an"; mentionPrefix("") → null; mentionPrefix("a b") → null.
 */
export function mentionPrefix(typed: string): string | null {
  const folded = foldText(typed.trim());
  if (folded.length === 0 || [...folded].length > MENTION_PREFIX_MAX) return null;
  return /^[\p{L}\p{N}][\p{L}\p{N}_.·'-]*$/u.test(folded) ? folded : null;
}

/** `prefix` escaped for LIKE (backslash is PostgreSQL's default escape), then `%`. */
function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (sign) => `\\${sign}`)}%`;
}

export function createMentionSuggestions({ db }: { db: Db }) {
  /**
   * Up to MENTION_SUGGESTIONS_LIMIT people who may read `community` (not the viewer) whose handle or a
   * word of whose display name starts with the folded `prefix` (mentionPrefix): handles that match first,
   * then by name. Filtered, ordered and limited in SQL; the trigram index of users.search_text (which
   * holds the folded name and handle) narrows the rows first.
   */
  async function suggestMentions(
    community: Pick<CommunityRow, 'id' | 'audience' | 'visibility' | 'ownerOrganizationId'>,
    viewer: Viewer,
    prefix: string,
  ): Promise<MentionSuggestion[]> {
    const escaped = startsWith(prefix);
    const wordStart = `% ${escaped}`;
    const anywhere = `%${escaped}`;
    const rows = await db.$queryRaw<{ handle: string; display_name: string }[]>`
      SELECT u.handle::text AS handle, u.display_name
        FROM users u
       WHERE ${communityReadersSql(community)}
         AND u.id <> ${viewer.id}::uuid
         AND u.search_text LIKE ${anywhere}
         AND (agora_fold(u.handle::text) LIKE ${escaped} OR ' ' || agora_fold(u.display_name) LIKE ${wordStart})
       ORDER BY (agora_fold(u.handle::text) LIKE ${escaped}) DESC, u.display_name, u.id
       LIMIT ${MENTION_SUGGESTIONS_LIMIT}`;
    return rows.map((row) => ({ handle: row.handle, displayName: row.display_name }));
  }

  return { suggestMentions };
}

export type MentionSuggestions = ReturnType<typeof createMentionSuggestions>;
