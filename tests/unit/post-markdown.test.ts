import { describe, expect, it } from 'vitest';
import {
  findReferences,
  type PostMarkdownContext,
  renderPostMarkdown,
  topicKey,
} from '../../src/markdown/post-markdown.js';

const REL = 'rel="nofollow noopener noreferrer ugc"';
const IMAGE_ID = '0b6f3c1e-8a2d-4c5b-9e7f-1a2b3c4d5e6f';
const IMAGE_URL = `/attachments/${IMAGE_ID}/plaza.jpg`;
const OTHER_ID = '11111111-2222-4333-8444-555555555555';

const context: PostMarkdownContext = {
  knownHandles: new Set(['ana', 'pep_marti', 'joan-b']),
  images: new Map([[IMAGE_ID, { url: IMAGE_URL }]]),
};

function render(source: string) {
  return renderPostMarkdown(source, context);
}

function html(source: string): string {
  return render(source).html;
}

function mention(handle: string, text = `@${handle}`): string {
  return `<a href="/u/${handle}" class="mention">${text}</a>`;
}

function topic(slug: string, text: string): string {
  return `<a href="/t/${slug}" class="topic">${text}</a>`;
}

/** The topic keys of a rendering, in order. */
function keys(rendered: { topics: readonly { key: string }[] }): string[] {
  return rendered.topics.map((entry) => entry.key);
}

describe('renderPostMarkdown: mentions', () => {
  it('links the handles of users that exist, keeping how they were written', () => {
    const rendered = render('Hola @Ana y @pep_marti, ¿habéis visto a @joan-b?');
    expect(rendered.html).toBe(
      `<p>Hola ${mention('ana', '@Ana')} y ${mention('pep_marti')}, ¿habéis visto a ${mention('joan-b')}?</p>\n`,
    );
    expect(rendered.mentions).toEqual(['ana', 'pep_marti', 'joan-b']);
  });

  it('leaves unknown handles as text and does not report them', () => {
    const rendered = render('@nadie y @ana');
    expect(rendered.html).toBe(`<p>@nadie y ${mention('ana')}</p>\n`);
    expect(rendered.mentions).toEqual(['ana']);
  });

  it('reports each mentioned user once', () => {
    const rendered = render('@ana, @ANA y @Ana otra vez; @pep_marti');
    expect(rendered.mentions).toEqual(['ana', 'pep_marti']);
    expect(rendered.html.match(/class="mention"/g)).toHaveLength(4);
  });

  it('does not take e-mail addresses for mentions', () => {
    for (const source of [
      'escribe a contacto@ana.org',
      'o a pep.marti@ana.example',
      'o a x-@ana.example',
      '@ana.example.org',
      'en example.org/@ana',
    ]) {
      const rendered = render(source);
      expect(rendered.mentions, source).toEqual([]);
      expect(rendered.html, source).not.toContain('class="mention"');
    }
    // Linkified, the address stays one mailto link.
    expect(html('contacto@ana.org')).toBe(`<p><a href="mailto:contacto@ana.org" ${REL}>contacto@ana.org</a></p>\n`);
  });

  it('ends a mention at punctuation, not inside a longer handle', () => {
    expect(html('Gracias, @ana. ¡Y @ana!')).toBe(`<p>Gracias, ${mention('ana')}. ¡Y ${mention('ana')}!</p>\n`);
    // @pep is not a prefix of @pep_marti, and @ana_ is not a handle.
    expect(render('@pep_marti').mentions).toEqual(['pep_marti']);
    expect(render('@anabel @ana_ @anaé').mentions).toEqual([]);
  });

  it('does not look inside code', () => {
    const rendered = render('`@ana` y\n\n```\n@ana\n```\n\n    @ana');
    expect(rendered.mentions).toEqual([]);
    expect(rendered.html).not.toContain('class="mention"');
    expect(rendered.html).toContain('<code>@ana</code>');
  });

  it('does not link again inside a link', () => {
    expect(html('[@ana](https://example.org/ana)')).toBe(`<p><a href="https://example.org/ana" ${REL}>@ana</a></p>\n`);
    expect(html('<https://example.org/@ana>')).toBe(
      `<p><a href="https://example.org/@ana" ${REL}>https://example.org/@ana</a></p>\n`,
    );
    expect(render('[@ana](https://example.org)').mentions).toEqual([]);
  });

  it('leaves an escaped @ as text', () => {
    expect(html(String.raw`\@ana`)).toBe('<p>@ana</p>\n');
  });

  it('links mentions in headings, emphasis, quotes, lists and tables', () => {
    expect(html('# Para @ana')).toBe(`<h3>Para ${mention('ana')}</h3>\n`);
    expect(html('**@ana**')).toBe(`<p><strong>${mention('ana')}</strong></p>\n`);
    expect(html('> - @ana')).toBe(`<blockquote>\n<ul>\n<li>${mention('ana')}</li>\n</ul>\n</blockquote>\n`);
    expect(html('| quién |\n|---|\n| @ana |')).toContain(`<td>${mention('ana')}</td>`);
  });
});

