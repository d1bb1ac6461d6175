import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BALANCE_JOBS, createBalanceRollup } from '../../src/balance/balance-rollup.js';
import type { PostStatus, PostTag, ThreadKind } from '../../src/generated/prisma/enums.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { fieldError, signInAs, submitForm } from '../support/forms.js';

// The balance pages (issue 13, items 3 and 4) through HTTP, on data written for the test in January 2024
// (weeks starting Monday 8 and Monday 15, Europe/Madrid), with every figure counted by hand below. The
// roll-up is run by calling its catch-up directly, as the job does.

let t: TestApp;
type User = Awaited<ReturnType<typeof createUser>>;
let a1: User; // organization A, owner of the community
let a2: User; // organization A
let b1: User; // organization B
let c1: User; // a citizen: no organization
let admin: User;
let orgA: Awaited<ReturnType<typeof createOrganization>>;
let community: Awaited<ReturnType<typeof createCommunity>>;
let ownerCookie: string;
let readerCookie: string;
let adminCookie: string;

const PERIOD = 'from=2024-01-08&to=2024-01-21';

interface PostSpec {
  author: User;
  tag: PostTag;
  at: string;
  status?: PostStatus;
}

/** A thread with its opening post and replies, all at given instants (UTC). Returns the posts' ids. */
async function thread(
  communityId: string,
  kind: ThreadKind,
  opening: PostSpec,
  replies: PostSpec[] = [],
  options: { restricted?: boolean } = {},
) {
  const created = await t.db.thread.create({
    data: {
      communityId,
      authorId: opening.author.id,
      title: 'Un hilo de prueba',
      kind,
      tag: opening.tag,
      createdAt: new Date(opening.at),
      lastActivityAt: new Date(opening.at),
      restricted: options.restricted ?? false,
    },
  });
  const ids: string[] = [];
  for (const [index, post] of [opening, ...replies].entries()) {
    const row = await t.db.post.create({
      data: {
        threadId: created.id,
        authorId: post.author.id,
        isOpening: index === 0,
        source: 'texto',
        html: '<p>texto</p>',
        tag: post.tag,
        status: post.status ?? 'PUBLISHED',
        createdAt: new Date(post.at),
      },
    });
    ids.push(row.id);
  }
  return { threadId: created.id, postIds: ids };
}

const get = (url: string, cookie = '') => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
const csv = async (url: string, cookie = '') => {
  const response = await get(url, cookie);
  expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/csv/);
  return response.body.trim().split('\r\n');
};

