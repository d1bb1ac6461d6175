import { readFileSync } from 'node:fs';
// sanitize-html's own parser (a dependency of it, not of Ágora): a real HTML tokenizer, not a regular expression.
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, USER_LINK_REL } from '../../src/markdown/markdown.js';
import { type PostMarkdownContext, renderPostMarkdown } from '../../src/markdown/post-markdown.js';

const IMAGE_ID = '0b6f3c1e-8a2d-4c5b-9e7f-1a2b3c4d5e6f';
const IMAGE_URL = `/attachments/${IMAGE_ID}/plaza.jpg`;
const context: PostMarkdownContext = {
  knownHandles: new Set(['ana', 'pep_marti']),
  images: new Map([[IMAGE_ID, { url: IMAGE_URL }]]),
};

/** The payloads of tests/unit/fixtures/owasp-xss-payloads.txt, as [name, payload]. */
function loadPayloads(): [string, string][] {
  const text = readFileSync(new URL('fixtures/owasp-xss-payloads.txt', import.meta.url), 'utf8');
  const parts = text.split(/^@@@@ (.*)\n/m).slice(1);
  const payloads: [string, string][] = [];
  for (let i = 0; i < parts.length; i += 2) {
    payloads.push([parts[i] ?? '', (parts[i + 1] ?? '').replace(/\n$/, '')]);
  }
  return payloads;
}

// Control characters that do not belong in a text file.
const CONTROL_PAYLOADS: [string, string][] = [
  ['Break up JavaScript directive with null (OWASP)', '<IMG SRC=java\0script:alert("XSS")>'],
  ['Markdown: null inside the scheme', '[x](java\0script:alert(1))'],
  ['Markdown: control character before the scheme', '[x](\u0001javascript:alert(1))'],
  ['Markdown: soft hyphen inside the scheme', '[x](java\u00adscript:alert(1))'],
  ['Markdown: zero-width space inside the scheme', '[x](java\u200bscript:alert(1))'],
  ['Markdown: null in an attachment reference', `![x](attachment:${IMAGE_ID}\0)`],
];

const PAYLOADS = [...loadPayloads(), ...CONTROL_PAYLOADS];

type Allowlist = Readonly<Record<string, readonly string[]>>;

const BLOCK_AND_TEXT: Allowlist = {
  p: [],
  br: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  blockquote: [],
  ul: [],
  ol: ['start'],
  li: [],
  strong: [],
  em: [],
  s: [],
  del: [],
  code: [],
  pre: [],
  hr: [],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: [],
  td: [],
};

/** What a post's HTML may hold: the sanitizer's allowlist. */
const POST_ALLOWED: Allowlist = { ...BLOCK_AND_TEXT, a: ['href', 'rel', 'class'], img: ['src', 'alt', 'loading'] };

/** What a bio's HTML may hold (not sanitized: markdown-it alone): no image, links keep their title, fences their language. */
const BIO_ALLOWED: Allowlist = { ...BLOCK_AND_TEXT, a: ['href', 'rel', 'title'], code: ['class'] };

/** Named for the record: the allowlists leave them out already. */
const FORBIDDEN = ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'style', 'meta', 'base', 'form', 'link'];

/**
 * Everything wrong with the HTML: elements or attributes outside the allowlist, addresses that are not
 * http(s)/mailto or our own /u/ and /t/ pages, images that are not the context's, comments, CDATA,
 * declarations. A second pass reads every "<" in the raw text, so that a disagreement between htmlparser2 and
 * a browser's parser cannot hide a tag.
 */
function violations(html: string, allowed: Allowlist, imageUrls: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (FORBIDDEN.includes(name)) found.push(`forbidden element <${name}>`);
        const allowedAttributes = allowed[name];
        if (allowedAttributes === undefined) {
          found.push(`element <${name}>`);
          return;
        }
        for (const [attribute, value] of Object.entries(attribs)) {
          if (!allowedAttributes.includes(attribute)) found.push(`attribute ${attribute} on <${name}>`);
          if (attribute === 'href' && !isAllowedHref(value)) found.push(`href ${JSON.stringify(value)}`);
          if (attribute === 'src' && !imageUrls.has(value)) found.push(`img src ${JSON.stringify(value)}`);
          if (attribute === 'class' && !allowedClass(name, value)) found.push(`class ${JSON.stringify(value)}`);
          if (attribute === 'loading' && value !== 'lazy') found.push(`loading ${JSON.stringify(value)}`);
          if (attribute === 'start' && !/^\d+$/.test(value)) found.push(`start ${JSON.stringify(value)}`);
        }
        if (name === 'a' && isExternal(attribs.href ?? '') && attribs.rel !== USER_LINK_REL) {
          found.push(`external link without rel: ${JSON.stringify(attribs)}`);
        }
        if (name === 'a' && attribs.href === undefined) found.push('link without href');
        if (name === 'img' && attribs.src === undefined) found.push('img without src');
      },
      oncomment(data) {
        found.push(`comment ${JSON.stringify(data)}`);
      },
      oncdatastart() {
        found.push('CDATA section');
      },
      onprocessinginstruction(name) {
        found.push(`declaration or processing instruction ${JSON.stringify(name)}`);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  for (const match of html.matchAll(/<(\/?)([^\s/>]*)/g)) {
    const name = (match[2] ?? '').toLowerCase();
    if (allowed[name] === undefined) found.push(`raw "<${match[1]}${match[2]}"`);
  }
  return found;
}