describe('renderPostMarkdown: topics', () => {
  it('links topics with their slug and keeps their text', () => {
    const rendered = render('Nueva #Contratación en #Girona_2025 y #obra-pública');
    expect(rendered.html).toBe(
      `<p>Nueva ${topic('contratacion', '#Contratación')} en ${topic('girona_2025', '#Girona_2025')} y ` +
        `${topic('obra-publica', '#obra-pública')}</p>\n`,
    );
    expect(keys(rendered)).toEqual(['contratacion', 'girona_2025', 'obra-publica']);
  });

  it('reports each topic once, whatever its case and accents', () => {
    expect(keys(render('#Contratación #contratacion #CONTRATACIÓN'))).toEqual(['contratacion']);
  });

  it('percent-encodes letters the slug keeps (ß, other scripts)', () => {
    const rendered = render('#Straße #Αθήνα');
    expect(keys(rendered)).toEqual(['strasse', 'αθηνα']);
    expect(rendered.html).toContain('href="/t/strasse"');
    expect(rendered.html).toContain('href="/t/%CE%B1%CE%B8%CE%B7%CE%BD%CE%B1"');
  });

  it('needs a letter first and 2 to 50 characters', () => {
    expect(keys(render('#1 #2025 #a #ab'))).toEqual(['ab']);
    expect(keys(render(`#${'a'.repeat(50)}`))).toEqual(['a'.repeat(50)]);
    expect(keys(render(`#${'a'.repeat(51)}`))).toEqual([]);
  });

  it('does not take entities or escapes for topics', () => {
    for (const source of ['&#35;tema', '&#x23;tema', String.raw`\#tema`, '&amp;#tema', 'R&amp;D#tema', '&#x41;bc']) {
      const rendered = render(source);
      expect(keys(rendered), source).toEqual([]);
      expect(rendered.html, source).not.toContain('class="topic"');
    }
    expect(html('&#35;tema &amp; #tema')).toBe(`<p>#tema &amp; ${topic('tema', '#tema')}</p>\n`);
  });

  it('does not take URL fragments or words such as C# for topics', () => {
    for (const source of [
      'https://x.org/#frag',
      'https://x.org/page#frag',
      'www.x.org/#frag',
      '[x](https://x.org/#frag)',
      'C#sharp',
      '##doble',
    ]) {
      expect(keys(render(source)), source).toEqual([]);
    }
    expect(html('https://x.org/#frag')).toBe(`<p><a href="https://x.org/#frag" ${REL}>https://x.org/#frag</a></p>\n`);
  });

  it('does not look inside code', () => {
    const rendered = render('`#tema`\n\n```\n#tema\n```');
    expect(keys(rendered)).toEqual([]);
    expect(rendered.html).not.toContain('class="topic"');
  });

  it('takes "#topic" for a topic, and only "# title" for a heading', () => {
    expect(html('#tema al principio')).toBe(`<p>${topic('tema', '#tema')} al principio</p>\n`);
    expect(html('# Título #tema')).toBe(`<h3>Título ${topic('tema', '#tema')}</h3>\n`);
  });
});

