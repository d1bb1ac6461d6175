// The words of every form marked keepsWords (src/plugins/views.ts), given back by the 503 page while the
// database is away and by the 400 page for characters that cannot be stored (src/plugins/errors.ts): each
// form at its fields' limits with accents, quotes, markup and line breaks, escaped, its choices kept hidden,
// sent again and stored as typed; never a password or token, even repeated; bad values still a 422.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createDatabaseProxy, type DatabaseProxy } from '../support/database-proxy.js';
import { createOrganization } from '../support/factories.js';
import { cookieHeader, draftFields, openForm, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

let t: TestApp;
let proxy: DatabaseProxy;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      clientUrl: async (url) => {
        proxy = await createDatabaseProxy(url);
        return proxy.url;
      },
    },
  );
  townHall = await createOrganization(t.db);
});
afterEach(async () => {
  await proxy.start();
});
afterAll(async () => {
  await t.close();
  await proxy.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

const LINE = `Ñúñez «Ç» l·l "q" 'q' <script>x</script> &amp;`;
const MULTI = `Línea ñ ç l·l «» "q" 'q'\n<script>alert(1)</script>\n&amp; &lt; literal`;
/** A text of exactly n characters (line breaks counted once), as LF. */
const sized = (n: number) => `${MULTI}\n${'x'.repeat(n - MULTI.length - 1)}`;
const crlf = (s: string) => s.replace(/\n/g, '\r\n');

type Fields = Record<string, string | string[]>;

function encode(fields: Fields): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of typeof value === 'string' ? [value] : value) params.append(name, crlf(item));
  }
  return params.toString();
}

async function outageRoundTrip(formUrl: string, action: string, cookie: string | undefined, fields: Fields) {
  const form = await openForm(t.app, formUrl, cookie ? { cookie } : {});
  const jar = [cookie, form.cookie].filter(Boolean).join('; ');
  await proxy.stop();
  const refused = await t.app.inject({
    method: 'POST',
    url: action,
    headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
    payload: encode({ _csrf: form.csrf, ...fields }),
  });
  await proxy.start();
  expect(refused.statusCode, refused.body.slice(0, 300)).toBe(503);
  expect(refused.body).not.toContain('<script>');
  expect(refused.body).toContain('&amp;amp;');
  expect(refused.body).toContain(`action="${action}"`);
  // every value comes back (line breaks as LF), repeated ones as several hidden fields
  const kept = draftFields(refused.body);
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') expect(kept[name], name).toBe(value);
    else
      for (const item of value)
        expect(refused.body, `${name}=${item}`).toContain(`<input type="hidden" name="${name}" value="${item}">`);
  }
  // sent again as a browser would (CRLF, arrays repeated)
  const again: Fields = { ...kept };
  for (const [name, value] of Object.entries(fields)) if (Array.isArray(value)) again[name] = value;
  const sent = await t.app.inject({
    method: 'POST',
    url: action,
    headers: {
      cookie: [jar, cookieHeader(refused)].filter(Boolean).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: encode(again),
  });
  expect(sent.statusCode, sent.body.slice(0, 400)).toBeLessThan(400);
  return { refused, sent };
}

