import { describe, expect, it } from 'vitest';
import { renderMarkdown, USER_LINK_REL } from '../../src/markdown/markdown.js';

const REL = 'rel="nofollow noopener noreferrer ugc"';

/** Every href in the output: none may be anything but http(s) or mailto. */
function hrefsOf(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1] ?? '');
}

describe('renderMarkdown: raw HTML is text', () => {
  it('escapes a script element', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });

  it('escapes an img with an event handler', () => {
    expect(renderMarkdown('<img src=x onerror=alert(1)>')).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>\n');
  });

  it('escapes HTML blocks and inline tags alike', () => {
    const html = renderMarkdown('<div onclick="alert(1)">\n\n*hola*\n\n</div>\n\ntexto <b onmouseover=alert(1)>b</b>');
    expect(html).not.toMatch(/<(div|b)\b/);
    expect(html).toContain('&lt;div onclick=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('<em>hola</em>');
  });

  it('escapes HTML inside code blocks and in the info string', () => {
    expect(renderMarkdown('```js\n<script>alert(1)</script>\n```')).toBe(
      '<pre><code class="language-js">&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n',
    );
    const html = renderMarkdown('```"><script>alert(1)</script>\nx\n```');
    expect(html).not.toContain('<script');
    expect(html).toContain('class="language-&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});

describe('renderMarkdown: dangerous links are left as text', () => {
  it.each([
    ['javascript:', '[x](javascript:alert(1))'],
    ['upper-case JAVASCRIPT:', '[x](JAVASCRIPT:alert(1))'],
    ['mixed-case JaVaScRiPt:', '[x](JaVaScRiPt:alert(1))'],
    ['javascript: in angle brackets', '[x](<javascript:alert(1)>)'],
    ['decimal entity', '[x](&#106;avascript:alert(1))'],
    ['hexadecimal entity', '[x](&#x6A;avascript:alert(1))'],
    ['named-entity colon', '[x](javascript&colon;alert(1))'],
    ['tab entity inside the scheme', '[x](java&#x09;script:alert(1))'],
    ['percent-encoded newline inside the scheme', '[x](java%0ascript:alert(1))'],
    ['vbscript:', '[x](vbscript:msgbox(1))'],
    ['data: HTML', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['data: image', '[x](data:image/png;base64,iVBORw0KGgo=)'],
    ['file:', '[x](file:///etc/passwd)'],
    ['tel:', '[x](tel:+34600000000)'],
    ['ftp:', '[x](ftp://example.org/file)'],
    ['a relative path', '[x](/admin)'],
    ['a protocol-relative address', '[x](//evil.example/x)'],
    ['a fragment', '[x](#top)'],
    ['https without slashes, which a browser reads as a relative path', '[x](https:evil.example)'],
    ['http without a host', '[x](http://)'],
    ['a reference definition', '[a]: javascript:alert(1)\n\n[a]'],
  ])('%s', (_name, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('href');
  });

  it('leaves autolinks with a forbidden scheme as text', () => {
    expect(renderMarkdown('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>\n');
    expect(renderMarkdown('<JAVASCRIPT:alert(1)>')).not.toContain('href');
    expect(renderMarkdown('<vbscript:msgbox(1)>')).not.toContain('href');
    expect(renderMarkdown('<data:text/html,hola>')).not.toContain('href');
  });

  it('does not linkify a forbidden scheme in plain text', () => {
    expect(renderMarkdown('mira javascript:alert(1) y ftp://example.org/x')).not.toContain('href');
  });

  it('keeps an attribute breakout inside the href', () => {
    const html = renderMarkdown('[x](https://example.org/"onmouseover="alert(1))');
    expect(html).not.toMatch(/"\s*onmouseover/);
    expect(hrefsOf(html)).toEqual(['https://example.org/%22onmouseover=%22alert(1)']);
  });
});

describe('renderMarkdown: links', () => {
  it('renders http(s) and mailto links with rel and without target', () => {
    expect(USER_LINK_REL).toBe('nofollow noopener noreferrer ugc');
    expect(renderMarkdown('[sede](https://sede.example.gob.es/tramites)')).toBe(
      `<p><a href="https://sede.example.gob.es/tramites" ${REL}>sede</a></p>\n`,
    );
    expect(renderMarkdown('[web](http://example.org)')).toBe(`<p><a href="http://example.org" ${REL}>web</a></p>\n`);
    expect(renderMarkdown('[escríbeme](mailto:ana@example.org)')).toBe(
      `<p><a href="mailto:ana@example.org" ${REL}>escríbeme</a></p>\n`,
    );
    expect(renderMarkdown('[x](https://example.org)')).not.toContain('target');
  });

  it('escapes the title and keeps it', () => {
    expect(renderMarkdown('[enlace](https://example.org "tí<tu>lo")')).toBe(
      `<p><a href="https://example.org" title="tí&lt;tu&gt;lo" ${REL}>enlace</a></p>\n`,
    );
  });

  it('gives rel to autolinks and escapes their ampersands', () => {
    expect(renderMarkdown('<https://example.org/a?b=1&c=2>')).toBe(
      `<p><a href="https://example.org/a?b=1&amp;c=2" ${REL}>https://example.org/a?b=1&amp;c=2</a></p>\n`,
    );
  });

  it('linkifies URLs with a scheme and e-mail addresses, not bare host names', () => {
    const html = renderMarkdown('Visita https://www.girona.cat o www.bcn.cat y escribe a info@ajuntament.cat');
    expect(hrefsOf(html)).toEqual(['https://www.girona.cat', 'mailto:info@ajuntament.cat']);
    expect(html).toBe(
      `<p>Visita <a href="https://www.girona.cat" ${REL}>https://www.girona.cat</a> o www.bcn.cat y escribe a ` +
        `<a href="mailto:info@ajuntament.cat" ${REL}>info@ajuntament.cat</a></p>\n`,
    );
  });
});

describe('renderMarkdown: images become links', () => {
  it('renders an image as a link labelled with its alt text, never as <img>', () => {
    expect(renderMarkdown('![foto de la plaça](https://example.org/plaza.jpg)')).toBe(
      `<p><a href="https://example.org/plaza.jpg" ${REL}>foto de la plaça</a></p>\n`,
    );
  });

  it('labels an image without alt text with its address', () => {
    expect(renderMarkdown('![](https://example.org/p.png)')).toBe(
      `<p><a href="https://example.org/p.png" ${REL}>https://example.org/p.png</a></p>\n`,
    );
  });

  it('escapes the alt text', () => {
    const html = renderMarkdown('![<img src=x onerror=alert(1)>](https://example.org/p.png)');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;</a>');
  });

  it('gives only the alt text of an image inside a link: no link inside a link', () => {
    expect(renderMarkdown('[![logo](https://example.org/l.png)](https://example.org)')).toBe(
      `<p><a href="https://example.org" ${REL}>logo</a></p>\n`,
    );
  });

  it('leaves an image with a forbidden address as text', () => {
    for (const source of ['![x](javascript:alert(1))', '![x](data:image/png;base64,iVBORw0KGgo=)', '![x](/a.png)']) {
      const html = renderMarkdown(source);
      expect(html).not.toContain('<img');
      expect(html).not.toContain('href');
    }
  });
});

describe('renderMarkdown: text', () => {
  it('renders emphasis and inline code', () => {
    expect(renderMarkdown('**negreta** _cursiva_ `codi` ~~no~~')).toBe(
      '<p><strong>negreta</strong> <em>cursiva</em> <code>codi</code> <s>no</s></p>\n',
    );
  });

  it('renders lists', () => {
    expect(renderMarkdown('- uno\n- dos\n\n1. a\n2. b')).toBe(
      '<ul>\n<li>uno</li>\n<li>dos</li>\n</ul>\n<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n',
    );
  });

  it('renders tables without the style markdown-it aligns columns with', () => {
    expect(renderMarkdown('| a | b |\n|:-:|--:|\n| 1 | 2 |')).toBe(
      '<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n',
    );
  });

  it('renders indented code blocks', () => {
    expect(renderMarkdown('    const a = 1 < 2;')).toBe('<pre><code>const a = 1 &lt; 2;\n</code></pre>\n');
  });

  it('never produces h1 or h2: headings start at h3', () => {
    expect(renderMarkdown('# Uno\n## Dos\n### Tres\n#### Cuatro\n##### Cinco\n###### Seis')).toBe(
      '<h3>Uno</h3>\n<h4>Dos</h4>\n<h5>Tres</h5>\n<h6>Cuatro</h6>\n<h6>Cinco</h6>\n<h6>Seis</h6>\n',
    );
    expect(renderMarkdown('Título\n===\n\nSubtítulo\n---')).toBe('<h3>Título</h3>\n<h4>Subtítulo</h4>\n');
  });

  it('leaves Spanish and Catalan text untouched: accents, ñ, ela geminada, quotes, dashes', () => {
    const text = "L'àvia de la Núria menja pa amb tomàquet -- col·lecció «cometes» ... Año, niño, pingüino, ¿qué? ¡Sí!";
    expect(renderMarkdown(text)).toBe(`<p>${text}</p>\n`);
    expect(renderMarkdown('"entre cometes"')).toBe('<p>&quot;entre cometes&quot;</p>\n');
  });

  it('renders nothing for empty input', () => {
    expect(renderMarkdown('')).toBe('');
  });
});
