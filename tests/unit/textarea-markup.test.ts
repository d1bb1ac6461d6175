import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// A browser drops one line feed straight after a <textarea> start tag (HTML, "parsing main inbody", the
// start tag "textarea"), so a value written right after the tag loses a line break the person typed at its
// start. Every template writes that line feed itself, before the value.

const viewsDir = join(import.meta.dirname, '../../views');

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templates(join(dir, entry.name)) : entry.name.endsWith('.eta') ? [join(dir, entry.name)] : [],
  );
}

describe('textarea markup', () => {
  const withTextareas = templates(viewsDir).filter((file) => readFileSync(file, 'utf8').includes('<textarea'));

  it('is found in the forms that have one', () => {
    expect(withTextareas.length).toBeGreaterThanOrEqual(10);
  });

  it.each(withTextareas.map((file) => [file.slice(viewsDir.length + 1), file]))(
    '%s writes a line feed between the start tag and the value',
    (_name, file) => {
      const source = readFileSync(file, 'utf8');
      const closings = source.split('</textarea>').length - 1;
      const guarded = source.match(/>\n<%= [^\n%]*%><\/textarea>/g) ?? [];
      expect(guarded.length).toBe(closings);
    },
  );
});
