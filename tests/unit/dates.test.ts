import { describe, expect, it } from 'vitest';
import { formatDateTime, isKnownTimeZone, timeZoneName } from '../../src/i18n/dates.js';

// Noon in Madrid, eleven in the Canary Islands: summer time in both.
const AT = new Date('2026-07-01T10:00:00Z');

describe('formatDateTime', () => {
  it('shows a time in the reader zone without naming it', () => {
    expect(formatDateTime(AT, { locale: 'es', timeZone: 'Europe/Madrid', showZone: false })).toBe(
      '1 de julio de 2026 a las 12:00',
    );
    expect(formatDateTime(AT, { locale: 'es', timeZone: 'Atlantic/Canary', showZone: false })).toBe(
      '1 de julio de 2026 a las 11:00',
    );
  });

  it('formats in Galician and Basque', () => {
    expect(formatDateTime(AT, { locale: 'gl', timeZone: 'Atlantic/Canary', showZone: false })).toBe(
      '1 de xullo de 2026, 11:00',
    );
    expect(formatDateTime(AT, { locale: 'eu', timeZone: 'Europe/Madrid', showZone: false })).toBe(
      '2026(e)ko uztailaren 1(a) (12:00)',
    );
  });

  it('names the zone when asked, in the reader language', () => {
    expect(formatDateTime(AT, { locale: 'es', timeZone: 'Europe/Madrid', showZone: true })).toBe(
      '1 de julio de 2026 a las 12:00 (hora de Europa central)',
    );
    expect(formatDateTime(AT, { locale: 'gl', timeZone: 'Atlantic/Canary', showZone: true })).toBe(
      '1 de xullo de 2026, 11:00 (hora de Europa Occidental)',
    );
    expect(formatDateTime(AT, { locale: 'eu', timeZone: 'Europe/Madrid', showZone: true })).toBe(
      '2026(e)ko uztailaren 1(a) (12:00), Europako erdialdeko ordua',
    );
  });

  it('names a zone the same in winter and summer', () => {
    expect(timeZoneName('en', 'Europe/Madrid')).toBe('Central European Time');
  });
});

describe('isKnownTimeZone', () => {
  it.each([
    ['Europe/Madrid', true],
    ['Atlantic/Canary', true],
    ['UTC', true],
    ['Europe/Nowhere', false],
    ['', false],
  ])('%s → %s', (zone, known) => {
    expect(isKnownTimeZone(zone)).toBe(known);
  });
});
