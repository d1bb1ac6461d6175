import { describe, expect, it } from 'vitest';
import { normalizeBodyLineBreaks } from '../../src/plugins/input-guard.js';
import { limitedText, normalizeLineBreaks, textLength } from '../../src/text/limits.js';
import { mentionPrefix } from '../../src/threads/mention-suggestions.js';

describe('textLength', () => {
  it('counts a line break once, however it was sent, and a character outside the BMP once', () => {
    expect(textLength('a\r\nb')).toBe(3);
    expect(textLength('a\rb\nc')).toBe(5);
    expect(textLength('🏛️')).toBe(2); // the building and its variation selector: two code points
    expect(textLength('🏛')).toBe(1);
    expect(textLength('ñ')).toBe(1);
    expect(textLength('')).toBe(0);
  });

  it('normalises CRLF and lone CR to LF', () => {
    expect(normalizeLineBreaks('a\r\n\r\nb\rc\n')).toBe('a\n\nb\nc\n');
  });
});

describe('limitedText', () => {
  const schema = limitedText(3, { required: 'required', tooLong: 'tooLong' });

  it('accepts up to the limit in characters, refuses beyond with the count and the limit', () => {
    expect(schema.safeParse('🏛🏛🏛').success).toBe(true);
    const over = schema.safeParse('🏛🏛🏛🏛');
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]).toMatchObject({ code: 'custom', message: 'tooLong', params: { count: 4, max: 3 } });
    expect(schema.safeParse('  ').error?.issues[0]?.message).toBe('required');
  });
});

describe('normalizeBodyLineBreaks', () => {
  it('rewrites every text field of a flat form in place, lists too', () => {
    const body: Record<string, unknown> = { body: 'a\r\nb', tags: ['x\ry', 'z'], file: { filename: 'f' } };
    normalizeBodyLineBreaks(body);
    expect(body).toEqual({ body: 'a\nb', tags: ['x\ny', 'z'], file: { filename: 'f' } });
    expect(() => normalizeBodyLineBreaks(null)).not.toThrow();
  });
});

describe('mentionPrefix', () => {
  it('folds what follows the @ when it can start a handle or a name, and refuses anything else', () => {
    expect(mentionPrefix('Án')).toBe('an');
    expect(mentionPrefix('NÚÑ')).toBe('nuñ');
    expect(mentionPrefix('col·l')).toBe('col·l');
    for (const typed of ['', ' ', 'a b', '%', '_a', '-a', '@a', 'x'.repeat(41), "'; DROP"]) {
      expect(mentionPrefix(typed), typed).toBeNull();
    }
  });
});
