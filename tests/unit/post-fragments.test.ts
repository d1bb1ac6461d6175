import { describe, expect, it } from 'vitest';
import { createFragmentCache, type FragmentCache, fragmentKey } from '../../src/threads/post-fragments.js';

// The thread page's cache of rendered posts: same inputs and same post HTML, same fragment; any input or the
// HTML changed, rendered again; at most `max` kept, the least recently used dropped first.

const shared = (extra: Record<string, unknown> = {}) => ({
  format: 'es|Europe/Madrid|zone',
  signedIn: false,
  ...extra,
});
const input = (id: string, extra: Record<string, unknown> = {}) => ({
  post: { id, createdAt: new Date('2026-11-30T10:00:00Z') },
  own: false,
  ...extra,
});
/** One post rendered through a page whose shared inputs are `sharedExtra`. */
const through = (
  cache: FragmentCache,
  post: ReturnType<typeof input>,
  content: string,
  render: () => string,
  sharedExtra: Record<string, unknown> = {},
) => cache.page(shared(sharedExtra)).render(post, content, render).toString();

describe('the cache of rendered posts', () => {
  it('renders once for the same inputs, again when any of them changes', () => {
    const cache = createFragmentCache();
    let renders = 0;
    const render = (html: string) => () => {
      renders++;
      return html;
    };
    expect(through(cache, input('a'), '<p>a</p>', render('A'))).toBe('A');
    expect(through(cache, input('a'), '<p>a</p>', render('stale'))).toBe('A');
    expect(renders).toBe(1);
    expect(through(cache, input('a', { own: true }), '<p>a</p>', render('A, own'))).toBe('A, own');
    expect(through(cache, input('a'), '<p>a</p>', render('A, en'), { format: 'en|Europe/Madrid|zone' })).toBe('A, en');
    expect(through(cache, input('a'), '<p>a</p>', render('A, signed in'), { signedIn: true })).toBe('A, signed in');
    expect(renders).toBe(4);
    // Each of them still served from the cache.
    expect(through(cache, input('a', { own: true }), '<p>a</p>', render('stale'))).toBe('A, own');
    expect(through(cache, input('a'), '<p>a</p>', render('stale'), { signedIn: true })).toBe('A, signed in');
    expect(renders).toBe(4);
  });

  it('serves a fragment only for the very HTML it was rendered from, compared whole', () => {
    const cache = createFragmentCache();
    let renders = 0;
    const render = (html: string) => () => {
      renders++;
      return html;
    };
    // Same key, other HTML (an edit, a mention re-rendered, a deleted post's emptied words): rendered again.
    const long = `<p>${'x'.repeat(5_000)}</p>`;
    expect(through(cache, input('a'), long, render('A'))).toBe('A');
    expect(through(cache, input('a'), `<p>${'x'.repeat(4_999)}y</p>`, render('A, last byte'))).toBe('A, last byte');
    expect(through(cache, input('a'), '', render('A, emptied'))).toBe('A, emptied');
    expect(through(cache, input('a'), `${long.slice(0, 10)}${long.slice(10)}`, render('A again'))).toBe('A again');
    // The same HTML as another string (each view reads it afresh from the database): served from the cache.
    expect(through(cache, input('a'), `${long.slice(0, 10)}${long.slice(10)}`, render('stale'))).toBe('A again');
    expect(renders).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('gives each fragment as UTF-8 in memory of its own, not a slice of a pool it would keep whole', () => {
    const cache = createFragmentCache();
    const fragment = cache.page(shared()).render(input('a'), '', () => '<p>Ñandú · l·l 🙂</p>');
    expect(fragment.toString('utf8')).toBe('<p>Ñandú · l·l 🙂</p>');
    expect(fragment.buffer.byteLength).toBe(fragment.length);
  });

  it('keeps at most max fragments, dropping the least recently used', () => {
    const cache = createFragmentCache(2);
    let renders = 0;
    const render = () => {
      renders++;
      return `render ${renders}`;
    };
    through(cache, input('a'), '', render);
    through(cache, input('b'), '', render);
    through(cache, input('a'), '', render); // a is now the most recent
    through(cache, input('c'), '', render); // b goes
    expect(cache.size).toBe(2);
    expect(renders).toBe(3);
    through(cache, input('a'), '', render);
    expect(renders).toBe(3);
    through(cache, input('b'), '', render);
    expect(renders).toBe(4);
  });

  it('holds at most maxBytes, and never keeps a fragment over maxBytes / 128 (a post of 20,000 `&` renders to 100 KB)', () => {
    const cache = createFragmentCache(20_000, 1024 * 1024);
    const heavy = '&amp;'.repeat(20_000);
    let renders = 0;
    for (let i = 0; i < 200; i++) {
      through(cache, input(`p${i}`), '', () => {
        renders++;
        return `<p>${'x'.repeat(6_000)}</p>`;
      });
      expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(cache.size).toBeLessThan(200);
    // Over the per-fragment bound: rendered each time, never kept.
    const before = renders;
    through(cache, input('heavy'), '', () => {
      renders++;
      return heavy;
    });
    through(cache, input('heavy'), '', () => {
      renders++;
      return heavy;
    });
    expect(renders - before).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('counts the keys and the post HTML kept beside each fragment in maxBytes', () => {
    const cache = createFragmentCache(20_000, 1024 * 1024);
    for (let i = 0; i < 200; i++) {
      through(cache, input(`p${i}`), 'x'.repeat(3_000), () => '<p>x</p>');
      expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(cache.size).toBeLessThan(200);
    const keyed = createFragmentCache(20_000, 1024 * 1024);
    for (let i = 0; i < 200; i++) {
      through(keyed, input(`p${i}`, { long: 'k'.repeat(3_000) }), '', () => '<p>x</p>');
      expect(keyed.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(keyed.size).toBeLessThan(200);
  });

  it('keys on every input, dates included, and no two pairs of inputs share a key', () => {
    const later = { ...input('a'), post: { ...input('a').post, createdAt: new Date('2026-11-30T10:00:01Z') } };
    expect(fragmentKey(shared(), input('a'))).toBe(fragmentKey(shared(), input('a')));
    expect(fragmentKey(shared(), later)).not.toBe(fragmentKey(shared(), input('a')));
    expect(fragmentKey(shared({ canModerate: true }), input('a'))).not.toBe(fragmentKey(shared(), input('a')));
    // Line breaks in values are escaped: a shared value cannot pass for a post's inputs, nor the reverse.
    const a = fragmentKey({ format: 'x\n{"post":1}' }, { post: {} });
    const b = fragmentKey({ format: 'x' }, { post: {}, extra: '\n{"post":1}' });
    expect(a).not.toBe(b);
    expect(a.split('\n')).toHaveLength(2);
    expect(b.split('\n')).toHaveLength(2);
  });
});
