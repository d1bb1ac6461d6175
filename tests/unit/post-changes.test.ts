import { describe, expect, it } from 'vitest';
import { type EditableState, isSubmissionKey, isUnchangedEdit, sameText } from '../../src/threads/post-changes.js';

const before: EditableState = {
  title: 'Licencias de obra menor',
  body: 'El texto.',
  tag: 'PROFESSIONAL',
  onBehalfOf: null,
  attachmentIds: ['a', 'b'],
};

describe('isUnchangedEdit', () => {
  it('sees the same title, text, tag, voice and files (in any order) as no change', () => {
    expect(isUnchangedEdit(before, { ...before })).toBe(true);
    expect(isUnchangedEdit(before, { ...before, attachmentIds: ['b', 'a'] })).toBe(true);
    expect(isUnchangedEdit({ ...before, title: null }, { ...before, title: null })).toBe(true);
  });

  it.each([
    ['the title', { title: 'Otro título' }],
    ['the text', { body: 'El texto. ' }],
    ['the tag', { tag: 'PERSONAL' }],
    ['a file removed', { attachmentIds: ['a'] }],
    ['a file added', { attachmentIds: ['a', 'b', 'c'] }],
    ['a file swapped', { attachmentIds: ['a', 'c'] }],
  ])('sees a change of %s', (_what, change) => {
    expect(isUnchangedEdit(before, { ...before, ...change })).toBe(false);
  });

  it('keeps an organizational post’s voice when the form names none, and sees another voice as a change', () => {
    const official = { ...before, tag: 'ORGANIZATIONAL', onBehalfOf: 'org-1' };
    expect(isUnchangedEdit(official, { ...official, onBehalfOf: null })).toBe(true);
    expect(isUnchangedEdit(official, { ...official, onBehalfOf: 'org-2' })).toBe(false);
    expect(isUnchangedEdit(official, { ...official, tag: 'PROFESSIONAL', onBehalfOf: null })).toBe(false);
  });
});

describe('sameText', () => {
  it('sees the same lines sent as CRLF by a browser and stored as LF as the same text, and other text as other', () => {
    expect(sameText('Una línea\nOtra\n\nFin', 'Una línea\r\nOtra\r\n\r\nFin')).toBe(true);
    expect(sameText('a\rb', 'a\nb')).toBe(true);
    expect(sameText('a\nb', 'a b')).toBe(false);
    expect(sameText('a\n\nb', 'a\nb')).toBe(false);
  });
});

describe('isSubmissionKey', () => {
  it('accepts the keys forms carry and nothing else', () => {
    expect(isSubmissionKey('0b6f7c9e-2b1d-4f55-9a0e-7f1c2d3e4a5b')).toBe(true);
    expect(isSubmissionKey('')).toBe(false);
    expect(isSubmissionKey('short')).toBe(false);
    expect(isSubmissionKey("x' OR 1=1 --aaaaaaaaaa")).toBe(false);
    expect(isSubmissionKey(undefined)).toBe(false);
    expect(isSubmissionKey(['0b6f7c9e-2b1d-4f55-9a0e-7f1c2d3e4a5b'])).toBe(false);
  });
});
