import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_MAX, TITLE_MAX } from '../../src/threads/threads.schemas.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { fieldError, postUrlencoded, submitForm, submitMultipart, textareaText } from '../support/forms.js';
import { QUESTION_TEXT, threadTestKit } from '../support/threads.js';

// Issue 14, item 2: forms that never lose or hide a word — lengths counted as people see them, nothing
// cut by a parser, the person landed on the error summary. Through HTTP, on a database of this file's own.

let t: TestApp;
let townHall: { id: string; name: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Borradores', kind: 'MUNICIPALITY' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

/** Lines of `lineLength` letters, joined by `separator`, `total` characters in all once each break is one. */
function linesOf(total: number, lineLength: number, separator: string): string {
  const lines: string[] = [];
  let left = total;
  while (left > 0) {
    const length = Math.min(lineLength, left);
    lines.push('palabra '.repeat(Math.ceil(length / 8)).slice(0, length));
    left -= length + 1;
  }
  return lines.join(separator);
}

describe('lengths as the person sees them', () => {
  it('counts a CRLF line break once and stores LF: a text at the limit in CRLF is published', async () => {
    const { c, member } = await kit.community();
    const body = `${QUESTION_TEXT}\r\n${linesOf(BODY_MAX - QUESTION_TEXT.length - 1, 60, '\r\n')}`;
    expect(body.replaceAll('\r\n', '\n')).toHaveLength(BODY_MAX);
    expect(body.length).toBeGreaterThan(BODY_MAX);
    const response = await postUrlencoded(t.app, `/c/${c.slug}/threads`, member.cookie, `/c/${c.slug}/threads/new`, {
      title: 'Con saltos de línea\r\nde Windows',
      kind: 'DISCUSSION',
      body,
      tag: 'PROFESSIONAL',
    });
    expect(response.statusCode, fieldError(response.body, 'body')).toBe(303);
    const post = await t.db.post.findFirstOrThrow({
      where: { thread: { communityId: c.id } },
      select: { source: true },
    });
    expect(post.source).not.toContain('\r');
    expect(post.source).toBe(body.replaceAll('\r\n', '\n'));
  });

  it('counts characters, not UTF-16 units: a title of 150 emoji is within the limit, 151 is not', async () => {
    const { c, member } = await kit.community();
    const ok = await kit.newThread(c.slug, member.cookie, { title: '🏛'.repeat(TITLE_MAX) });
    expect(ok.statusCode, fieldError(ok.body, 'title')).toBe(303);
    const over = await kit.newThread(c.slug, member.cookie, { title: '🏛'.repeat(TITLE_MAX + 1) });
    expect(over.statusCode).toBe(422);
    expect(fieldError(over.body, 'title')).toBe(
      `El título tiene ${TITLE_MAX + 1} caracteres y no puede pasar de ${TITLE_MAX}.`,
    );
  });

  it('gives the browser the server’s limits, as counters and never as a cutting maxlength', async () => {
    const { c, member } = await kit.community();
    const page = await kit.get(`/c/${c.slug}/threads/new`, member.cookie);
    expect(page.body).toMatch(new RegExp(`<textarea id="field-body"[^>]* data-maxlength="${BODY_MAX}"`));
    expect(page.body).toMatch(new RegExp(`id="field-title"[^>]* data-maxlength="${TITLE_MAX}"`));
    expect(page.body).not.toMatch(/<textarea[^>]* maxlength=/);
    expect(page.body).not.toMatch(/id="field-title"[^>]* maxlength=/);
  });
});

describe('nothing cut silently', () => {
  const PASTED = 172_891;

  it('refuses a text pasted far over the limit beside its field, with every word sent back', async () => {
    const { c, member } = await kit.community();
    const body = `${linesOf(PASTED - 6, 70, '\r\n')} FINAL`;
    const seen = body.replaceAll('\r\n', '\n').length;
    expect(seen).toBeGreaterThan(PASTED - 10);
    const response = await postUrlencoded(t.app, `/c/${c.slug}/threads`, member.cookie, `/c/${c.slug}/threads/new`, {
      title: 'Un texto pegado entero',
      kind: 'DISCUSSION',
      body,
      tag: 'PROFESSIONAL',
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'body')).toContain(
      `El texto tiene ${seen} caracteres y no puede pasar de ${BODY_MAX}.`,
    );
    expect(textareaText(response.body, 'field-body')).toBe(body.replaceAll('\r\n', '\n'));
    // The person lands on what went wrong (autofocus), without a script.
    expect(response.body).toMatch(/<div class="error-summary" role="alert" tabindex="-1" autofocus/);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('gives back a text that starts with a line break with that line break (the HTML parser drops one)', async () => {
    const { c, member } = await kit.community();
    const body = '\n\n    1. Primero, el informe técnico.\n';
    const response = await postUrlencoded(t.app, `/c/${c.slug}/threads`, member.cookie, `/c/${c.slug}/threads/new`, {
      title: '',
      kind: 'DISCUSSION',
      body,
      tag: 'PROFESSIONAL',
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'title')).toBeTruthy();
    // The markup holds the line feed a browser drops and then the text as typed.
    expect(response.body).toMatch(/<textarea id="field-body"[^>]*>\n\n\n {4}1\. Primero/);
    expect(textareaText(response.body, 'field-body')).toBe(body);
  });

  it('keeps every word of a multipart form too (the field limit cut at 64 KiB before)', async () => {
    const { c, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const body = `${'ñandú '.repeat(20_000)}FINAL`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    const response = await submitMultipart(t.app, `${thread.url}/replies`, { body, tag: 'PROFESSIONAL' }, [], {
      cookie: member.cookie,
      formUrl: thread.url,
    });
    expect(response.statusCode).toBe(422);
    expect(fieldError(response.body, 'body')).toContain(`El texto tiene ${body.length} caracteres`);
    expect(textareaText(response.body, 'field-body')).toBe(body);
    expect(response.body).toMatch(/<div class="error-summary" role="alert" tabindex="-1" autofocus/);
  });

  it('answers too many files beside the field with every word, instead of a 413 that lost them', async () => {
    const { c, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const body = 'Adjunto los seis modelos de solicitud que usamos en el registro.';
    for (const count of [6, 20]) {
      const many = Array.from({ length: count }, (_, index) => ({
        field: 'files',
        name: `modelo-${index + 1}.txt`,
        bytes: Buffer.from(`Modelo ${index + 1}`),
        type: 'text/plain',
      }));
      const response = await submitMultipart(t.app, `${thread.url}/replies`, { body, tag: 'PROFESSIONAL' }, many, {
        cookie: member.cookie,
        formUrl: thread.url,
      });
      expect(response.statusCode, `${count} files`).toBe(422);
      expect(response.body).toContain('Como máximo 5 archivos por publicación.');
      expect(textareaText(response.body, 'field-body')).toBe(body);
    }
    expect(await t.db.post.count({ where: { threadId: thread.id } })).toBe(1);
  });

  it('counts CRLF once in every form: a community description at its limit in CRLF is kept whole', async () => {
    const { c, owner } = await kit.community();
    const description = linesOf(500, 40, '\r\n');
    expect(description.length).toBeGreaterThan(500);
    const settings = `/c/${c.slug}/settings`;
    const page = await kit.get(settings, owner.cookie);
    const fields = Object.fromEntries(
      [...page.body.matchAll(/<input[^>]* name="(name|visibility|welcomedTags)"[^>]*>/g)]
        .filter(([tag]) => !/type="(radio|checkbox)"/.test(tag) || / checked/.test(tag))
        .map(([tag, name]) => [name, /value="([^"]*)"/.exec(tag)?.[1] ?? '']),
    );
    const response = await postUrlencoded(t.app, settings, owner.cookie, settings, {
      ...fields,
      description,
      rules: 'a\r\nb',
    });
    expect(response.statusCode, fieldError(response.body, 'description') ?? response.body.slice(0, 300)).toBe(303);
    const saved = await t.db.community.findUniqueOrThrow({
      where: { id: c.id },
      select: { description: true, rules: true },
    });
    expect(saved).toEqual({ description: description.replaceAll('\r\n', '\n').trim(), rules: 'a\nb' });
  });
});

describe('a refused form brings the person to what went wrong', () => {
  it('answers every refusing form with its error summary focused on arrival (autofocus, no script needed)', async () => {
    const { c, member, owner } = await kit.community();
    const admin = await kit.person({ role: 'ADMIN' });
    const thread = await kit.openThread(c.slug, owner.cookie);
    const cases: [string, string, Record<string, string>, string | undefined][] = [
      ['/sign-up', '/sign-up', { email: '', displayName: '', handle: '', password: '' }, undefined],
      ['/sign-in', '/sign-in', { email: 'no-es-un-correo', password: '' }, undefined],
      [
        '/communities/new',
        '/communities',
        { name: '', slug: '', audience: 'INTERNAL', visibility: 'PUBLIC' },
        member.cookie,
      ],
      ['/account/profile', '/account/profile', { displayName: 'ñ'.repeat(81) }, member.cookie],
      [
        `/c/${c.slug}/threads/new`,
        `/c/${c.slug}/threads`,
        { title: '', body: '', kind: 'DISCUSSION', tag: 'PROFESSIONAL' },
        member.cookie,
      ],
      [thread.url, `${thread.url}/replies`, { body: '', tag: 'PROFESSIONAL' }, member.cookie],
      [`/c/${c.slug}/settings`, `/c/${c.slug}/settings`, { name: '', visibility: 'PUBLIC' }, owner.cookie],
      ['/admin/organizations/new', '/admin/organizations', { name: '', slug: '', kind: 'MUNICIPALITY' }, admin.cookie],
      ['/admin/settings', '/admin/settings', { siteName: '' }, admin.cookie],
    ];
    for (const [formUrl, url, fields, cookie] of cases) {
      const response = await submitForm(t.app, url, fields, { formUrl, ...(cookie ? { cookie } : {}) });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.body, url).toMatch(/<div class="error-summary" role="alert" tabindex="-1" autofocus/);
      // One element asks for the focus: the summary.
      expect(response.body.match(/ autofocus/g), url).toHaveLength(1);
    }
  });

  it('focuses the thread’s title field when its form, which has no summary, is refused', async () => {
    const { c, owner } = await kit.community();
    const thread = await kit.openThread(c.slug, owner.cookie);
    const response = await submitForm(
      t.app,
      `${thread.url}/title`,
      { title: 'x'.repeat(151) },
      { cookie: owner.cookie, formUrl: thread.url },
    );
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/<input id="field-title" name="title"[^>]* autofocus/);
    expect(response.body.match(/ autofocus/g)).toHaveLength(1);
  });
});
