import type { Env, StateCore, Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { foldText } from '../text/fold.js';
import { withoutFormatCharacters } from '../text/visible-text.js';
import { createMarkdownRenderer, isAllowedUrl, USER_LINK_REL } from './markdown.js';

/** A #topic as written: its key (topicKey) and the form first written in this text, for display. */
export interface TopicReference {
  readonly key: string;
  readonly label: string;
}

/**
 * Candidates found in the source, outside code spans/blocks and outside links, deduplicated, in order of
 * first appearance: handles lower-case, topics with their key and label.
 */
export function findReferences(source: string): { handles: string[]; topics: TopicReference[] } {
  const env: PostEnv = { candidates: newReferences() };
  renderer.parse(source, env);
  return { handles: [...env.candidates.handles], topics: topicList(env.candidates.topics) };
}

export interface PostMarkdownContext {
  /** Handles (lower-case) of users that exist: only these @mentions become links. */
  readonly knownHandles: ReadonlySet<string>;
  /** This post's own image attachments, by attachment id (a UUID): only these may appear as <img>. */
  readonly images: ReadonlyMap<string, { readonly url: string }>;
}

export interface RenderedPost {
  readonly html: string; // sanitized, safe to insert raw
  readonly mentions: string[]; // handles actually linked (lower-case, dedup)
  readonly topics: TopicReference[]; // topics actually linked (dedup by key)
}

/**
 * Renders a post's Markdown like a bio (src/markdown/markdown.ts: raw HTML as text, http(s)/mailto links
 * only, with rel, headings from h3), plus: @handles of existing users and #topics become links to their
 * pages, and the post's own image attachments (![alt](attachment:<id>)) become <img>. The HTML then goes
 * through an allowlist sanitizer. The caller limits the input's length.
 */
export function renderPostMarkdown(source: string, context: PostMarkdownContext): RenderedPost {
  const linked = newReferences();
  const env: PostEnv = { candidates: newReferences(), context, linked };
  const html = sanitizeHtml(renderer.render(source, env), SANITIZE_OPTIONS);
  return { html, mentions: [...linked.handles], topics: topicList(linked.topics) };
}

/**
 * A topic's key from what follows '#' (or from a topic typed anywhere, such as an expertise on a profile or
 * /t/<any spelling>): src/text/fold.ts foldText without a leading '#' — "Contratación" → "contratacion",
 * "Año" → "año", "Col.legi" → "col·legi".
 */
export function topicKey(text: string): string {
  return foldText(withoutFormatCharacters(text).trim().replace(/^#/, ''));
}

/** A label as people write it: the middle dot written one way (ŀl, l.l → l·l), nothing else changed. */
function topicLabel(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\u0140/g, 'l·')
    .replace(/\u013F/g, 'L·')
    .replace(/(?<=[lL])[.\u2027\u22C5](?=[lL])/g, '·');
}

function topicList(topics: ReadonlyMap<string, string>): TopicReference[] {
  return [...topics].map(([key, label]) => ({ key, label }));
}

// --- Parsing ---

interface References {
  readonly handles: Set<string>;
  /** key → the first label written. */
  readonly topics: Map<string, string>;
}

/** markdown-it's env, which keeps the link reference definitions in `references`. */
interface PostEnv extends Env {
  /** Every candidate found (findReferences). */
  readonly candidates: References;
  /** Only when rendering: what may become a link, and what did. */
  readonly context?: PostMarkdownContext;
  readonly linked?: References;
}

function newReferences(): References {
  return { handles: new Set(), topics: new Map() };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** How a post refers to one of its own attachments in Markdown: ![alt](attachment:<id>). */
const ATTACHMENT_REFERENCE = new RegExp(`^attachment:(${UUID})$`, 'i');
/** The only image addresses the sanitizer lets through: the attachment route (with an optional file name). */
const ATTACHMENT_SRC = /^\/attachments\/[0-9a-f-]{36}(\/[^"'\s]*)?$/;
/** Our own pages that a post links to: a profile (/u/handle) or a topic (/t/slug, percent-encoded). */
const INTERNAL_HREF = /^\/(u|t)\/[A-Za-z0-9_%-]+$/;

/** Letters, digits and combining marks of any script, and the underscore: what a word is made of. */
const WORD = String.raw`\p{L}\p{M}\p{N}_`;
// A mention: not inside a word, an e-mail address (ana.garcia@example.org) or a path (example.org/@ana), and
// the whole handle (no "@ana" out of "@ana_garcia" or "@ana.garcia", which is how e-mail domains look).
const MENTION = String.raw`(?<![${WORD}.@+/-])@(?<handle>[A-Za-z0-9](?:[A-Za-z0-9_-]{1,28}[A-Za-z0-9]))(?![${WORD}@-]|\.[\p{L}\p{N}])`;
// A topic: a letter, then letters, digits, '_' or '-', 2–50 in all; a Catalan middle dot between two letters
// belongs to it (#col·legi, #Il·lustració, also typed "l.l"). Not inside a word (C#, page#fragment), after
// '&' (what is left of an entity) or '/' (example.org/#fragment), or after another '#'.
const TOPIC_CHAR = String.raw`(?:[\p{L}\p{M}\p{Nd}_-]|(?<=\p{L})[·\u2027\u22C5](?=\p{L})|(?<=[lL])\.(?=[lL]))`;
const TOPIC = String.raw`(?<![${WORD}&/#])#(?<topic>\p{L}${TOPIC_CHAR}{1,49})(?![${WORD}-]|[·\u2027\u22C5]\p{L})`;
const REFERENCE = new RegExp(`${MENTION}|${TOPIC}`, 'gu');

/** What a text token's neighbours contribute to the look-behind and look-ahead of REFERENCE. */
const CONTEXT_BEFORE = 1;
const CONTEXT_AFTER = 2;

/**
 * Turns @handles and #topics into links. It runs before text_join, while backslash escapes and entities are
 * still tokens of their own: "\#no", "&#35;no" and "&amp;#no" stay text. Code spans are code_inline tokens and
 * code blocks are block tokens, so neither is searched, and neither is link text (nor an image's alt text).
 */
function linkReferences(state: StateCore): void {
  const env = state.env as PostEnv;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || block.children === null) continue;
    const children = withoutForeignLinks(block.children);
    const result: Token[] = [];
    let linkDepth = 0;
    for (const [index, token] of children.entries()) {
      if (token.type === 'link_open') linkDepth++;
      else if (token.type === 'link_close') linkDepth--;
      if (token.type !== 'text' || linkDepth > 0) {
        result.push(token);
        continue;
      }
      const before = adjacentText(children, index, -1).slice(-CONTEXT_BEFORE);
      const after = adjacentText(children, index, 1).slice(0, CONTEXT_AFTER);
      result.push(...splitReferences(state, token, before, after, env));
    }
    block.children = result;
  }
}

/**
 * Links whose address is not one a post may link to: in practice [x](attachment:<id>) (validateLink lets
 * attachment: through for images). The link goes, its text stays.
 */
function withoutForeignLinks(tokens: Token[]): Token[] {
  let dropping = false;
  return tokens.filter((token) => {
    if (token.type === 'link_open' && !isAllowedUrl(String(token.attrGet('href') ?? ''))) {
      dropping = true;
      return false;
    }
    if (token.type === 'link_close' && dropping) {
      // Markdown links do not nest, so the next link_close is this link's.
      dropping = false;
      return false;
    }
    return true;
  });
}

/** The text right before (direction -1) or after (1) a token, up to the first token that is not text. */
function adjacentText(tokens: readonly Token[], index: number, direction: -1 | 1): string {
  let text = '';
  for (let i = index + direction; i >= 0 && i < tokens.length; i += direction) {
    const token = tokens[i];
    if (token === undefined || (token.type !== 'text' && token.type !== 'text_special')) break;
    text = direction === 1 ? text + token.content : token.content + text;
    if (text.length >= Math.max(CONTEXT_BEFORE, CONTEXT_AFTER)) break;
  }
  return text;
}

function splitReferences(state: StateCore, token: Token, before: string, after: string, env: PostEnv): Token[] {
  const text = before + token.content + after;
  const start = before.length;
  const end = start + token.content.length;
  const tokens: Token[] = [];
  let position = start;
  for (const match of text.matchAll(REFERENCE)) {
    const matchEnd = match.index + match[0].length;
    if (match.index < start || matchEnd > end) continue;
    const link = referenceLink(match.groups ?? {}, env);
    if (link === undefined) continue;
    if (match.index > position) tokens.push(textToken(state, text.slice(position, match.index)));
    tokens.push(...linkTokens(state, link.href, link.className, match[0]));
    position = matchEnd;
  }
  if (position === start) return [token];
  if (position < end) tokens.push(textToken(state, text.slice(position, end)));
  return tokens;
}

/** Records the candidate; gives the link to make, if any (only when rendering, and only to users that exist). */
function referenceLink(
  groups: Record<string, string | undefined>,
  env: PostEnv,
): { href: string; className: 'mention' | 'topic' } | undefined {
  const { handle: handleText, topic: topicText } = groups;
  if (handleText !== undefined) {
    const handle = handleText.toLowerCase();
    env.candidates.handles.add(handle);
    if (env.context === undefined || !env.context.knownHandles.has(handle)) return undefined;
    env.linked?.handles.add(handle);
    return { href: `/u/${handle}`, className: 'mention' };
  }
  if (topicText !== undefined) {
    const key = topicKey(topicText);
    const label = topicLabel(topicText);
    if (!env.candidates.topics.has(key)) env.candidates.topics.set(key, label);
    if (env.context === undefined) return undefined;
    if (env.linked && !env.linked.topics.has(key)) env.linked.topics.set(key, label);
    return { href: `/t/${encodeURIComponent(key)}`, className: 'topic' };
  }
  return undefined;
}

function textToken(state: StateCore, content: string): Token {
  const token = new state.Token('text', '', 0);
  token.content = content;
  return token;
}

function linkTokens(state: StateCore, href: string, className: string, label: string): Token[] {
  const open = new state.Token('link_open', 'a', 1);
  open.attrs = [
    ['href', href],
    ['class', className],
  ];
  return [open, textToken(state, label), new state.Token('link_close', 'a', -1)];
}

// --- Rendering ---

function createPostRenderer() {
  const md = createMarkdownRenderer();
  // attachment:<id> is let through for images; the same address in a link is undone by withoutForeignLinks.
  md.validateLink = (url) => isAllowedUrl(url) || ATTACHMENT_REFERENCE.test(url);
  md.core.ruler.before('text_join', 'post_references', linkReferences);

  const renderImageAsLink = md.renderer.rules.image;
  md.renderer.rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index];
    const id = ATTACHMENT_REFERENCE.exec(String(token?.attrGet('src') ?? ''))?.[1]?.toLowerCase();
    if (token === undefined || id === undefined) return renderImageAsLink?.(tokens, index, options, env, self) ?? '';
    const alt = md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], options, env));
    // Some other post's file, or none: only the alt text.
    const src = imageSource((env as PostEnv | undefined)?.context?.images.get(id)?.url);
    if (src === undefined) return alt;
    return `<img src="${md.utils.escapeHtml(src)}" alt="${alt}" loading="lazy">`;
  };
  return md;
}

