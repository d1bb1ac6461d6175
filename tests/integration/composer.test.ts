import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_MAX } from '../../src/threads/threads.schemas.js';
import { AUDIENCES, createMatrixCast, matrixReads, VISIBILITIES } from '../support/access-matrix.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { fieldError, openForm, postUrlencoded, submitMultipart, textareaText } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Issue 14, item 5: the composer — a preview rendered by the server, @mention suggestions. Through
// HTTP, on a database of this file's own.

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

describe('the preview', () => {
  const DRAFT = (handle: string) =>
    `**Negrita** y un enlace a [la sede](https://sede.example.org).\n\n<script>alert(1)</script><img src=x onerror="alert(2)"> @${handle}`;

  it('renders the draft with the post’s own sanitizer, keeps every word, and stores nothing (no script)', async () => {
    const { c, member, moderator } = await kit.community();
    const body = DRAFT(moderator.user.handle);
    const response = await postUrlencoded(t.app, `/c/${c.slug}/threads`, member.cookie, `/c/${c.slug}/threads/new`, {
      title: 'Borrador con vista previa',
      kind: 'DISCUSSION',
      body,
      tag: 'PROFESSIONAL',
      intent: 'preview',
    });
    expect(response.statusCode).toBe(200);
    const preview =
      /<div class="prose" data-preview-body>([\s\S]*?)<\/div>\s*<\/section>/.exec(response.body)?.[1] ?? '';
    expect(preview).toContain('<strong>Negrita</strong>');
    expect(preview).toContain(`<a href="/u/${moderator.user.handle}" class="mention">`);
    // Written HTML is shown as text, never as elements.
    expect(preview).not.toMatch(/<(script|img)/);
    expect(preview).toContain('&lt;script&gt;');
    expect(response.body).toMatch(/id="composer-preview"[^>]* autofocus/);
    expect(textareaText(response.body, 'field-body')).toBe(body);
    expect(response.body).toContain('value="Borrador con vista previa"');
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
    expect(await t.db.policyDecision.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('previews a reply sent as multipart, and refuses an over-long draft beside the field, every word kept', async () => {
    const { c, member } = await kit.community();
    const thread = await kit.openThread(c.slug, member.cookie);
    const ok = await submitMultipart(
      t.app,
      `${thread.url}/replies`,
      { body: '_cursiva_', tag: 'PROFESSIONAL', intent: 'preview' },
      [],
      {
        cookie: member.cookie,
        formUrl: thread.url,
      },
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('<em>cursiva</em>');
    const long = `${'x'.repeat(BODY_MAX)} FINAL`;
    const over = await submitMultipart(
      t.app,
      `${thread.url}/replies`,
      { body: long, tag: 'PROFESSIONAL', intent: 'preview' },
      [],
      {
        cookie: member.cookie,
        formUrl: thread.url,
      },
    );
    expect(over.statusCode).toBe(422);
    expect(fieldError(over.body, 'body')).toContain(`El texto tiene ${BODY_MAX + 6} caracteres`);
    expect(textareaText(over.body, 'field-body')).toBe(long);
    expect(over.body).not.toMatch(/id="composer-preview"[^>]* autofocus/);
    expect(await t.db.post.count({ where: { threadId: thread.id } })).toBe(1);
  });

  it('keeps the files of a previewed draft, attached and shown, and publishes nothing', async () => {
    const { c, member } = await kit.community();
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const fields = {
      title: 'Con plano',
      kind: 'DISCUSSION',
      body: 'Adjunto el plano.',
      tag: 'PROFESSIONAL',
      intent: 'preview',
    };
    const first = await submitMultipart(
      t.app,
      `/c/${c.slug}/threads`,
      fields,
      [{ field: 'files', name: 'plano.png', bytes: png, type: 'image/png' }],
      {
        cookie: member.cookie,
        formUrl: `/c/${c.slug}/threads/new`,
      },
    );
    expect(first.statusCode).toBe(200);
    const id = /name="attachmentIds" value="([0-9a-f-]{36})" checked/.exec(first.body)?.[1];
    expect(id, 'the uploaded file comes back attached').toBeDefined();
    // Referenced as the hint says, the image shows in the preview; the file stays attached.
    const again = await submitMultipart(
      t.app,
      `/c/${c.slug}/threads`,
      { ...fields, body: `Adjunto el plano.\n\n![Plano](attachment:${id})`, attachmentIds: id ?? '' },
      [],
      { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
    );
    expect(again.statusCode).toBe(200);
    const preview = /<div class="prose" data-preview-body>([\s\S]*?)<\/div>\s*<\/section>/.exec(again.body)?.[1] ?? '';
    expect(preview).toContain(`<img src="/attachments/${id}/plano.png" alt="Plano"`);
    expect(again.body).toContain(`name="attachmentIds" value="${id}" checked`);
    expect(await t.db.thread.count({ where: { communityId: c.id } })).toBe(0);
  });

  it('answers the script in place, and 404 for a community the person may not read', async () => {
    const { c, member } = await kit.community();
    const secret = await kit.community({ visibility: 'SECRET' });
    const form = await openForm(t.app, `/c/${c.slug}/threads/new`, { cookie: member.cookie });
    const cookie = [member.cookie, form.cookie].filter(Boolean).join('; ');
    const ask = (
      slug: string,
      payload: Record<string, unknown>,
      headers: Record<string, string> = { 'x-csrf-token': form.csrf },
    ) => t.app.inject({ method: 'POST', url: `/c/${slug}/preview`, headers: { cookie, ...headers }, payload });

    const ok = await ask(c.slug, { body: '# Título\n\n<iframe src="https://evil.example"></iframe>Texto' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().html).toContain('Texto');
    expect(ok.json().html).not.toContain('<iframe');
    expect(ok.json().html).toMatch(/<h\d[^>]*>Título<\/h\d>/);

    expect((await ask(secret.c.slug, { body: 'Hola' })).statusCode).toBe(404);
    // The button's own way (no script) answers the same for it.
    const button = await t.app.inject({
      method: 'POST',
      url: `/c/${secret.c.slug}/threads`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: form.csrf,
        title: 'T',
        kind: 'DISCUSSION',
        body: 'Hola',
        tag: 'PROFESSIONAL',
        intent: 'preview',
      }).toString(),
    });
    expect(button.statusCode).toBe(404);
    expect(button.body).not.toContain('data-preview-body');
    expect((await ask('no-existe', { body: 'Hola' })).statusCode).toBe(404);
    expect((await ask(c.slug, { body: 'Hola' }, {})).statusCode).toBe(403);
    const over = await ask(c.slug, { body: 'x'.repeat(BODY_MAX + 1) });
    expect(over.statusCode).toBe(422);
    expect(over.json().error).toContain(`El texto tiene ${BODY_MAX + 1} caracteres`);
    expect((await ask(c.slug, { body: '   ' })).statusCode).toBe(422);
    expect((await ask(c.slug, { body: { nested: 'x' } })).statusCode).toBe(400);
    const signedOut = await t.app.inject({ method: 'POST', url: `/c/${c.slug}/preview`, payload: { body: 'Hola' } });
    expect(signedOut.statusCode).toBeGreaterThanOrEqual(300);
    expect(signedOut.statusCode).not.toBe(200);
  });
});

describe('@mention suggestions', () => {
  const suggest = (slug: string, q: string, cookie?: string) =>
    t.app.inject({
      method: 'GET',
      url: `/c/${slug}/mention-suggestions?q=${encodeURIComponent(q)}`,
      headers: cookie ? { cookie } : {},
    });

  it('finds people by a folded prefix of their handle or of a word of their name, at most eight', async () => {
    const { c, member } = await kit.community();
    const anxela = await kit.person({ displayName: 'Ánxela Núñez Castro', handle: `anxela-${Date.now() % 100000}` });
    const nunez = await kit.person({ displayName: 'Pere Nunes' });
    await t.db.user.update({ where: { id: nunez.user.id }, data: { jobTitle: 'Secretaria municipal' } });
    await addMembership(t.db, c.id, anxela.user.id);
    await addMembership(t.db, c.id, nunez.user.id);
    for (let i = 0; i < 10; i++)
      await addMembership(
        t.db,
        c.id,
        (await createUser(t.db, { organizationId: townHall.id, displayName: `Ana Ejemplo ${i}` })).id,
      );

    const names = async (q: string) =>
      ((await suggest(c.slug, q, member.cookie)).json().people as { displayName: string }[]).map((p) => p.displayName);
    expect(await names('AN')).toContain('Ánxela Núñez Castro');
    expect(await names('nú')).toEqual(['Pere Nunes', 'Ánxela Núñez Castro']);
    // ñ is a letter of its own (text/fold.ts).
    expect(await names('nuñ')).toEqual(['Ánxela Núñez Castro']);
    expect(await names('nun')).toEqual(['Pere Nunes']);
    expect(await names('castro')).toEqual(['Ánxela Núñez Castro']);
    expect(await names(anxela.user.handle.slice(0, 8))).toContain('Ánxela Núñez Castro');
    expect(await names('ana')).toHaveLength(8);
    // A field a person may keep to themselves is never matched.
    expect(await names('secretaria')).toEqual([]);
    // The author is not offered to themselves.
    expect(await names(member.user.handle)).toEqual([]);
  });

  it('answers bad input with an empty list or 400, never a 500', async () => {
    const { c, member } = await kit.community();
    for (const q of ['', ' ', '%', '_', '\\', "'; DROP TABLE users; --", 'a b', '@@', 'x'.repeat(41), '🏛']) {
      const response = await suggest(c.slug, q, member.cookie);
      expect(response.statusCode, q).toBe(200);
      expect(response.json(), q).toEqual({ people: [] });
    }
    expect((await suggest(c.slug, 'x'.repeat(201), member.cookie)).statusCode).toBe(400);
    const twice = await t.app.inject({
      method: 'GET',
      url: `/c/${c.slug}/mention-suggestions?q=a&q=b`,
      headers: { cookie: member.cookie },
    });
    expect(twice.statusCode).toBe(400);
    const none = await t.app.inject({
      method: 'GET',
      url: `/c/${c.slug}/mention-suggestions`,
      headers: { cookie: member.cookie },
    });
    expect(none.statusCode).toBe(400);
  });

  it('names only people who may read the community, and answers 404 to those who may not (the access matrix)', async () => {
    const cast = await createMatrixCast(t);
    const asker = cast.viewers.find((viewer) => viewer.role === 'moderator');
    if (!asker?.cookie) throw new Error('no moderator in the cast');
    for (const audience of AUDIENCES) {
      for (const visibility of VISIBILITIES) {
        const c = await createCommunity(t.db, {
          organizationId: cast.townHall.id,
          ownerId: cast.owner.id,
          audience,
          visibility,
        });
        for (const viewer of cast.viewers) {
          if (viewer.role === 'none' || !viewer.user) continue;
          await addMembership(
            t.db,
            c.id,
            viewer.user.id,
            'ACTIVE',
            viewer.role === 'moderator' ? 'MODERATOR' : 'MEMBER',
          );
        }
        const facts = { audience, visibility, ownerOrganizationId: cast.townHall.id };
        for (const viewer of cast.viewers) {
          const where = `${audience} ${visibility}: ${viewer.name}`;
          const asked = await suggest(c.slug, 'persona', viewer.cookie);
          if (!viewer.cookie) expect(asked.statusCode, where).not.toBe(200);
          else expect(asked.statusCode, where).toBe(matrixReads(viewer, facts) ? 200 : 404);
          if (!viewer.user || viewer === asker) continue;
          const found = await suggest(c.slug, viewer.user.handle, asker.cookie);
          const handles = (found.json().people as { handle: string }[]).map((p) => p.handle);
          expect(handles.includes(viewer.user.handle), `suggested to the moderator in ${where}`).toBe(
            matrixReads(viewer, facts),
          );
        }
      }
    }
  });
});