describe('topicKey', () => {
  it.each([
    ['Contratación', 'contratacion'],
    ['ÑANDÚ', 'ñandu'],
    ['Año', 'año'],
    ['Plaça', 'plaça'],
    ['Pingüino', 'pinguino'],
    ['Col·lecció', 'col·leccio'],
    ['Col.lecció', 'col·leccio'],
    ['Coŀlecció', 'col·leccio'],
    ['#Il·lustració', 'il·lustracio'],
    ['İstanbul', 'istanbul'],
    ['Girona_2025', 'girona_2025'],
    ['contrataci\u006f\u0301n', 'contratacion'],
    ['an\u0303o', 'año'],
    // Characters that show nothing, pasted before, after or inside the word (an address /t/… with them).
    ['\u200Bañoviejo', 'añoviejo'],
    ['\u200Fañoviejo\u200B', 'añoviejo'],
    ['año\u00ADviejo', 'añoviejo'],
    ['\uFEFF#Plaça\u2060', 'plaça'],
  ])('%s → %s', (text, slug) => {
    expect(topicKey(text)).toBe(slug);
  });
});

describe('renderPostMarkdown: topics as Spanish and Catalan write them', () => {
  it('keeps ñ and ç as letters: #año is not #ano, #plaça is not #placa', () => {
    expect(keys(render('#año #ano #plaça #placa #AÑO'))).toEqual(['año', 'ano', 'plaça', 'placa']);
  });

  it('takes the Catalan middle dot as part of the word, however it is typed', () => {
    const rendered = render('#col·legi, #Il·lustració, #col.legi i #coŀlegi; #fi· i #a·');
    expect(rendered.topics).toEqual([
      { key: 'col·legi', label: 'col·legi' },
      { key: 'il·lustracio', label: 'Il·lustració' },
      { key: 'fi', label: 'fi' },
    ]);
    expect(rendered.html).toContain(`${topic('col%C2%B7legi', '#col·legi')}`);
  });

  it('keeps the form first written as the label', () => {
    expect(render('#Contratación y #contratacion').topics).toEqual([{ key: 'contratacion', label: 'Contratación' }]);
  });
});

describe('renderPostMarkdown: images', () => {
  it("shows this post's own image attachments", () => {
    expect(html(`![La plaça](attachment:${IMAGE_ID})`)).toBe(
      `<p><img src="${IMAGE_URL}" alt="La plaça" loading="lazy" /></p>\n`,
    );
    expect(html(`![](attachment:${IMAGE_ID.toUpperCase()})`)).toBe(
      `<p><img src="${IMAGE_URL}" alt="" loading="lazy" /></p>\n`,
    );
  });

  it('escapes the alt text', () => {
    expect(html(`![a"b <i>](attachment:${IMAGE_ID})`)).toBe(
      `<p><img src="${IMAGE_URL}" alt="a&quot;b &lt;i&gt;" loading="lazy" /></p>\n`,
    );
  });

  it('encodes an apostrophe in the file name, which the sanitizer refuses', () => {
    const url = `/attachments/${IMAGE_ID}/${encodeURIComponent("L'Hospitalet.jpg")}`;
    const withQuote = { ...context, images: new Map([[IMAGE_ID, { url }]]) };
    expect(renderPostMarkdown(`![x](attachment:${IMAGE_ID})`, withQuote).html).toBe(
      `<p><img src="/attachments/${IMAGE_ID}/L%27Hospitalet.jpg" alt="x" loading="lazy" /></p>\n`,
    );
  });

  it('gives only the alt text for an attachment that is not one of this post', () => {
    expect(html(`![foto](attachment:${OTHER_ID})`)).toBe('<p>foto</p>\n');
    expect(html(`![foto](attachment:${IMAGE_ID}x)`)).not.toContain('<img');
  });

  it('never shows an image from elsewhere: it becomes a link, as in bios', () => {
    expect(html('![logo](https://example.org/logo.png)')).toBe(
      `<p><a href="https://example.org/logo.png" ${REL}>logo</a></p>\n`,
    );
    for (const source of [`![x](/attachments/${IMAGE_ID})`, '![x](data:image/png;base64,iVBORw0KGgo=)']) {
      expect(html(source), source).not.toMatch(/<img|href/);
    }
  });

  it('does not make a link of an attachment address', () => {
    expect(html(`[foto](attachment:${IMAGE_ID})`)).toBe('<p>foto</p>\n');
    expect(html(`<attachment:${IMAGE_ID}>`)).toBe(`<p>attachment:${IMAGE_ID}</p>\n`);
    expect(html(`[foto]\n\n[foto]: attachment:${IMAGE_ID}`)).toBe('<p>foto</p>\n');
  });

  it('refuses an image address from the context that is not the attachment route', () => {
    const elsewhere = { ...context, images: new Map([[IMAGE_ID, { url: 'https://evil.example/p.png' }]]) };
    expect(renderPostMarkdown(`![x](attachment:${IMAGE_ID})`, elsewhere).html).toBe('<p>x</p>\n');
  });
});

