import { describe, expect, it } from 'vitest';
import {
  compileWatchedWords,
  foldWord,
  strongestAction,
  typedEntryProblem,
  watchedWordKey,
  watchedWordProblem,
} from '../../src/policy/watched-words.js';

describe('foldWord', () => {
  it('folds case and accents, but keeps ñ, ç and the middle dot', () => {
    expect(foldWord('Contratación')).toBe('contratacion');
    expect(foldWord('CANÇÓ')).toBe('cançó'.normalize('NFC').replace('ó', 'o'));
    expect(foldWord('AÑO')).toBe('año');
    expect(foldWord('Col·legi')).toBe('col·legi');
    expect(foldWord('pingüino')).toBe('pinguino');
    expect(foldWord('l’Ajuntament')).toBe("l'ajuntament");
  });
});

describe('watchedWordProblem', () => {
  it('refuses empty, too long, wordless and too many words; accepts metacharacters as literal text', () => {
    expect(watchedWordProblem('')).toBe('empty');
    expect(watchedWordProblem('   ')).toBe('empty');
    expect(watchedWordProblem('a'.repeat(101))).toBe('too-long');
    expect(watchedWordProblem('.*+?^$()[]{}|\\')).toBe('no-word');
    expect(watchedWordProblem('uno dos tres cuatro cinco seis siete ocho nueve')).toBe('too-many-words');
    expect(watchedWordProblem('(a+)+$')).toBeNull();
    expect(watchedWordProblem('uso interno')).toBeNull();
  });
  it('refuses, in a form, entries with signs that would be dropped (typedEntryProblem)', () => {
    expect(typedEntryProblem('(a+)+$')).toBe('not-words');
    expect(typedEntryProblem('\\b')).toBe('not-words');
    expect(typedEntryProblem('.*')).toBe('no-word');
    expect(typedEntryProblem("uso interno l'ajuntament i col·legi")).toBeNull();
    expect(typedEntryProblem('e-mail S.L.')).toBeNull();
  });
  it('gives one key to entries that match the same texts', () => {
    expect(watchedWordKey('  Uso   INTERNO ')).toBe(watchedWordKey('uso interno'));
    expect(watchedWordKey('año')).not.toBe(watchedWordKey('ano'));
  });
});

describe('compileWatchedWords', () => {
  const matcher = compileWatchedWords([
    { phrase: 'chorizo', action: 'flag' },
    { phrase: 'uso interno', action: 'hold' },
    { phrase: 'Año', action: 'block' },
    { phrase: 'col·legi', action: 'flag' },
    { phrase: '(a+)+$', action: 'block' },
    { phrase: '   ', action: 'block' },
  ]);

  it('matches whole words, in any case and with or without accents, with their offsets', () => {
    const text = 'Documento de USO   INTERNO: no lo reenviéis.';
    expect(matcher.find(text)).toEqual([{ phrase: 'uso interno', action: 'hold', start: 13, end: 26 }]);
    expect(text.slice(13, 26)).toBe('USO   INTERNO');
    expect(matcher.find('uso, interno')).toHaveLength(1);
    expect(matcher.find('Chorizo y CHORIZO')).toHaveLength(2);
  });

  it('does not match inside longer words, and keeps ñ distinct from n', () => {
    expect(matcher.find('chorizos')).toEqual([]);
    expect(matcher.find('el ano pasado')).toEqual([]);
    expect(matcher.find('el AÑO pasado').map((m) => m.action)).toEqual(['block']);
    expect(matcher.find('el col·legi i el collegi').map((m) => m.phrase)).toEqual(['col·legi']);
    expect(matcher.find('usointerno')).toEqual([]);
  });

  it('treats regular-expression characters as words, never as patterns', () => {
    // "(a+)+$" is the word "a" between punctuation: it matches that word, never "aaaa" as a pattern would.
    expect(matcher.find('aaaa')).toEqual([]);
    expect(matcher.find('(a+)+$').map((m) => m.action)).toEqual(['block']);
    expect(matcher.find('la opción a').map((m) => m.action)).toEqual(['block']);
    // A text made to make a backtracking pattern slow is as fast as any other.
    const started = performance.now();
    matcher.find(`${'a'.repeat(20_000)}!`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('keeps the stronger action when two entries match the same texts', () => {
    const both = compileWatchedWords([
      { phrase: 'Borrador', action: 'flag' },
      { phrase: 'borrador', action: 'block' },
    ]);
    expect(both.find('un borrador').map((m) => m.action)).toEqual(['block']);
    expect(strongestAction(both.find('un borrador'))).toBe('block');
    expect(strongestAction([])).toBeNull();
    expect(strongestAction([{ action: 'flag' }, { action: 'hold' }])).toBe('hold');
  });

  it('judges a 20,000-character post against 1,000 entries quickly (figures in the bench; printed here)', () => {
    const entries = Array.from({ length: 1_000 }, (_, i) => ({
      phrase: i % 3 === 0 ? `palabra${i} vigilada` : `término${i}`,
      action: 'flag' as const,
    }));
    const big = compileWatchedWords(entries);
    const words = 'El pleno del ayuntamiento aprobó ayer el presupuesto del año que viene con término17 ';
    const text = words.repeat(Math.ceil(20_000 / words.length)).slice(0, 20_000);
    for (let i = 0; i < 100; i++) big.find(text); // warm up, as a running server is
    const runs = 200;
    const started = performance.now();
    let found = 0;
    for (let i = 0; i < runs; i++) found = big.find(text).length;
    const each = (performance.now() - started) / runs;
    expect(found).toBeGreaterThan(200);
    console.info(`watched words: 1,000 entries, 20,000 characters: ${each.toFixed(3)} ms per post`);
  });
});
