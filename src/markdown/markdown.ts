import MarkdownIt, { type MarkdownIt as MarkdownItInstance, type RendererRule, type Token } from 'markdown-it';

/** Every link in user text: no search-engine credit, no window.opener, no Referer, marked as user content. */
export const USER_LINK_REL = 'nofollow noopener noreferrer ugc';

/**
 * Only absolute http(s) and mailto URLs. Stricter than markdown-it's own check (which only refuses
 * javascript:, vbscript:, file: and most data:), so that tel:, ftp:, intent:, relative and
 * protocol-relative addresses are refused too. markdown-it has already decoded entities and escapes and
 * percent-encoded what it must; the WHATWG URL parser then refuses what a browser could not follow
 * (http:// without a host).
 */
export function isAllowedUrl(url: string): boolean {
  // The slashes are required: a browser reads "https:example.org" as a path relative to the page.
  return /^(https?:\/\/|mailto:)/i.test(url) && URL.canParse(url);
}

// User text sits under the page's own h1 and h2: its headings start at h3.
function shiftedHeadingTag(tag: string): string {
  const level = Number(tag.slice(1));
  return `h${Math.min(level + 2, 6)}`;
}

/**
 * The renderer for user-written Markdown, configured as described on renderMarkdown. Each call gives a new
 * instance, so that posts (src/markdown/post-markdown.ts) can add their own rules on top of the same base.
 */
export function createMarkdownRenderer(): MarkdownItInstance {
  const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false });
  // Links and images whose URL fails this are left as plain text by the parser.
  md.validateLink = isAllowedUrl;
  // linkify-it's defaults: URLs with a scheme and e-mail addresses become links; bare names such as
  // www.girona.cat do not (fuzzy links also catch "index.md" or "script.sh").

  md.core.ruler.push('shift_headings', (state) => {
    for (const token of state.tokens) {
      if (token.type === 'heading_open' || token.type === 'heading_close') token.tag = shiftedHeadingTag(token.tag);
    }
  });
  // No style attribute in user content (markdown-it aligns table cells with one): the post sanitizer refuses
  // it, and bios should give the same HTML. The columns lose their alignment.
  md.core.ruler.push('unstyled_tables', (state) => {
    for (const token of state.tokens) {
      if ((token.type === 'th_open' || token.type === 'td_open') && token.attrs !== null) {
        token.attrs = token.attrs.filter(([name]) => name !== 'style');
      }
    }
  });

  const renderToken: RendererRule = (tokens, index, options, _env, self) => self.renderToken(tokens, index, options);
  const renderLinkOpen = md.renderer.rules.link_open ?? renderToken;
  md.renderer.rules.link_open = (tokens, index, options, env, self) => {
    // Every link to the outside; a post's links to its own pages (/u/…, /t/…) need none.
    const token = tokens[index];
    if (token !== undefined && isAllowedUrl(String(token.attrGet('href') ?? ''))) token.attrSet('rel', USER_LINK_REL);
    return renderLinkOpen(tokens, index, options, env, self);
  };

  // No <img>: a picture in a bio, or in a post from anywhere but its own attachments, would be fetched by every
  // reader's browser (a tracking pixel, a request to any server). The image becomes a link to it, labelled
  // with its alt text.
  md.renderer.rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index];
    if (token === undefined) return '';
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    const src = String(token.attrGet('src') ?? '');
    // An image inside a link ([![logo](a.png)](https://…)) only gives its text: an <a> may not hold an <a>.
    if (isInsideLink(tokens, index)) return md.utils.escapeHtml(alt);
    const label = alt.trim() === '' ? src : alt;
    return `<a href="${md.utils.escapeHtml(src)}" rel="${USER_LINK_REL}">${md.utils.escapeHtml(label)}</a>`;
  };

  return md;
}

function isInsideLink(tokens: readonly Token[], index: number): boolean {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const type = tokens[i]?.type;
    if (type === 'link_open') depth++;
    else if (type === 'link_close') depth--;
  }
  return depth > 0;
}

const renderer = createMarkdownRenderer();

/**
 * Renders user-written Markdown (bios; posts add to it in post-markdown.ts) to HTML that is safe to insert raw
 * in a page: raw HTML is shown as text, links are http(s)/mailto only and carry rel=USER_LINK_REL, images
 * become links, headings start at h3, table cells have no style. The caller limits the input's length.
 */
export function renderMarkdown(source: string): string {
  return renderer.render(source);
}