beforeAll(async () => {
  t = await createTestApp();
  orgA = await createOrganization(t.db);
  const orgB = await createOrganization(t.db);
  a1 = await createUser(t.db, { organizationId: orgA.id });
  a2 = await createUser(t.db, { organizationId: orgA.id });
  b1 = await createUser(t.db, { organizationId: orgB.id });
  c1 = await createUser(t.db, { kind: 'CITIZEN' });
  admin = await createUser(t.db, { role: 'ADMIN' });
  community = await createCommunity(t.db, {
    organizationId: orgA.id,
    ownerId: a1.id,
    audience: 'OPEN',
    visibility: 'PUBLIC',
  });
  const other = await createCommunity(t.db, { organizationId: orgB.id, ownerId: b1.id });

  // Week of Monday 8 January 2024.
  const t1 = await thread(community.id, 'QUESTION', { author: a1, tag: 'PROFESSIONAL', at: '2024-01-08T09:00:00Z' }, [
    { author: b1, tag: 'PROFESSIONAL', at: '2024-01-08T12:00:00Z' }, // first answer after 3 h; crosses (B→A)
    { author: a2, tag: 'PERSONAL', at: '2024-01-08T14:00:00Z' }, // same organization
  ]);
  await t.db.thread.update({ where: { id: t1.threadId }, data: { acceptedPostId: t1.postIds[1] ?? null } });
  await thread(community.id, 'QUESTION', { author: b1, tag: 'PROFESSIONAL', at: '2024-01-09T09:00:00Z' }, [
    { author: b1, tag: 'PROFESSIONAL', at: '2024-01-09T09:30:00Z' }, // the asker: not an answer, not crossing
    { author: a1, tag: 'ORGANIZATIONAL', at: '2024-01-09T10:00:00Z' }, // first answer after 1 h; crosses (A→B)
  ]);
  await thread(community.id, 'DISCUSSION', { author: c1, tag: 'PERSONAL', at: '2024-01-10T09:00:00Z' }, [
    { author: a2, tag: 'PROFESSIONAL', at: '2024-01-10T10:00:00Z', status: 'HELD' }, // not readable: not counted
    { author: b1, tag: 'PROFESSIONAL', at: '2024-01-10T11:00:00Z', status: 'HIDDEN' }, // idem
  ]);
  await thread(community.id, 'QUESTION', { author: a2, tag: 'PROFESSIONAL', at: '2024-01-11T09:00:00Z' }); // unanswered
  // A thread whose opening post is held: nothing of it counts, not even its published reply.
  await thread(
    community.id,
    'QUESTION',
    { author: a2, tag: 'PERSONAL', at: '2024-01-11T10:00:00Z', status: 'HELD' },
    [{ author: b1, tag: 'PERSONAL', at: '2024-01-11T11:00:00Z' }],
    { restricted: true },
  );
  // The other organization's community: in the site's figures only.
  await thread(other.id, 'DISCUSSION', { author: b1, tag: 'PROFESSIONAL', at: '2024-01-12T09:00:00Z' });
  // Week of Monday 15 January: a citizen answers an employee of B (no organization ≠ B: crosses).
  await thread(community.id, 'DISCUSSION', { author: b1, tag: 'PERSONAL', at: '2024-01-16T09:00:00Z' }, [
    { author: c1, tag: 'PERSONAL', at: '2024-01-16T10:00:00Z' },
  ]);
  // Decisions of the week: two refusals by one rule, one warning by another, one allowed post.
  const decision = (rules: Array<{ code: string; outcome: string }>, outcome: 'ALLOW' | 'WARN' | 'REJECT') =>
    t.db.policyDecision.create({
      data: {
        communityId: community.id,
        authorId: a2.id,
        chosenTag: 'PERSONAL',
        suggestedTag: 'PERSONAL',
        confidence: 0.8,
        outcome,
        rules: rules.map((rule) => ({ ...rule, params: {} })),
        createdAt: new Date('2024-01-09T15:00:00Z'),
      },
    });
  await decision([{ code: 'personal-data.dni', outcome: 'REJECT' }], 'REJECT');
  await decision([{ code: 'personal-data.dni', outcome: 'REJECT' }], 'REJECT');
  await decision([{ code: 'confidentiality', outcome: 'WARN' }], 'WARN');
  await decision([], 'ALLOW');

  await createBalanceRollup({ db: t.db, timeZone: t.config.timeZone }).catchUp();

  ownerCookie = await signInAs(t.app, a1.email);
  readerCookie = await signInAs(t.app, b1.email);
  adminCookie = await signInAs(t.app, admin.email);
  await addMembership(t.db, community.id, b1.id);
});

afterAll(async () => {
  await t.close();
});

const base = () => `/c/${community.slug}/balance`;

