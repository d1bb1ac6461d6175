import { describe, expect, it } from 'vitest';
import { dedupeTsquery } from '../../src/search/tsquery-dedupe.js';

describe('dedupeTsquery', () => {
  it('keeps each alternative of an OR once, in its first order', () => {
    expect(dedupeTsquery("'subvencion' | 'subvencion' | 'subvencion' | 'subvenciones' | 'subvenciones'")).toBe(
      "'subvencion' | 'subvenciones'",
    );
    expect(dedupeTsquery("'b' | 'a' | 'b'")).toBe("'b' | 'a'");
  });

  it('removes whole readings that languages share, and copies inside them', () => {
    expect(dedupeTsquery("( 'contrat' | 'contrat' ) & 'menor':* | ( 'contrat' | 'contrat' ) & 'menor':*")).toBe(
      "'contrat' & 'menor':*",
    );
    expect(dedupeTsquery("'obra' & !'menor' | 'obra' & !'menor' | 'obres' & !'menor'")).toBe(
      "'obra' & !'menor' | 'obres' & !'menor'",
    );
  });

  it('keeps phrases, distances, prefixes, weights and quotes as they are', () => {
    expect(dedupeTsquery("'menor' <-> 'cuantia' | 'menor' <-> 'cuantia'")).toBe("'menor' <-> 'cuantia'");
    expect(dedupeTsquery("'a' <-> 'b' <-> 'c' | 'a' <-> ( 'b' <-> 'c' )")).toBe(
      "'a' <-> 'b' <-> 'c' | 'a' <-> ( 'b' <-> 'c' )",
    );
    expect(dedupeTsquery("!( 'a' | 'a' ) & 'b'")).toBe("!'a' & 'b'");
    expect(dedupeTsquery("'a' <2> 'b'")).toBe("'a' <2> 'b'");
    expect(dedupeTsquery("'licit':*AB | 'licit':*AB")).toBe("'licit':*AB");
    expect(dedupeTsquery("'l''any' | 'l''any' | 'any'")).toBe("'l''any' | 'any'");
    // An apostrophe and an operator inside a lexeme are part of it.
    expect(dedupeTsquery("'a | b' | 'a | b'")).toBe("'a | b'");
  });

  it('gives back what it cannot read, untouched', () => {
    for (const text of ['', '   ', "'open", "'a' |", "( 'a'", "'a' ) ", 'a & b', "'a' <x> 'b'"]) {
      expect(dedupeTsquery(text)).toBe(text);
    }
  });

  it('gives back a query too deep to walk untouched, instead of throwing', () => {
    // Each operator nests its left side one level deeper: a long chain overflowed the stack (a RangeError,
    // a 500 for the search that built it). Search's 200 characters stay far below; the rewrite must not care.
    const chain = Array.from({ length: 20_000 }, (_, i) => `'w${i}'`).join(' | ');
    expect(dedupeTsquery(chain)).toBe(chain);
  });
});
