import { describe, expect, it } from 'vitest';
import {
  decodeSearchCursor,
  encodeSearchCursor,
  parseQuery,
  searchKey,
  TERMS_MAX,
} from '../../src/search/search-query.js';
import { highlightSnippet, plainText } from '../../src/search/snippet.js';

describe('parseQuery', () => {
  it('reads words, "phrases", prefix* and -exclusions', () => {
    expect(parseQuery('contrato "menor cuantía" licita* -obras')).toEqual({
      include: [
        { kind: 'word', text: 'contrato' },
        { kind: 'phrase', text: 'menor cuantía' },
        { kind: 'prefix', text: 'licita' },
      ],
      exclude: [{ kind: 'word', text: 'obras' }],
      dropped: 0,
    });
  });

  it('takes tsquery operators as separators only', () => {
    expect(parseQuery('&|!():*')).toEqual({ include: [], exclude: [], dropped: 0 });
    expect(parseQuery("a&b|c!d:*e'f").include.map((term) => term.text)).toEqual(['a', 'b', 'c', 'd', "e'f"]);
  });

  it('searches nothing for exclusions alone', () => {
    expect(parseQuery('-obras -contratos').include).toEqual([]);
    expect(parseQuery('-obras -contratos').exclude).toEqual([]);
  });

  it('keeps the middle dot and apostrophes inside words, and a hyphen not before a word', () => {
    expect(parseQuery("col·legi l'Ajuntament co-financiado").include.map((term) => term.text)).toEqual([
      'col·legi',
      "l'Ajuntament",
      'co-financiado',
    ]);
  });

  it(`searches at most ${TERMS_MAX} terms and says how many it left`, () => {
    const query = parseQuery('uno dos tres cuatro cinco seis siete ocho nueve diez');
    expect(query.include).toHaveLength(TERMS_MAX);
    expect(query.dropped).toBe(2);
  });

  it('needs three letters for a prefix', () => {
    expect(parseQuery('ab*').include).toEqual([{ kind: 'word', text: 'ab' }]);
  });
});

describe('search cursors', () => {
  const key = searchKey(parseQuery('contratos'), { tag: null });
  it('round-trip, and belong to their query and filters', () => {
    const cursor = {
      key,
      now: new Date('2026-11-30T10:00:00Z'),
      score: 0.123456789,
      id: '0b9c2d1e-1111-4222-8333-444455556666',
      edge: null,
    };
    expect(decodeSearchCursor(encodeSearchCursor(cursor))).toEqual(cursor);
    const edge = {
      createdAt: new Date('2026-10-01T08:00:00Z'),
      id: '1b9c2d1e-1111-4222-8333-444455556666',
      walked: true,
      recent: false,
    };
    expect(decodeSearchCursor(encodeSearchCursor({ ...cursor, edge }))).toEqual({ ...cursor, edge });
    expect(searchKey(parseQuery('Contratos'), { tag: null })).toBe(key);
    expect(searchKey(parseQuery('contratos'), { tag: 'PERSONAL' })).not.toBe(key);
    expect(searchKey(parseQuery('obras'), { tag: null })).not.toBe(key);
  });

  it('decode to nothing from anything else', () => {
    const valid = ['0123456789abcdef', '2026-11-30T10:00:00.000Z', 0.5, '0b9c2d1e-1111-4222-8333-444455556666'];
    const edge = ['2026-10-01T08:00:00.000Z', '1b9c2d1e-1111-4222-8333-444455556666'];
    const others = [
      [1, 2, 3, 4],
      [...valid, ...edge],
      [...valid, ...edge, 1],
      [...valid, ...edge, 2, 0],
      [...valid, ...edge, 1, 2],
      [...valid, 'x', edge[1], 1, 0],
    ].map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
    for (const text of ['', 'x', '%%%', ...others, 'a'.repeat(500)]) {
      expect(decodeSearchCursor(text)).toBeNull();
    }
  });
});

describe('highlightSnippet', () => {
  it('escapes the text and marks the words that match a lexeme, accents or not', () => {
    expect(highlightSnippet('La <b>Contratación</b> & otras', ['contrat'])).toBe(
      'La &lt;b&gt;<mark>Contratación</mark>&lt;/b&gt; &amp; otras',
    );
  });

  it('opens a window around the first match in a long text, cut at words', () => {
    const text = `${'palabra '.repeat(100)}contratación ${'final '.repeat(100)}`;
    const snippet = highlightSnippet(text, ['contratacion'], 120);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('<mark>contratación</mark>');
    expect(snippet.length).toBeLessThan(200);
  });

  it('plainText drops Markdown marks and link targets', () => {
    expect(plainText('## Título\n\n**Negrita** y [enlace](https://x.org) `código`\n> cita')).toBe(
      'Título Negrita y enlace código cita',
    );
  });

  it('plainText reads link targets with parentheses, entities and escapes as the page shows them', () => {
    // A probe saw "x)" for the first and "&lt;i&gt;" written out for the second.
    expect(plainText('Ver [x](javascript:alert(1)) y [ley](https://boe.es/a_(b)) fin')).toBe('Ver x y ley fin');
    expect(plainText('La etiqueta &lt;i&gt; y &amp; y &#241;')).toBe('La etiqueta <i> y & y ñ');
    expect(plainText('Un asterisco \\* suelto')).toBe('Un asterisco * suelto');
    expect(plainText('![plano](https://x.org/p.png "Plano") del solar')).toBe('plano del solar');
  });
});