describe("a community's balance", () => {
  it('shows its owners every figure per week, counted from readable posts only', async () => {
    const page = await get(`${base()}?${PERIOD}`, ownerCookie);
    expect(page.statusCode, page.body.slice(0, 400)).toBe(200);
    // Each chart is an image of its own, drawn by Vega-Lite, with its table beside it.
    const src = /<img class="balance-chart__figure" src="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
    expect(src).toBe(`${base()}.svg?${PERIOD}&chart=mix`);
    const svg = await get(src ?? '', ownerCookie);
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.body).toContain('Profesional');
    expect((await get(src ?? '', readerCookie)).statusCode).toBe(404);
    expect(page.body).toContain('id="table-mix"');
    expect(page.body).toContain('id="table-rules"');

    // Personal: a2's reply, c1's opening post; professional: 5; organizational: a1's answer.
    expect(await csv(`${base()}.csv?${PERIOD}&chart=mix`, ownerCookie)).toEqual([
      'week,personal_posts,professional_posts,organizational_posts',
      '2024-01-08,2,5,1',
      '2024-01-15,2,0,0',
    ]);
    // Replies: b1→a1 (crosses), a2→a1, b1→b1, a1→b1 (crosses): 2 of 4. Week 2: c1→b1 crosses.
    expect(await csv(`${base()}.csv?${PERIOD}&chart=crossing`, ownerCookie)).toEqual([
      'week,replies,crossing_replies,crossing_share',
      '2024-01-08,4,2,0.5',
      '2024-01-15,1,1,1',
    ]);
    // Three questions, two answered by someone else (after 3 h and 1 h: median 2 h = 7200 s), one accepted.
    expect(await csv(`${base()}.csv?${PERIOD}&chart=questions`, ownerCookie)).toEqual([
      'week,questions,answered,accepted,median_first_answer_seconds',
      '2024-01-08,3,2,1,7200',
      '2024-01-15,0,0,0,',
    ]);
    // a1, a2, b1, c1 from A and B (the citizen has none); then b1 and c1.
    expect(await csv(`${base()}.csv?${PERIOD}&chart=people`, ownerCookie)).toEqual([
      'week,active_people,organizations',
      '2024-01-08,4,2',
      '2024-01-15,2,1',
    ]);
    expect(await csv(`${base()}.csv?${PERIOD}&chart=rules`, ownerCookie)).toEqual([
      'rule,outcome,decisions',
      'personal-data.dni,REJECT,2',
      'confidentiality,WARN,1',
    ]);
  });

  it('is not found for readers until its owners show it, then shows them what readers can count, without rules', async () => {
    expect((await get(base(), readerCookie)).statusCode).toBe(404);
    expect((await get(base())).statusCode).toBe(404);
    const turnedOn = await submitForm(
      t.app,
      `${base()}/public`,
      { publicBalance: 'on' },
      {
        cookie: ownerCookie,
        formUrl: base(),
      },
    );
    expect(turnedOn.statusCode, turnedOn.body.slice(0, 300)).toBe(303);
    for (const cookie of [readerCookie, '']) {
      const page = await get(`${base()}?${PERIOD}`, cookie);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('id="table-mix"');
      expect(page.body).not.toContain('id="table-rules"');
      expect((await get(`${base()}.csv?${PERIOD}&chart=rules`, cookie)).statusCode).toBe(404);
    }
    expect(await csv(`${base()}.csv?${PERIOD}&chart=mix`)).toContain('2024-01-08,2,5,1');
    // A reader may not change the setting.
    const refused = await submitForm(
      t.app,
      `${base()}/public`,
      { publicBalance: 'off' },
      {
        cookie: readerCookie,
        formUrl: base(),
      },
    );
    expect(refused.statusCode).toBe(422);
    expect((await t.db.community.findUniqueOrThrow({ where: { id: community.id } })).publicBalance).toBe(true);
  });

  it('answers 404 for a community the viewer may not see, as for one that does not exist', async () => {
    const secret = await createCommunity(t.db, { organizationId: orgA.id, ownerId: a1.id, visibility: 'SECRET' });
    await t.db.community.update({ where: { id: secret.id }, data: { publicBalance: true } });
    const unknown = await get('/c/no-existe-esta-comunidad/balance', readerCookie);
    const hidden = await get(`/c/${secret.slug}/balance`, readerCookie);
    expect(unknown.statusCode).toBe(404);
    expect(hidden.statusCode).toBe(404);
    expect((await get(`/c/${secret.slug}/balance.csv?chart=mix`, readerCookie)).statusCode).toBe(404);
    // A community that is not OPEN never shows its balance publicly, whatever the column says.
    const internal = await createCommunity(t.db, { organizationId: orgA.id, ownerId: a1.id });
    await t.db.community.update({ where: { id: internal.id }, data: { publicBalance: true } });
    expect((await get(`/c/${internal.slug}/balance`, readerCookie)).statusCode).toBe(404);
  });

  it('refuses a bad period or tag with a message beside the field, keeping what was typed', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['from=2024-03-01&to=2024-01-01', 'to', /posterior/],
      ['from=2010-01-01&to=2024-01-01', 'from', /cinco años/],
      ['from=2999-01-01&to=2999-02-01', 'from', /futuro/],
      ['from=ayer', 'from', /fecha válida/],
      ['tag=chisme', 'tag', /«chisme» no es un tipo de mensaje/],
    ];
    for (const [query, field, message] of cases) {
      const page = await get(`${base()}?${query}`, ownerCookie);
      expect(page.statusCode, query).toBe(422);
      expect(fieldError(page.body, field), query).toMatch(message);
    }
    const typed = await get(`${base()}?from=2024-03-01&to=2024-01-01&tag=chisme`, ownerCookie);
    expect(typed.body).toContain('value="2024-03-01"');
    expect(typed.body).toContain('<option value="chisme" selected>');
    expect((await get(`${base()}.csv?tag=chisme&chart=mix`, ownerCookie)).statusCode).toBe(400);
    expect((await get(`${base()}.csv?chart=nada`, ownerCookie)).statusCode).toBe(400);
    // A known tag filters the mix: professional posts only.
    expect(await csv(`${base()}.csv?${PERIOD}&tag=professional&chart=mix`, ownerCookie)).toContain('2024-01-08,0,5,0');
  });

  it('follows moderation: a post hidden later leaves the figures at the next roll-up, and a rerun changes nothing', async () => {
    const rollup = createBalanceRollup({ db: t.db, timeZone: t.config.timeZone });
    const reply = await t.db.post.findFirstOrThrow({ where: { authorId: c1.id, isOpening: false } });
    await t.db.post.update({ where: { id: reply.id }, data: { status: 'HIDDEN' } });
    expect(await rollup.catchUp()).toContain('2024-01-15');
    const after = await csv(`${base()}.csv?${PERIOD}&chart=mix`, ownerCookie);
    expect(after).toContain('2024-01-15,1,0,0');
    // Twice at once (two workers): they take turns, neither fails, the rows are the same.
    await Promise.all([rollup.recomputeWeek('2024-01-15'), rollup.recomputeWeek('2024-01-15')]);
    expect(await csv(`${base()}.csv?${PERIOD}&chart=mix`, ownerCookie)).toEqual(after);
    // Restored: the job the worker runs (pg-boss, as a worker claims it) brings the figures back.
    await t.db.post.update({ where: { id: reply.id }, data: { status: 'PUBLISHED' } });
    await t.app.jobs.queue.send(BALANCE_JOBS.catchUp, {});
    await t.app.jobs.queue.drain();
    expect(await csv(`${base()}.csv?${PERIOD}&chart=mix`, ownerCookie)).toContain('2024-01-15,2,0,0');
  });
});