/**
 * The attachment's address as the sanitizer will accept it. encodeURIComponent, which names the file in the
 * address, leaves the apostrophe alone ("L'Hospitalet.jpg"); ATTACHMENT_SRC refuses quotes of any kind.
 */
function imageSource(url: string | undefined): string | undefined {
  const src = url?.replaceAll("'", '%27');
  return src !== undefined && ATTACHMENT_SRC.test(src) ? src : undefined;
}

const renderer = createPostRenderer();

// --- Sanitizing: defence in depth, markdown-it has already escaped raw HTML ---

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    's',
    'del',
    'code',
    'pre',
    'hr',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  // No style (markdown-it aligns table cells with it), no title, no class but ours.
  allowedAttributes: { a: ['href', 'rel', 'class'], img: ['src', 'alt', 'loading'], ol: ['start'] },
  allowedClasses: { a: ['mention', 'topic'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeLink, img: sanitizeImage },
  // A link without an address (one refused above) gives its text; an image without one, nothing.
  exclusiveFilter: (frame) => {
    if (frame.tag === 'a' && frame.attribs.href === undefined) return 'excludeTag';
    return frame.tag === 'img' && frame.attribs.src === undefined;
  },
};

/** External links get rel=USER_LINK_REL and no class; ours (/u/…, /t/…) their class; any other loses its href. */
function sanitizeLink(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const href = attribs.href ?? '';
  if (isAllowedUrl(href)) return { tagName, attribs: { href, rel: USER_LINK_REL } };
  const internal = INTERNAL_HREF.exec(href);
  if (internal === null) return { tagName, attribs: {} };
  const className = internal[1] === 'u' ? 'mention' : 'topic';
  return { tagName, attribs: attribs.class === className ? { href, class: className } : { href } };
}

/** Only the attachment route as src, and always lazy. */
function sanitizeImage(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const src = attribs.src ?? '';
  if (!ATTACHMENT_SRC.test(src)) return { tagName, attribs: {} };
  return { tagName, attribs: { src, alt: attribs.alt ?? '', loading: 'lazy' } };
}
