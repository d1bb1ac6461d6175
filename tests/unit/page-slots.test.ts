import { describe, expect, it } from 'vitest';
import { createPageSlots } from '../../src/threads/page-slots.js';

// The thread page assembled as bytes: the template's output with each placeholder replaced by its fragment.

describe('a page assembled from slots', () => {
  it('puts each fragment’s bytes where its placeholder was, the shell around them encoded as UTF-8', () => {
    const slots = createPageSlots();
    const a = slots.slot(Buffer.from('<p>año · l·l</p>'));
    const b = slots.slot(Buffer.from('<p>“b” 🙂</p>'));
    const shell = `<ol><li>${a}</li><li>Ñandú ${b}</li></ol>—`;
    expect(slots.assemble(shell).toString()).toBe('<ol><li><p>año · l·l</p></li><li>Ñandú <p>“b” 🙂</p></li></ol>—');
  });

  it('assembles a shell without placeholders, one that starts or ends with one, and empty fragments', () => {
    const slots = createPageSlots();
    expect(slots.assemble('').length).toBe(0);
    expect(slots.assemble('<p>sin huecos</p>').toString()).toBe('<p>sin huecos</p>');
    const a = slots.slot(Buffer.from('A'));
    const empty = slots.slot(Buffer.alloc(0));
    const b = slots.slot(Buffer.from('B'));
    expect(slots.assemble(`${a}${empty}|${b}`).toString()).toBe('A|B');
    // A placeholder used twice puts its fragment twice.
    expect(slots.assemble(`${a}-${a}`).toString()).toBe('A-A');
  });

  it('replaces only its own placeholders: text that looks like one stays text, fragments are not scanned', () => {
    const slots = createPageSlots();
    const inner = slots.slot(Buffer.from('SECRET'));
    // A fragment whose bytes hold a placeholder (they cannot, but if they did) is put as it is.
    const outer = slots.slot(Buffer.from(`<p>${inner}</p>`));
    expect(slots.assemble(outer).toString()).toBe(`<p>${inner}</p>`);
    // Someone typing a placeholder without this process's random number gets their text back.
    const forged = inner.replace(/slot:[0-9a-f]+:/, 'slot:00000000000000000000000000000000:');
    expect(forged).not.toBe(inner);
    expect(slots.assemble(`<h1>${forged}</h1>`).toString()).toBe(`<h1>${forged}</h1>`);
    // Another page's placeholders are numbered for that page: each page has its own fragments.
    const other = createPageSlots();
    const mine = other.slot(Buffer.from('OTHER'));
    expect(mine).toBe(slots.slot(Buffer.from('x')).replace(/:\d+-->$/, ':0-->'));
    expect(other.assemble(mine).toString()).toBe('OTHER');
  });
});