describe("an organization's and the site's balance", () => {
  it('shows an organization its communities to site admins and its official voices, 404 to anyone else', async () => {
    const url = `/o/${orgA.slug}/balance`;
    expect((await get(url, ownerCookie)).statusCode).toBe(404);
    expect((await get(url)).statusCode).toBe(404);
    expect((await get('/o/no-existe/balance', adminCookie)).statusCode).toBe(404);
    await t.db.officialVoice.create({ data: { userId: a1.id, organizationId: orgA.id } });
    expect((await get(url, ownerCookie)).statusCode).toBe(200);
    // Organization A owns one community with activity: its figures are the community's.
    expect(await csv(`${url}.csv?${PERIOD}&chart=mix`, adminCookie)).toContain('2024-01-08,2,5,1');
  });

  it('shows the site to site admins only, the other organization included', async () => {
    expect((await get('/admin/balance', ownerCookie)).statusCode).toBe(404);
    const page = await get(`/admin/balance?${PERIOD}`, adminCookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/balance" aria-current="page"');
    expect(await csv(`/admin/balance.csv?${PERIOD}&chart=mix`, adminCookie)).toContain('2024-01-08,2,6,1');
    // The same four people, from the same two organizations.
    expect(await csv(`/admin/balance.csv?${PERIOD}&chart=people`, adminCookie)).toContain('2024-01-08,4,2');
  });

  it("lists on a person's account the balances they may open, and nothing for someone who may open none", async () => {
    const mine = await get('/account/balances', ownerCookie);
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain(`href="/c/${community.slug}/balance"`);
    expect(mine.body).toContain(`href="/o/${orgA.slug}/balance"`); // an official voice since the test above
    expect(mine.body).not.toContain('href="/admin/balance"');
    const reader = await get('/account/balances', readerCookie); // b1 owns the other community only
    expect(reader.body).not.toContain(`href="/c/${community.slug}/balance"`);
    const citizen = await get('/account/balances', await signInAs(t.app, c1.email));
    expect(citizen.body).toContain('No modera ninguna comunidad');
    expect((await get('/account/balances', adminCookie)).body).toContain('href="/admin/balance"');
    expect((await get('/account/balances')).statusCode).not.toBe(200);
  });
});
