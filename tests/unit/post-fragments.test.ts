import { describe, expect, it } from 'vitest';
import { createFragmentCache, fragmentKey } from '../../src/threads/post-fragments.js';

// The thread page's cache of rendered posts: same inputs, same fragment; any input changed, rendered again;
// at most `max` kept, the least recently used dropped first.

const input = (id: string, extra: Record<string, unknown> = {}) => ({
  post: { id, html: `<p>${id}</p>`, createdAt: new Date('2026-11-30T10:00:00Z') },
  format: 'es|Europe/Madrid|zone',
  own: false,
  ...extra,
});

describe('the cache of rendered posts', () => {
  it('renders once for the same inputs, again when any of them changes', () => {
    const cache = createFragmentCache();
    let renders = 0;
    const render = (html: string) => () => {
      renders++;
      return html;
    };
    expect(cache.render(input('a'), render('A'))).toBe('A');
    expect(cache.render(input('a'), render('stale'))).toBe('A');
    expect(renders).toBe(1);
    expect(cache.render(input('a', { own: true }), render('A, own'))).toBe('A, own');
    expect(cache.render(input('a', { format: 'en|Europe/Madrid|zone' }), render('A, en'))).toBe('A, en');
    expect(cache.render({ ...input('a'), post: { ...input('a').post, html: '<p>edited</p>' } }, render('A2'))).toBe(
      'A2',
    );
    expect(renders).toBe(4);
  });

  it('keeps at most max fragments, dropping the least recently used', () => {
    const cache = createFragmentCache(2);
    let renders = 0;
    const render = () => {
      renders++;
      return `render ${renders}`;
    };
    cache.render(input('a'), render);
    cache.render(input('b'), render);
    cache.render(input('a'), render); // a is now the most recent
    cache.render(input('c'), render); // b goes
    expect(cache.size).toBe(2);
    expect(renders).toBe(3);
    cache.render(input('a'), render);
    expect(renders).toBe(3);
    cache.render(input('b'), render);
    expect(renders).toBe(4);
  });

  it('holds at most maxBytes, and never keeps a fragment over maxBytes / 128 (a post of 20,000 `&` renders to 100 KB)', () => {
    const cache = createFragmentCache(20_000, 1024 * 1024);
    const heavy = '&amp;'.repeat(20_000);
    let renders = 0;
    for (let i = 0; i < 200; i++) {
      cache.render(input(`p${i}`), () => {
        renders++;
        return `<p>${'x'.repeat(3_000)}</p>`;
      });
      expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(cache.size).toBeLessThan(200);
    // Over the per-fragment bound: rendered each time, never kept.
    const before = renders;
    cache.render(input('heavy'), () => {
      renders++;
      return heavy;
    });
    cache.render(input('heavy'), () => {
      renders++;
      return heavy;
    });
    expect(renders - before).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('keys on every input, dates included', () => {
    const later = { ...input('a'), post: { ...input('a').post, createdAt: new Date('2026-11-30T10:00:01Z') } };
    expect(fragmentKey(input('a'))).toBe(fragmentKey(input('a')));
    expect(fragmentKey(later)).not.toBe(fragmentKey(input('a')));
  });
});
