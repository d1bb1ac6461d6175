import { LRUCache } from 'lru-cache';

// The signed-out thread page, kept whole (issue 15: a 200-reply thread's page cost a signed-out reader
// 17–19 ms of CPU, almost all of it reading 200 posts and assembling their fragments, for a page that is
// the same for every signed-out reader in one language). What may change it is in its key (ADR 024):
//
// - the thread's row and its community's, as the request read them to decide access (openThread): title,
//   flags, accepted answer, counts, and `pageVersion`, which triggers change in the same transaction as
//   anything the page shows of the thread's posts (posts, files, reactions, policy decisions, mentions);
// - the page epoch (the `page_epoch` row), which triggers change with anything it shows of people and
//   organizations (names, handles, statuses, what a profile makes public);
// - the address (path and the page asked for) and the language, time zone and zone display.
//
// Only what is the same for every signed-out reader is kept: the page's one per-request value, the CSRF
// token of its language switch, is cut out when the page is kept and each reader's own token put back
// (`serve`). Access is decided before the cache is asked, on every request, from the rows just read: a
// community made private or a thread restricted answers 404 whatever is kept.

/** A kept page: its bytes cut where the CSRF token was (a token goes between each two parts). */
type KeptPage = readonly Buffer[];

export interface ThreadPageCache {
  /** The page kept under `key`, with `token` where the token it was rendered with was; null if none. */
  serve(key: string, token: string): Buffer | null;
  /**
   * Keeps `page`, rendered with CSRF token `token`, under `key`. A page without the token (nothing to cut),
   * or over a 64th of the cache, is not kept.
   */
  keep(key: string, page: Buffer, token: string): void;
  readonly size: number;
}

/** `page` cut at every occurrence of `token` (UTF-8). */
export function cutAt(page: Buffer, token: string): Buffer[] {
  const needle = Buffer.from(token);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = page.indexOf(needle, from); at !== -1; at = page.indexOf(needle, from)) {
    parts.push(page.subarray(from, at));
    from = at + needle.length;
  }
  parts.push(page.subarray(from));
  return parts;
}

/** The parts joined with `token` between each two. */
export function joinWith(parts: readonly Buffer[], token: string): Buffer {
  if (parts.length === 1) return parts[0] as Buffer;
  const needle = Buffer.from(token);
  const chunks: Buffer[] = [];
  let length = 0;
  parts.forEach((part, i) => {
    if (i > 0) {
      chunks.push(needle);
      length += needle.length;
    }
    chunks.push(part);
    length += part.length;
  });
  return Buffer.concat(chunks, length);
}

/**
 * A least-recently-used cache of signed-out thread pages (lru-cache, the maintained package the fragment
 * cache uses too), bounded by `maxBytes`: each page counts its bytes and, at two bytes a UTF-16 code unit,
 * its key. A page's old versions are never read again (their key names an old version) and age out.
 */
export function createThreadPageCache(maxBytes = 64 * 1024 * 1024): ThreadPageCache {
  const entries = new LRUCache<string, KeptPage>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 64),
    sizeCalculation: (parts, key) => Math.max(1, key.length * 2 + parts.reduce((sum, part) => sum + part.length, 0)),
  });
  return {
    serve(key, token) {
      const parts = entries.get(key);
      return parts === undefined ? null : joinWith(parts, token);
    },
    keep(key, page, token) {
      if (token.length < 16) return;
      const parts = cutAt(page, token);
      if (parts.length < 2) return;
      // Copied out of the page's buffer: the parts are kept, the page is not.
      entries.set(
        key,
        parts.map((part) => Buffer.from(part)),
      );
    },
    get size() {
      return entries.size;
    },
  };
}
