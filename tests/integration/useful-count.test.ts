import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createOrganization } from '../support/factories.js';
import { submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// posts.useful_count (migration posts_useful_count): the "útil" reactions of people other than the post's
// author, kept by triggers, which search ranks by instead of counting reactions per match. Each test
// compares the counter with a count of the reactions themselves, the rule it stands for.

let t: TestApp;
let home: { id: string };
const kit = threadTestKit(
  () => t,
  () => home,
);

beforeAll(async () => {
  t = await createTestApp();
  home = await createOrganization(t.db);
});

afterAll(async () => {
  await t?.close();
});

/** The counter and the rule: USEFUL reactions whose person is not the post's author. */
async function counts(postId: string) {
  const post = await t.db.post.findUniqueOrThrow({
    where: { id: postId },
    select: { usefulCount: true, authorId: true },
  });
  const rule = await t.db.reaction.count({
    where: { postId, kind: 'USEFUL', ...(post.authorId ? { userId: { not: post.authorId } } : {}) },
  });
  return { counter: post.usefulCount, rule };
}

async function setUp() {
  const { c, owner, member, moderator } = await kit.community();
  const { url } = await kit.openThread(c.slug, owner.cookie);
  const replyId = await kit.postReply(url, member.cookie);
  const react = (cookie: string, kind: string, state = 'on') =>
    submitForm(t.app, `${url}/posts/${replyId}/react`, { kind, state }, { cookie, formUrl: url });
  return { c, owner, member, moderator, url, replyId, react };
}

describe('posts.useful_count', () => {
  it('follows "útil" reactions as people add and take them back, and ignores "me gusta"', async () => {
    const { owner, moderator, replyId, react } = await setUp();
    expect(await counts(replyId)).toEqual({ counter: 0, rule: 0 });
    expect((await react(owner.cookie, 'USEFUL')).statusCode).toBe(303);
    await react(moderator.cookie, 'USEFUL');
    await react(moderator.cookie, 'LIKE');
    expect(await counts(replyId)).toEqual({ counter: 2, rule: 2 });
    // Sent twice: still one reaction, counted once.
    await react(owner.cookie, 'USEFUL');
    expect(await counts(replyId)).toEqual({ counter: 2, rule: 2 });
    await react(owner.cookie, 'USEFUL', 'off');
    await react(moderator.cookie, 'LIKE', 'off');
    expect(await counts(replyId)).toEqual({ counter: 1, rule: 1 });
  });

  it('never counts the author’s own reaction, however it was written', async () => {
    const { member, owner, replyId, react } = await setUp();
    // The page refuses it (NOT_FOR_OWN_POSTS); a row written by other means is not counted either.
    await react(member.cookie, 'USEFUL');
    await t.db.reaction.createMany({
      data: [{ postId: replyId, userId: member.user.id, kind: 'USEFUL' }],
      skipDuplicates: true,
    });
    await react(owner.cookie, 'USEFUL');
    expect(await counts(replyId)).toEqual({ counter: 1, rule: 1 });
    await t.db.reaction.deleteMany({ where: { postId: replyId, userId: member.user.id } });
    expect(await counts(replyId)).toEqual({ counter: 1, rule: 1 });
  });

  it('counts two people reacting at the same moment', async () => {
    const { c, replyId, react } = await setUp();
    const people = await Promise.all([0, 1, 2, 3, 4, 5].map(() => kit.person()));
    for (const person of people) await addMembership(t.db, c.id, person.user.id);
    const answers = await Promise.all(people.map((person) => react(person.cookie, 'USEFUL')));
    expect(answers.map((answer) => answer.statusCode)).toEqual(people.map(() => 303));
    expect(await counts(replyId)).toEqual({ counter: 6, rule: 6 });
  });

  it('recounts when the author changes, and when a person who reacted is deleted', async () => {
    const { member, owner, moderator, replyId, react } = await setUp();
    await t.db.reaction.create({ data: { postId: replyId, userId: member.user.id, kind: 'USEFUL' } });
    await react(owner.cookie, 'USEFUL');
    await react(moderator.cookie, 'USEFUL');
    expect(await counts(replyId)).toEqual({ counter: 2, rule: 2 });
    // The post no longer has an author (an account erased): every "útil" is someone else's now.
    await t.db.post.update({ where: { id: replyId }, data: { authorId: null } });
    expect(await counts(replyId)).toEqual({ counter: 3, rule: 3 });
    await t.db.post.update({ where: { id: replyId }, data: { authorId: owner.user.id } });
    expect(await counts(replyId)).toEqual({ counter: 2, rule: 2 });
    // A deleted account's reactions go with it (ON DELETE CASCADE), and so does its count.
    await t.db.user.delete({ where: { id: moderator.user.id } });
    expect(await counts(replyId)).toEqual({ counter: 1, rule: 1 });
  });
});
