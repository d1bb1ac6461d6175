import { describe, expect, it } from 'vitest';
import { catalogKeys, createTranslator, LOCALES, messagePlaceholders, negotiateLocale } from '../../src/i18n/i18n.js';

describe('message catalogs', () => {
  it('offers Spanish, Catalan, Galician, Basque and English', () => {
    expect([...LOCALES]).toEqual(['es', 'ca', 'gl', 'eu', 'en']);
  });

  it.each(LOCALES.flatMap((a) => LOCALES.filter((b) => b !== a).map((b) => [a, b])))(
    'no key of %s is missing from %s',
    (from, to) => {
      const have = new Set(catalogKeys(to));
      expect(catalogKeys(from).filter((key) => !have.has(key))).toEqual([]);
    },
  );

  it('every language has the same placeholders in each message as Spanish', () => {
    const differences: string[] = [];
    for (const key of catalogKeys('es')) {
      const spanish = messagePlaceholders('es', key);
      for (const locale of LOCALES) {
        const own = messagePlaceholders(locale, key);
        if (own.join() !== spanish.join()) differences.push(`${locale} ${key}: {${own.join('}, {')}}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('names each language in itself', () => {
    const names = Object.fromEntries(LOCALES.map((locale) => [locale, createTranslator(locale)('language.name')]));
    expect(names).toEqual({ es: 'Español', ca: 'Català', gl: 'Galego', eu: 'Euskara', en: 'English' });
  });

  it('has a message for each plural category Intl.PluralRules gives for counts the pages show', () => {
    // Galician and Basque have `one` and `other`; Spanish and Catalan add `many` (millions), which falls
    // back to the plain key.
    expect(new Intl.PluralRules('gl').resolvedOptions().pluralCategories).toEqual(['one', 'other']);
    expect(new Intl.PluralRules('eu').resolvedOptions().pluralCategories).toEqual(['one', 'other']);
    expect(createTranslator('gl')('communities.memberCount', { count: 1 })).toBe('1 membro');
    expect(createTranslator('gl')('communities.memberCount', { count: 3 })).toBe('3 membros');
    expect(createTranslator('eu')('communities.memberCount', { count: 1 })).toBe('Kide 1');
    expect(createTranslator('eu')('communities.memberCount', { count: 3 })).toBe('3 kide');
  });

  it('interpolates parameters and leaves unknown placeholders visible', () => {
    const t = createTranslator('es');
    expect(t('home.organizations.count', { count: 3 })).toBe('3 administraciones y entidades colaboradoras.');
    expect(t('home.organizations.count')).toBe('{count} administraciones y entidades colaboradoras.');
    expect(createTranslator('ca')('layout.skipToContent')).toBe('Salta al contingut');
    expect(createTranslator('gl')('layout.skipToContent')).toBe('Saltar ao contido');
    expect(createTranslator('eu')('layout.skipToContent')).toBe('Joan edukira');
  });

  it('picks the singular form for a count of one where the catalog has it', () => {
    expect(createTranslator('es')('communities.memberCount', { count: 1 })).toBe('1 miembro');
    expect(createTranslator('es')('communities.memberCount', { count: 2 })).toBe('2 miembros');
    expect(createTranslator('en')('communities.memberCount', { count: 0 })).toBe('0 members');
    expect(createTranslator('ca')('communities.directory.count', { count: 1 })).toBe('1 comunitat.');
  });

  it("Node's ICU formats dates in Galician and Basque", () => {
    const at = new Date('2026-07-01T10:00:00Z');
    const long = (locale: string) =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'Europe/Madrid' }).format(at);
    expect(long('gl')).toBe('1 de xullo de 2026');
    expect(long('eu')).toBe('2026(e)ko uztailaren 1(a)');
  });
});

describe('negotiateLocale', () => {
  it.each([
    ['ca-ES,ca;q=0.9,es;q=0.8', 'ca'],
    ['en-GB,en;q=0.9', 'en'],
    ['gl-ES,gl;q=0.9,es;q=0.8', 'gl'],
    ['eu-ES,eu;q=0.9,es;q=0.5', 'eu'],
    ['EU', 'eu'],
    ['pt-PT,gl;q=0.7,es;q=0.6', 'gl'],
    ['es;q=0.5,eu;q=0.8,gl;q=0.6', 'eu'],
    ['fr-FR,fr;q=0.9,en;q=0.5,es;q=0.7', 'es'],
    ['es;q=0.2,ca;q=0.8', 'ca'],
    ['EN', 'en'],
    ['de, en;q=0', null],
    ['gl;q=0', null],
    ['fr', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });
});