describe('renderPostMarkdown: links and text', () => {
  it('gives external links rel and nothing else', () => {
    expect(html('[sede](https://sede.example.gob.es "título")')).toBe(
      `<p><a href="https://sede.example.gob.es" ${REL}>sede</a></p>\n`,
    );
    expect(html('<https://example.org/a?b=1&c=2>')).toBe(
      `<p><a href="https://example.org/a?b=1&amp;c=2" ${REL}>https://example.org/a?b=1&amp;c=2</a></p>\n`,
    );
    expect(html('[x](mailto:ana@example.org)')).toBe(`<p><a href="mailto:ana@example.org" ${REL}>x</a></p>\n`);
  });

  it('leaves forbidden links as text', () => {
    for (const source of ['[x](javascript:alert(1))', '[x](/u/ana)', '[x](//evil.example)', '[x](tel:600000000)']) {
      expect(html(source), source).not.toContain('<a');
    }
  });

  it('shifts headings to start at h3', () => {
    expect(html('# Uno\n## Dos\n### Tres\n#### Cuatro')).toBe(
      '<h3>Uno</h3>\n<h4>Dos</h4>\n<h5>Tres</h5>\n<h6>Cuatro</h6>\n',
    );
  });

  it('keeps lists, quotes, code, tables and breaks, without attributes but ol start', () => {
    expect(html('3. a\n4. b')).toBe('<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>\n');
    expect(html('```js\nconst a = 1 < 2;\n```')).toBe('<pre><code>const a = 1 &lt; 2;\n</code></pre>\n');
    expect(html('| a | b |\n|:-:|--:|\n| 1 | 2 |')).toBe(
      '<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n',
    );
    expect(html('uno  \ndos\n\n---\n\n~~no~~ *sí* **ya**')).toBe(
      '<p>uno<br />\ndos</p>\n<hr />\n<p><s>no</s> <em>sí</em> <strong>ya</strong></p>\n',
    );
  });

  it('shows raw HTML as text', () => {
    expect(html('<b onmouseover=alert(1)>@ana</b>')).toBe(
      `<p>&lt;b onmouseover=alert(1)&gt;${mention('ana')}&lt;/b&gt;</p>\n`,
    );
  });

  it('renders nothing for empty input', () => {
    expect(render('')).toEqual({ html: '', mentions: [], topics: [] });
  });
});

describe('findReferences', () => {
  it('finds every candidate, lower-case, once, in order of first appearance', () => {
    expect(findReferences('@Nadie habla con @ana de #Contratación; @ANA y #contratacion otra vez #Obras')).toEqual({
      handles: ['nadie', 'ana'],
      topics: [
        { key: 'contratacion', label: 'Contratación' },
        { key: 'obras', label: 'Obras' },
      ],
    });
  });

  it('finds the same ones the renderer would link: none in code, links or e-mail addresses', () => {
    expect(
      findReferences(
        '`@ana #tema` [@pep #otro](https://x.org) pep@example.org https://x.org/#frag &#35;no\n\n    @joan',
      ),
    ).toEqual({ handles: [], topics: [] });
  });

  it('finds nothing in empty input', () => {
    expect(findReferences('')).toEqual({ handles: [], topics: [] });
  });
});
