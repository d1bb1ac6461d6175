import { describe, expect, it } from 'vitest';
import { hasVisibleText, visibleFieldText, withoutBidiControls } from '../../src/text/visible-text.js';

describe('text that is really there', () => {
  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['a byte-order mark and a word joiner', '\uFEFF\u2060'],
    ['Hangul fillers', '\u3164\u115F\uFFA0'],
    ['a Braille blank between spaces', ' \u2800 '],
    ['soft hyphens and a non-breaking space', '\u00AD\u00A0\u00AD'],
    ['direction marks', '\u200E\u200F\u061C'],
    ['a lone variation selector', '\uFE0F'],
    ['tabs and line breaks', '\t\r\n'],
  ])('finds nothing visible in %s', (_what, text) => {
    expect(hasVisibleText(text)).toBe(false);
    expect(visibleFieldText(text)).toBe('');
  });

  it.each([
    ['Spanish', 'Contratación pública'],
    ['Catalan with its middle dot', 'Col·legi d’Il·lustració'],
    ['Hebrew', 'שלום'],
    ['Arabic', 'مرحبا'],
    ['an emoji with its variation selector', '❤️'],
    ['a family emoji joined by zero-width joiners', '👨‍👩‍👧'],
    ['a subdivision flag ending in a tag character', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ])('keeps %s as written', (_what, text) => {
    expect(hasVisibleText(text)).toBe(true);
    expect(visibleFieldText(text)).toBe(text);
  });

  it('removes every bidirectional embedding, override and isolate control (UAX #9)', () => {
    const controls = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069';
    expect(withoutBidiControls(`factura${controls}fdp.exe`)).toBe('facturafdp.exe');
    expect(visibleFieldText('Factura \u202Eexe.pdf')).toBe('Factura exe.pdf');
    // Only controls: nothing is there.
    expect(visibleFieldText(controls)).toBe('');
  });

  it('removes blanks at the ends that trim() leaves, but not the white space a body may begin with', () => {
    expect(visibleFieldText('\u200BAna\uFEFF')).toBe('Ana');
    expect(visibleFieldText('  \u200BAna García\u200B  ')).toBe('  Ana García  ');
    expect(visibleFieldText('    código indentado')).toBe('    código indentado');
    // Inside a text, a zero-width space is the writer's (a break opportunity in a long word).
    expect(visibleFieldText('contratación\u200Bpública')).toBe('contratación\u200Bpública');
  });
});
