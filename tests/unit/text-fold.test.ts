import { describe, expect, it } from 'vitest';
import { foldText, likePattern, searchWords } from '../../src/text/fold.js';

// The one normalisation of Spanish, Catalan and English text (issue 12).

describe('foldText', () => {
  it.each([
    // Spanish: accents and case go, ñ stays.
    ['Contratación Pública', 'contratacion publica'],
    ['Lucía MARTÍN', 'lucia martin'],
    ['Año', 'año'],
    ['ÑANDÚ', 'ñandu'],
    ['an\u0303o', 'año'],
    ['pingüino', 'pinguino'],
    // Catalan: ç stays; the middle dot, however typed, is one sign inside the word.
    ['Plaça Major', 'plaça major'],
    ['Col·legi', 'col·legi'],
    ['Col.legi', 'col·legi'],
    ['Coŀlegi', 'col·legi'],
    ['col⋅legi', 'col·legi'],
    ['Il·lustració', 'il·lustracio'],
    ['l’Ajuntament', "l'ajuntament"],
    ['CAÇA', 'caça'],
    // English and the rest.
    ['Naïve Café', 'naive cafe'],
    ['Straße', 'strasse'],
    ['İstanbul', 'istanbul'],
    ['ﬁchero', 'fichero'],
  ])('%s → %s', (text, folded) => {
    expect(foldText(text)).toBe(folded);
  });

  it('keeps "año" and "ano", "plaça" and "placa" apart', () => {
    expect(foldText('año')).not.toBe(foldText('ano'));
    expect(foldText('plaça')).not.toBe(foldText('placa'));
  });

  it('does not join a sentence-ending dot to the next word', () => {
    expect(foldText('Fin. Luego')).toBe('fin. luego');
    expect(foldText('final. La')).toBe('final. la');
    // Only "l.l" with no space is read as the Catalan ela geminada.
    expect(foldText('total.Luego')).toBe('total·luego');
  });
});

describe('searchWords', () => {
  it('folds and splits at anything that is not part of a word', () => {
    expect(searchWords('  Lucía   MARTÍN ')).toEqual(['lucia', 'martin']);
    expect(searchWords("l'Ajuntament de Col·legi, e-mail")).toEqual(["l'ajuntament", 'de', 'col·legi', 'e-mail']);
    expect(searchWords('&|!():*')).toEqual([]);
    expect(searchWords('a b c d e f g h i j k')).toHaveLength(8);
  });
});

describe('likePattern', () => {
  it('escapes the wildcards of LIKE', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
