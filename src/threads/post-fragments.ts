import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

// A long thread's page is mostly its posts, and a post looks the same to most of its readers from one
// view to the next. Rendering 200 posts (views/threads/post.eta and its includes) was the largest share of
// the page's CPU, so each post's HTML is kept in process, keyed by a digest of everything the template is
// given: the post as this viewer may see it (thread-reading.ts decides that first: what someone may not
// see never reaches the key or the template), the capability flags that change its actions, and the
// language, time zone and zone display that change its words and dates. Same inputs, same HTML: a cached
// fragment can never show one viewer what was rendered for another unless they were given the very same
// things. Nothing needs invalidating: an edit, a reaction, an accepted answer or a moderation decision
// changes the inputs, hence the key, and the stale entry ages out of the LRU.

/** What one post's fragment is rendered from, besides the page's translator and date formatter. */
export interface PostFragmentInput {
  /** The post as thread-reading.ts built it for this viewer (its answers are rendered apart). */
  readonly post: object;
  /** Language, time zone and whether the zone is named: all the translator and date formatter depend on. */
  readonly format: string;
  readonly [flag: string]: unknown;
}

export interface FragmentCache {
  /** The post's HTML: from the cache when these inputs were rendered before, else rendered and kept. */
  render(input: PostFragmentInput, renderFresh: () => string): string;
  readonly size: number;
  /** What the kept fragments weigh, as the cache counts it (two bytes a UTF-16 code unit). */
  readonly bytes: number;
}

/**
 * The key of a fragment: a digest of its inputs (dates as ISO strings). The caller leaves out what the
 * fragment does not render (a reply's answers are fragments of their own).
 */
export function fragmentKey(input: PostFragmentInput): string {
  return createHash('sha1').update(JSON.stringify(input)).digest('base64');
}

/**
 * `html` as one flat string. A template's output is a rope of thousands of small strings; kept as it is,
 * every page built from it would walk them all again when the page is encoded for the socket (the
 * largest single cost of a long thread's page after rendering). Flattened once, when it is cached.
 */
function flattened(html: string): string {
  return Buffer.from(html, 'utf8').toString('utf8');
}

/**
 * A least-recently-used cache of rendered fragments (lru-cache, the maintained package already in the tree
 * through @fastify/static), bounded twice: at most `max` fragments and at most `maxBytes` of them, counted
 * as two bytes a UTF-16 code unit (V8's widest string). A fragment is 1–2 KB for most posts, but a post at
 * the length limit made of `&` or table cells renders to 100 KB, and each language × time zone is a key of
 * its own: counted only by entries, one member could make the cache hold gigabytes (found by trying).
 * Fragments over `maxBytes / 128` are rendered every time and not kept.
 */
export function createFragmentCache(max = 20_000, maxBytes = 32 * 1024 * 1024): FragmentCache {
  const entries = new LRUCache<string, string>({
    max,
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 128),
    sizeCalculation: (html) => Math.max(1, html.length * 2),
  });
  return {
    render(input, renderFresh) {
      const key = fragmentKey(input);
      const hit = entries.get(key);
      if (hit !== undefined) return hit;
      const html = flattened(renderFresh());
      entries.set(key, html);
      return html;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return entries.calculatedSize;
    },
  };
}