describe('words kept on a 503, each form', () => {
  it('report, statement, appeal, appeal answer', async () => {
    const { c, owner, member, moderator } = await kit.community();
    const { url } = await kit.openThread(c.slug, owner.cookie);
    const replyId = await kit.postReply(url, member.cookie);
    const reportUrl = `${url}/posts/${replyId}/report`;
    await outageRoundTrip(reportUrl, reportUrl, owner.cookie, { reason: 'HARASSMENT', note: sized(1000) });
    const report = await t.db.report.findFirstOrThrow({ where: { postId: replyId } });
    expect(report.note).toBe(sized(1000));
    expect(report.reason).toBe('HARASSMENT');

    const act = `/c/${c.slug}/review/posts/${replyId}`;
    await outageRoundTrip(`/c/${c.slug}/review`, act, moderator.cookie, {
      action: 'hide',
      ground: 'HARASSMENT',
      statement: sized(2000),
      back: 'community',
    });
    const decision = await t.db.moderationDecision.findFirstOrThrow({ where: { postId: replyId } });
    expect(decision.statement).toBe(sized(2000));
    expect(decision.ground).toBe('HARASSMENT');

    const appealUrl = `/account/moderation/${decision.id}/appeal`;
    await outageRoundTrip('/account/moderation', appealUrl, member.cookie, { note: sized(2000) });
    const appeal = await t.db.appeal.findUniqueOrThrow({ where: { decisionId: decision.id } });
    expect(appeal.note).toBe(sized(2000));

    const decide = `/c/${c.slug}/review/appeals/${appeal.id}`;
    await outageRoundTrip(`/c/${c.slug}/review`, decide, owner.cookie, { outcome: 'REVERSED', reason: sized(2000) });
    const decided = await t.db.appeal.findUniqueOrThrow({ where: { id: appeal.id } });
    expect(decided.reason).toBe(sized(2000));
    expect(decided.outcome).toBe('REVERSED');
  });

  it('profile', async () => {
    const member = await kit.person();
    await outageRoundTrip('/account/profile', '/account/profile', member.cookie, {
      displayName: LINE,
      jobTitle: '',
      expertise: 'urbanismo, l·l',
      bio: sized(5000),
      publicFields: ['jobTitle', 'bio'],
    });
    const user = await t.db.user.findUniqueOrThrow({ where: { id: member.user.id } });
    expect(user.displayName).toBe(LINE);
    expect(user.bio).toBe(sized(5000));
    expect(user.jobTitle ?? '').toBe('');
  });

  it('new community and settings', async () => {
    const founder = await kit.person();
    const name = LINE;
    await outageRoundTrip('/communities/new', '/communities', founder.cookie, {
      name,
      slug: 'probe-palabras',
      description: sized(500),
      rules: sized(5000),
      visibility: 'PRIVATE',
      audience: 'INTERADMINISTRATIVE',
      welcomedTags: ['PERSONAL', 'ORGANIZATIONAL'],
    });
    const made = await t.db.community.findFirstOrThrow({ where: { slug: 'probe-palabras' } });
    expect(made.name).toBe(name);
    expect(made.description).toBe(sized(500));
    expect(made.rules).toBe(sized(5000));
    expect(made.visibility).toBe('PRIVATE');
    expect(made.audience).toBe('INTERADMINISTRATIVE');

    const { c, owner } = await kit.community();
    await outageRoundTrip(`/c/${c.slug}/settings`, `/c/${c.slug}/settings`, owner.cookie, {
      name,
      description: '',
      rules: sized(5000),
      visibility: 'PUBLIC',
      welcomedTags: ['PROFESSIONAL', 'PERSONAL'],
    });
    const set = await t.db.community.findUniqueOrThrow({ where: { id: c.id } });
    expect(set.name).toBe(name);
    expect(set.description).toBe('');
    expect(set.rules).toBe(sized(5000));
  });

  it('accessibility complaint, signed out', async () => {
    const description = sized(5000);
    await outageRoundTrip('/accesibilidad', '/accesibilidad', undefined, {
      kind: 'COMPLAINT',
      pageUrl: `/c/x?a=1&amp;b="<script>"`,
      email: `ño'b&amp;<x>@example.org`,
      description,
    });
    expect(await t.db.accessibilityReport.count({ where: { description } })).toBe(1);
  });
});

describe('probe: secrets, 422, 400', () => {
  it('sign-in and password change echo no password on a 503', async () => {
    const form = await openForm(t.app, '/sign-in');
    await proxy.stop();
    const r = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: form.cookie },
      payload: { _csrf: form.csrf, email: 'a@example.org', password: 'Secreto-ÑÇ-123' },
    });
    await proxy.start();
    expect(r.statusCode).toBe(503);
    expect(r.body).not.toContain('Secreto');
  });

  it('a repeated password or token field on a form that keeps words is not echoed', async () => {
    const form = await openForm(t.app, '/accesibilidad');
    await proxy.stop();
    const r = await t.app.inject({
      method: 'POST',
      url: '/accesibilidad',
      headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(form.csrf)}&kind=COMPLAINT&description=hola&password=Secreto1&password=Secreto2&apiToken=Tok1&apiToken=Tok2`,
    });
    await proxy.start();
    expect(r.statusCode).toBe(503);
    expect(r.body).not.toContain('Secreto');
    expect(r.body).not.toContain('Tok1');
  });

  it('a too-long text with the database up is a 422 beside the field', async () => {
    const member = await kit.person();
    const bio = await submitForm(
      t.app,
      '/account/profile',
      { displayName: 'Ana', bio: 'x'.repeat(5001) },
      { cookie: member.cookie },
    );
    expect(bio.statusCode).toBe(422);
    expect(bio.body).toContain('field-bio-error');
    const c = await submitForm(
      t.app,
      '/communities',
      { name: 'Una', slug: 'una-x', description: 'x'.repeat(501), visibility: 'PUBLIC', audience: 'INTERNAL' },
      { cookie: member.cookie, formUrl: '/communities/new' },
    );
    expect(c.statusCode).toBe(422);
    expect(c.body).toContain('field-description-error');
    const a = await submitForm(t.app, '/accesibilidad', { kind: 'COMPLAINT', description: 'x'.repeat(5001) });
    expect(a.statusCode).toBe(422);
    expect(a.body).toContain('field-description-error');
  });

  it('a NUL or vertical tab is a 400 that gives the words back without it', async () => {
    const member = await kit.person();
    const bio = await submitForm(
      t.app,
      '/account/profile',
      { displayName: LINE, bio: `a\u000Bb ${MULTI}` },
      { cookie: member.cookie },
    );
    expect(bio.statusCode).toBe(400);
    expect(draftFields(bio.body)).toMatchObject({ displayName: LINE, bio: `ab ${MULTI}` });
    const { c, owner } = await kit.community();
    const set = await submitForm(
      t.app,
      `/c/${c.slug}/settings`,
      { name: LINE, description: `a\u0000b`, rules: MULTI, visibility: 'PUBLIC' },
      { cookie: owner.cookie },
    );
    expect(set.statusCode).toBe(400);
    expect(set.body).not.toContain('<script>');
    expect(draftFields(set.body)).toMatchObject({ name: LINE, description: 'ab', rules: MULTI, visibility: 'PUBLIC' });
    expect(set.body).toContain(`action="/c/${c.slug}/settings"`);
  });
});
