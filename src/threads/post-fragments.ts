import { LRUCache } from 'lru-cache';

// A long thread's page is mostly its posts, and a post looks the same to most of its readers from one
// view to the next. Rendering 200 posts (views/threads/post.eta and its includes) was the largest share of
// the page's CPU, so each post's HTML is kept in process, keyed by everything the template is given: the
// post as this viewer may see it (thread-reading.ts decides that first: what someone may not see never
// reaches the key or the template), the capability flags that change its actions, and the language, time
// zone and zone display that change its words and dates. The post's own HTML, the largest of these inputs,
// is not digested into the key (encoding and hashing it was the cache's main cost, issue 15): it is kept
// beside the fragment and compared whole, so a fragment is served only when that HTML is the very same
// string too. Same inputs, same HTML: a cached fragment can never show one viewer what was rendered for
// another unless they were given the very same things. Nothing needs invalidating: an edit, a reaction, an
// accepted answer or a moderation decision changes the inputs, hence the key or the compared HTML, and the
// stale entry is replaced or ages out of the LRU.

/** What every post of one page is rendered with, besides the page's translator and date formatter. */
export interface PageFragmentInput {
  /** Language, time zone and whether the zone is named: all the translator and date formatter depend on. */
  readonly format: string;
  readonly [flag: string]: unknown;
}

/** What one post's fragment is rendered from, besides its page's shared inputs. */
export interface PostFragmentInput {
  /**
   * The post as thread-reading.ts built it for this viewer, without its HTML (given apart, as `content`)
   * and its answers (rendered apart).
   */
  readonly post: object;
  readonly [flag: string]: unknown;
}

/** The fragments of one page, whose shared inputs are encoded once for all its posts. */
export interface PageFragments {
  /**
   * The post's fragment: from the cache when these inputs and this very `content` (the post's HTML) were
   * rendered before, else rendered and kept.
   */
  render(input: PostFragmentInput, content: string, renderFresh: () => string): Buffer;
}

export interface FragmentCache {
  page(shared: PageFragmentInput): PageFragments;
  readonly size: number;
  /** What the kept fragments weigh, as the cache counts it (createFragmentCache). */
  readonly bytes: number;
}

/**
 * The key of a fragment: its inputs as JSON (dates as ISO strings), the page's shared ones then the post's,
 * on two lines (JSON has no raw line break, so no two pairs of inputs give one key), all but the post's
 * HTML, which the cache compares whole. Kept as it is, not digested: hashing it cost more than the lookup.
 * The caller leaves out what the fragment does not render (a reply's answers are fragments of their own).
 */
export function fragmentKey(shared: PageFragmentInput, input: PostFragmentInput): string {
  return keyOf(JSON.stringify(shared), input);
}

function keyOf(sharedJson: string, input: PostFragmentInput): string {
  return `${sharedJson}\n${JSON.stringify(input)}`;
}

/**
 * `html` as UTF-8 in a Buffer of its own: a small Buffer.from() is a slice of a shared 8 KB pool, which a
 * kept fragment would hold in memory whole.
 */
function encoded(html: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(html));
  bytes.write(html);
  return bytes;
}

/** A kept fragment (its HTML, encoded) and the post HTML it was rendered from. */
interface Fragment {
  readonly content: string;
  readonly html: Buffer;
}

/**
 * A least-recently-used cache of rendered fragments (lru-cache, the maintained package already in the tree
 * through @fastify/static), bounded twice: at most `max` fragments and at most `maxBytes` of them, counting
 * each fragment's bytes and, at two bytes a UTF-16 code unit (V8's widest string), its key and the post
 * HTML it was rendered from. A fragment is 1–2 KB for most posts, but a post at the length limit made of
 * `&` or table cells renders to 100 KB, and each language × time zone is a key of its own: counted only by
 * entries, one member could make the cache hold gigabytes (found by trying). Fragments over
 * `maxBytes / 128` are rendered every time and not kept.
 *
 * Fragments are kept encoded (UTF-8 Buffers): the page is assembled from them as bytes (page-slots.ts),
 * never as one string, so each is encoded once, when it is rendered, not again on every view.
 */
export function createFragmentCache(max = 20_000, maxBytes = 32 * 1024 * 1024): FragmentCache {
  const entries = new LRUCache<string, Fragment>({
    max,
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 128),
    sizeCalculation: (entry, key) => Math.max(1, (key.length + entry.content.length) * 2 + entry.html.length),
  });
  return {
    page(shared) {
      const sharedJson = JSON.stringify(shared);
      return {
        render(input, content, renderFresh) {
          const key = keyOf(sharedJson, input);
          const hit = entries.get(key);
          if (hit !== undefined && hit.content === content) return hit.html;
          const html = encoded(renderFresh());
          entries.set(key, { content, html });
          return html;
        },
      };
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return entries.calculatedSize;
    },
  };
}