function isExternal(href: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(href);
}

function isAllowedHref(href: string): boolean {
  return (isExternal(href) && URL.canParse(href)) || /^\/[ut]\/[^/\s]/.test(href);
}

function allowedClass(tag: string, value: string): boolean {
  if (tag === 'a') return value === 'mention' || value === 'topic';
  return tag === 'code' && /^language-\S+$/.test(value);
}

describe('the XSS checker', () => {
  const images = new Set([IMAGE_URL]);

  it.each([
    ['<script>alert(1)</script>', 'forbidden element <script>'],
    ['<p onclick="alert(1)">x</p>', 'attribute onclick on <p>'],
    ['<td style="color:red">x</td>', 'attribute style on <td>'],
    ['<a href="javascript:alert(1)" rel="nofollow noopener noreferrer ugc">x</a>', 'href "javascript:alert(1)"'],
    ['<a href="&#106;avascript:alert(1)">x</a>', 'href "javascript:alert(1)"'],
    ['<a href="//evil.example">x</a>', 'href "//evil.example"'],
    ['<a href="https://example.org">x</a>', 'external link without rel'],
    ['<a href="/u/ana" class="evil">x</a>', 'class "evil"'],
    ['<img src="https://evil.example/p.gif" alt="">', 'img src "https://evil.example/p.gif"'],
    [`<img src="/attachments/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}">`, 'img src'],
    ['<svg><circle /></svg>', 'element <svg>'],
    ['<iframe srcdoc="x"></iframe>', 'forbidden element <iframe>'],
    ['<form><button formaction="x">y</button></form>', 'forbidden element <form>'],
    ['<!-- x -->', 'comment'],
    ['<![CDATA[x]]>', 'raw "<![CDATA'],
    ['<!doctype html>', 'declaration'],
    ['<math><mi>x</mi></math>', 'element <math>'],
  ])('flags %s', (html, expected) => {
    const found = violations(html, POST_ALLOWED, images);
    expect(found.join('\n')).toContain(expected);
  });

  it('flags an <img> in a bio', () => {
    expect(violations(`<img src="${IMAGE_URL}" alt="">`, BIO_ALLOWED, new Set())).toContain('element <img>');
  });

  it('accepts what the renderers are meant to produce', () => {
    const html =
      `<p><a href="https://example.org" rel="${USER_LINK_REL}">x</a> <a href="/u/ana" class="mention">@ana</a> ` +
      `<a href="/t/tema" class="topic">#tema</a> <img src="${IMAGE_URL}" alt="x" loading="lazy" /></p>\n` +
      '<ol start="3">\n<li>a &lt;script&gt;</li>\n</ol>\n';
    expect(violations(html, POST_ALLOWED, images)).toEqual([]);
  });
});

describe('XSS payloads (OWASP filter evasion cheat sheet and Markdown-specific)', () => {
  it('has the whole corpus', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(400);
    expect(new Set(PAYLOADS.map(([name]) => name)).size).toBe(PAYLOADS.length);
    expect(PAYLOADS.every(([, payload]) => payload.trim() !== '')).toBe(true);
  });

  it.each(PAYLOADS)('%s', (_name, payload) => {
    const post = renderPostMarkdown(payload, context);
    expect(violations(post.html, POST_ALLOWED, new Set([IMAGE_URL]))).toEqual([]);
    expect(violations(renderMarkdown(payload), BIO_ALLOWED, new Set())).toEqual([]);
  });

  it('checks real links and images, not only escaped text', () => {
    const posts = PAYLOADS.map(([, payload]) => renderPostMarkdown(payload, context).html).join('\n');
    expect(posts).toContain(`<img src="${IMAGE_URL}"`);
    expect(posts).toContain('<a href="/u/ana" class="mention">');
    expect(posts).toContain('class="topic"');
    expect(posts).toContain(`rel="${USER_LINK_REL}"`);
    const bios = PAYLOADS.map(([, payload]) => renderMarkdown(payload)).join('\n');
    expect(bios).toContain(`rel="${USER_LINK_REL}"`);
    expect(bios).toContain('<table>');
  });
});
