import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Every action on a post (edit, delete, history, react, accept, unaccept) answers for a post the viewer
// may not see — held, rejected or hidden, seen only by its author and the moderators — exactly as for an
// id that does not exist (design: "something that exists only where the viewer cannot read answers
// exactly as something that does not exist"). A probe found 403 for a held reply and 303 for unaccepting a
// hidden one, where an unknown id answered 404.

let t: TestApp;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db, { name: 'Ayuntamiento de Vilaseca' });
  await t.db.watchedWord.create({ data: { phrase: 'retenlo', scopedKey: 'site:retenlo', action: 'HOLD' } });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const withoutTokens = (html: string, id: string) =>
  html.replaceAll(id, 'ID').replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

describe('actions on a post the viewer may not see', () => {
  it('answer as for a post that does not exist, to everyone but its author and the moderators', async () => {
    const { c, moderator, member: asker } = await kit.community({ name: 'Obras' });
    const writer = await kit.person();
    const other = await kit.person();
    for (const person of [writer, other]) {
      await t.db.membership.create({ data: { communityId: c.id, userId: person.user.id, state: 'ACTIVE' } });
    }
    const question = await kit.openThread(c.slug, asker.cookie);
    // A published answer, accepted by the asker and then hidden by a moderator; a held reply.
    const answer = await kit.postReply(question.url, writer.cookie);
    const accepted = await submitForm(
      t.app,
      `${question.url}/posts/${answer}/accept`,
      {},
      {
        cookie: asker.cookie,
        formUrl: question.url,
      },
    );
    expect(accepted.statusCode).toBe(303);
    const hid = await submitForm(
      t.app,
      `/c/${c.slug}/review/posts/${answer}`,
      { action: 'hide', ground: 'OFF_TOPIC', statement: 'Fuera de tema.' },
      { cookie: moderator.cookie, formUrl: `/c/${c.slug}/review` },
    );
    expect(hid.statusCode, hid.body.slice(0, 300)).toBe(303);
    const heldReply = await kit.replyTo(question.url, writer.cookie, { body: 'Esto lo retenlo hasta revisarlo.' });
    expect(heldReply.headers.location).toContain('notice=post-held');
    const held = /#post-([0-9a-f-]{36})/.exec(String(heldReply.headers.location))?.[1] ?? '';
    expect(held).toMatch(/^[0-9a-f-]{36}$/);

    const unknown = randomUUID();
    const get = (id: string, action: string, cookie: string) =>
      kit.get(`${question.url}/posts/${id}/${action}`, cookie);
    const post = (id: string, action: string, cookie: string, fields: Record<string, string> = {}) =>
      submitForm(t.app, `${question.url}/posts/${id}/${action}`, fields, { cookie, formUrl: question.url });
    const attempts: [string, (id: string, cookie: string) => ReturnType<typeof get>][] = [
      ['GET edit', (id, cookie) => get(id, 'edit', cookie)],
      ['GET delete', (id, cookie) => get(id, 'delete', cookie)],
      ['GET history', (id, cookie) => get(id, 'history', cookie)],
      ['POST edit', (id, cookie) => post(id, 'edit', cookie, { body: 'Cambiado por otro.', tag: 'PROFESSIONAL' })],
      ['POST delete', (id, cookie) => post(id, 'delete', cookie, { confirm: 'yes' })],
      ['POST react', (id, cookie) => post(id, 'react', cookie, { kind: 'USEFUL', state: 'on' })],
      ['POST accept', (id, cookie) => post(id, 'accept', cookie)],
      ['POST unaccept', (id, cookie) => post(id, 'unaccept', cookie)],
    ];
    // The asker (the question's author: accept and unaccept are theirs) and another member.
    for (const [viewer, cookie] of [
      ['asker', asker.cookie],
      ['member', other.cookie],
    ] as const) {
      for (const [name, attempt] of attempts) {
        const missing = await attempt(unknown, cookie);
        for (const id of [answer, held]) {
          const response = await attempt(id, cookie);
          const where = `${viewer}: ${name} ${id === held ? 'held' : 'hidden'}`;
          expect(response.statusCode, where).toBe(missing.statusCode);
          expect(withoutTokens(response.body, id), where).toBe(withoutTokens(missing.body, unknown));
        }
      }
    }
    // Nothing changed: the held reply is still held and its author's words are intact.
    const row = await t.db.post.findUniqueOrThrow({ where: { id: held }, select: { status: true, source: true } });
    expect(row).toEqual({ status: 'HELD', source: 'Esto lo retenlo hasta revisarlo.' });
    expect(await t.db.reaction.count({ where: { postId: { in: [answer, held] } } })).toBe(0);
    // Its author still reaches it: the edit form, as before.
    expect((await get(held, 'edit', writer.cookie)).statusCode).toBe(200);
    expect((await get(answer, 'history', moderator.cookie)).statusCode).toBe(200);
  });
});
