import { describe, expect, it } from 'vitest';
import { catalogKeys, createTranslator, LOCALES, negotiateLocale } from '../../src/i18n/i18n.js';

describe('message catalogs', () => {
  it('Catalan and English translate every Spanish message', () => {
    const spanish = catalogKeys('es');
    for (const locale of LOCALES) expect(catalogKeys(locale)).toEqual(spanish);
  });

  it('interpolates parameters and leaves unknown placeholders visible', () => {
    const t = createTranslator('es');
    expect(t('home.organizations.count', { count: 3 })).toBe('3 administraciones y entidades colaboradoras.');
    expect(t('home.organizations.count')).toBe('{count} administraciones y entidades colaboradoras.');
    expect(createTranslator('ca')('layout.skipToContent')).toBe('Salta al contingut');
  });

  it('picks the singular form for a count of one where the catalog has it', () => {
    expect(createTranslator('es')('communities.memberCount', { count: 1 })).toBe('1 miembro');
    expect(createTranslator('es')('communities.memberCount', { count: 2 })).toBe('2 miembros');
    expect(createTranslator('en')('communities.memberCount', { count: 0 })).toBe('0 members');
    expect(createTranslator('ca')('communities.directory.count', { count: 1 })).toBe('1 comunitat.');
  });
});

describe('negotiateLocale', () => {
  it.each([
    ['ca-ES,ca;q=0.9,es;q=0.8', 'ca'],
    ['en-GB,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9,en;q=0.5,es;q=0.7', 'es'],
    ['es;q=0.2,ca;q=0.8', 'ca'],
    ['EN', 'en'],
    ['de, en;q=0', null],
    ['fr', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });
});
