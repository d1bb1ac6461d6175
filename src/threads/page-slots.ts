import { randomBytes } from 'node:crypto';

// A long thread's page is ~200 KB, most of it the posts' cached fragments (post-fragments.ts). Built as one
// string, it was a rope that V8 had to flatten into a string of its own before encoding it for the socket,
// and a string over 128 KB goes to V8's large-object space: that copy and its garbage cost more than 2 ms a
// view (issue 15). So the page is assembled as bytes instead: the template renders each fragment as a
// placeholder (`slot`), and `assemble` encodes the template's output — the small shell around the posts —
// and puts each fragment's bytes where its placeholder was.
//
// The placeholders carry a random number drawn once per process that is never sent (every placeholder is
// replaced), so nobody can write one into a title, a name or a form's typed values; and one that somehow
// was would only repeat a fragment of the very page being assembled, which its viewer is shown anyway.

const NONCE = randomBytes(16).toString('hex');
const PLACEHOLDER = new RegExp(`<!--slot:${NONCE}:(\\d+)-->`);

export interface PageSlots {
  /** What the template outputs (raw, `<%~ %>`) where `bytes` go in the page. */
  slot(bytes: Buffer): string;
  /** The page: `shell` (the template's output) encoded as UTF-8, each placeholder replaced by its bytes. */
  assemble(shell: string): Buffer;
}

export function createPageSlots(): PageSlots {
  const contents: Buffer[] = [];
  return {
    slot(bytes) {
      contents.push(bytes);
      return `<!--slot:${NONCE}:${contents.length - 1}-->`;
    },
    assemble(shell) {
      // With a capturing group, split() gives the text between placeholders at even indexes and each
      // placeholder's number at odd ones.
      const parts = shell.split(PLACEHOLDER);
      const chunks: Buffer[] = [];
      let length = 0;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        const chunk = i % 2 === 0 ? Buffer.from(part) : contents[Number(part)];
        if (chunk === undefined || chunk.length === 0) continue;
        chunks.push(chunk);
        length += chunk.length;
      }
      return Buffer.concat(chunks, length);
    },
  };
}
