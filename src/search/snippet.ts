import MarkdownIt from 'markdown-it';
import { foldText } from '../text/fold.js';

// A result's excerpt: a window of the post's text around the first word that matched, with the matched
// words marked. Built here rather than with ts_headline, which returns the document's text unescaped and
// marks only words whose own stem is in the query (so "contratacion", typed without its accent, would
// mark nothing in "contratación"). The text is escaped first and only <mark> is added.

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (sign) => ESCAPES[sign] ?? sign);
}

/** A link's or image's destination in Markdown: anything but parentheses, or balanced pairs of them. */
const DESTINATION = String.raw`\((?:[^()\s]|\([^()]*\))*(?:\s+"[^"]*")?\)`;
const IMAGE = new RegExp(String.raw`!\[([^\]]*)\]${DESTINATION}`, 'g');
const LINK = new RegExp(String.raw`\[([^\]]*)\]${DESTINATION}`, 'g');
const markdown = new MarkdownIt();

/**
 * A post's Markdown as plain text: link targets (parentheses inside them too), images, emphasis marks,
 * headings and quotes dropped, and entities and backslash escapes read as the page shows them
 * (markdown-it's own unescapeAll: "&lt;i&gt;" is "<i>", "\\*" is "*").
 */
export function plainText(source: string): string {
  return markdown.utils.unescapeAll(
    source
      .replace(IMAGE, '$1')
      .replace(LINK, '$1')
      .replace(/^\s{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
      .replace(/(?<!\\)[*_`~]+/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

const WORD = /[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}_]|[·'’-](?=[\p{L}\p{N}]))*/gu;

/** Whether a word matches one of the query's lexemes (stems, folded): the folded word starts with it. */
function matches(word: string, lexemes: readonly string[]): boolean {
  const folded = foldText(word).replaceAll('·', '');
  return lexemes.some((lexeme) => folded.startsWith(lexeme));
}

/**
 * The excerpt of `text` (plain text) around the first word matching `lexemes` (folded stems, as
 * tsquery's lexemes; src/search/search.service.ts), at most about `length` characters, cut at word
 * boundaries with "…" where it was cut. HTML: escaped, with matches in <mark>. Pure.
 */
export function highlightSnippet(text: string, lexemes: readonly string[], length = 240): string {
  const folded = lexemes.map((lexeme) => foldText(lexeme).replaceAll('·', '')).filter((lexeme) => lexeme.length > 0);
  const words = [...text.matchAll(WORD)];
  const first = words.find((word) => matches(word[0], folded));
  let start = 0;
  if (first && first.index > length / 3) {
    start = first.index - Math.floor(length / 3);
    const space = text.indexOf(' ', start);
    start = space === -1 || space > first.index ? first.index : space + 1;
  }
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start) end = space;
  }
  let html = '';
  let position = start;
  for (const word of words) {
    if (word.index < start || word.index + word[0].length > end) continue;
    if (!matches(word[0], folded)) continue;
    html += `${escapeHtml(text.slice(position, word.index))}<mark>${escapeHtml(word[0])}</mark>`;
    position = word.index + word[0].length;
  }
  html += escapeHtml(text.slice(position, end));
  return `${start > 0 ? '…' : ''}${html}${end < text.length ? '…' : ''}`;
}
