import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_FREE_FAILURES } from '../../src/accounts/sign-in-throttle.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { cookieHeader } from '../support/forms.js';

// Issue 9, "Accounts and profiles": a town hall's staff reach Ágora through one NAT address. Failed
// sign-ins are counted per account and per address separately, so one person cannot lock out an
// office; request limits on posting and on account forms count per account.

let t: TestApp;
let limited: TestApp;

beforeAll(async () => {
  // Request limits out of the way: the throttle's lock-outs alone.
  t = await createTestApp();
  // RATE_LIMIT_SENSITIVE_MAX 1: 3 sign-in requests per typed address, 6 posts per author per window.
  limited = await createTestApp({ RATE_LIMIT_SENSITIVE_MAX: '1' });
});
afterAll(async () => {
  await t?.close();
  await limited?.close();
});

const unique = () => randomBytes(4).toString('hex');
const TOWN_HALL_NAT = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;

/** Loads a page from `ip` and posts its form from there, as a browser behind that address would. */
async function postFrom(
  ip: string,
  url: string,
  fields: Record<string, string>,
  options: { cookie?: string; formUrl?: string; on?: TestApp } = {},
) {
  const { app } = options.on ?? t;
  const page = await app.inject({
    method: 'GET',
    url: options.formUrl ?? url,
    remoteAddress: ip,
    headers: options.cookie ? { cookie: options.cookie } : {},
  });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookie = [options.cookie, cookieHeader(page)].filter(Boolean).join('; ');
  return app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { cookie },
    payload: { _csrf: csrf, ...fields },
  });
}

const signInFrom = (ip: string, email: string, password = TEST_PASSWORD, on = t) =>
  postFrom(ip, '/sign-in', { email, password }, { on });

/** Wrong passwords for `email` from `ip`; the statuses. */
async function guess(ip: string, email: string, times: number, on = t) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await signInFrom(ip, email, `intento fallido ${i}`, on)).statusCode);
  return statuses;
}

describe('sign-in lock-outs', () => {
  it('twenty-five failures on one account lock that account, not a colleague behind the same address', async () => {
    const ip = TOWN_HALL_NAT();
    const target = await createUser(t.db);
    // Colleagues who never signed in from here before, too.
    const colleagues = [await createUser(t.db), await createUser(t.db)];
    const statuses = await guess(ip, target.email, 6);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await signInFrom(ip, target.email)).statusCode).toBe(429);
    // Each lock waited out (as someone guessing all day would): 25 failures counted from this address.
    for (let i = 0; i < 19; i++) {
      await t.db.signInThrottle.updateMany({ where: { key: { startsWith: 'account:' } }, data: { lockedUntil: null } });
      expect(await guess(ip, target.email, 1)).toEqual([401]);
    }
    expect((await signInFrom(ip, target.email)).statusCode).toBe(429);
    for (const colleague of colleagues) {
      const response = await signInFrom(ip, colleague.email);
      expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
    }
  });

  it('an account guessed at from many addresses still locks, for every address but its owner’s usual ones', async () => {
    const target = await createUser(t.db);
    const office = TOWN_HALL_NAT();
    expect((await signInFrom(office, target.email)).statusCode).toBe(303);
    for (let i = 0; i < 6; i++) expect((await guess(TOWN_HALL_NAT(), target.email, 1))[0]).toBe(401);
    const refused = await signInFrom(TOWN_HALL_NAT(), target.email);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // A stranger cannot lock its owner out: from the office where they signed in before, they still get in.
    expect((await signInFrom(office, target.email)).statusCode).toBe(303);
  });

  it('guessing at the owner’s usual address locks the account there too, counted apart', async () => {
    const target = await createUser(t.db);
    const office = TOWN_HALL_NAT();
    expect((await signInFrom(office, target.email)).statusCode).toBe(303);
    expect(await guess(office, target.email, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await signInFrom(office, target.email)).statusCode).toBe(429);
    // Elsewhere the count is its own: the account is not locked there.
    expect((await signInFrom(TOWN_HALL_NAT(), target.email)).statusCode).toBe(303);
  });

  it('spraying many accounts from one address locks it for strangers, not for people who signed in there before', async () => {
    const ip = TOWN_HALL_NAT();
    const regular = await createUser(t.db);
    expect((await signInFrom(ip, regular.email)).statusCode).toBe(303);
    const newcomer = await createUser(t.db);
    // One wrong password for each of many accounts: no account lock, only the address count grows.
    for (let i = 0; i <= ADDRESS_FREE_FAILURES; i++) {
      const response = await signInFrom(ip, `rociada-${i}-${unique()}@prueba.example`, 'contraseña de diccionario');
      expect(response.statusCode).toBe(401);
    }
    const stranger = await signInFrom(ip, newcomer.email);
    expect(stranger.statusCode).toBe(429);
    // Someone who has signed in from this office before still gets in from it.
    expect((await signInFrom(ip, regular.email)).statusCode).toBe(303);
    // And the stranger's account is not locked anywhere else.
    expect((await signInFrom(TOWN_HALL_NAT(), newcomer.email)).statusCode).toBe(303);
  });
});

describe('request limits count per account, not per address', () => {
  it('sign-in requests: one typed address used up does not refuse colleagues', async () => {
    const ip = TOWN_HALL_NAT();
    const colleague = await createUser(limited.db);
    const address = `cualquiera-${unique()}@prueba.example`;
    const statuses = await guess(ip, address, 4, limited);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await signInFrom(ip, colleague.email, TEST_PASSWORD, limited)).statusCode).toBe(303);
  });

  it('password reset and sign-up: limited per mailbox, so a whole office can still use them', async () => {
    const ip = TOWN_HALL_NAT();
    const mailbox = `buzon-${unique()}@prueba.example`;
    const reset = (email: string) => postFrom(ip, '/password-reset', { email }, { on: limited });
    expect((await reset(mailbox)).statusCode).toBe(200);
    expect((await reset(mailbox)).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await reset(`otra-${i}-${unique()}@prueba.example`)).statusCode).toBe(200);
    const signUp = (email: string) =>
      postFrom(
        ip,
        '/sign-up',
        { email, displayName: 'Persona Alta', handle: `h${unique()}`, password: 'una frase nueva y larga' },
        { on: limited },
      );
    await limited.db.siteSettings.upsert({
      where: { id: 1 },
      create: { id: 1, citizenSignupEnabled: true },
      update: { citizenSignupEnabled: true },
    });
    expect((await signUp(mailbox)).statusCode).toBe(303);
    expect((await signUp(mailbox)).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await signUp(`alta-${i}-${unique()}@prueba.example`)).statusCode).toBe(303);
  });

  it('one-time links (new password, invitation): limited per link, not per address', async () => {
    const ip = TOWN_HALL_NAT();
    for (const url of ['/password-reset/new', '/invitation']) {
      const tryLink = (token: string) =>
        postFrom(
          ip,
          url,
          { token, password: 'una frase larga de prueba', displayName: 'Ana', handle: `h${unique()}` },
          {
            on: limited,
            formUrl: '/password-reset',
          },
        );
      const used = `enlace-${unique()}`;
      expect((await tryLink(used)).statusCode).toBe(400);
      expect((await tryLink(used)).statusCode).toBe(429);
      expect((await tryLink(`otro-${unique()}`)).statusCode).toBe(400);
    }
  });

  it('posting: an author who reaches the limit does not stop a colleague at the same address', async () => {
    const ip = TOWN_HALL_NAT();
    const db = limited.db;
    const organization = await createOrganization(db);
    const [owner, author, colleague] = [
      await createUser(db, { organizationId: organization.id }),
      await createUser(db, { organizationId: organization.id }),
      await createUser(db, { organizationId: organization.id }),
    ];
    const community = await createCommunity(db, { organizationId: organization.id, ownerId: owner.id });
    await addMembership(db, community.id, author.id);
    await addMembership(db, community.id, colleague.id);
    const sessionOf = async (email: string) => {
      const response = await signInFrom(ip, email, TEST_PASSWORD, limited);
      return `session=${response.cookies.find((cookie) => cookie.name === 'session')?.value}`;
    };
    const post = (cookie: string, n: number) =>
      postFrom(
        ip,
        `/c/${community.slug}/threads`,
        {
          title: `Consulta número ${n} sobre licencias`,
          kind: 'DISCUSSION',
          body: `Compartimos el modelo de informe técnico número ${n} para licencias de obra menor.`,
          tag: 'PROFESSIONAL',
        },
        { cookie, formUrl: `/c/${community.slug}/threads/new`, on: limited },
      );
    const authorCookie = await sessionOf(author.email);
    const statuses: number[] = [];
    for (let n = 0; n < 7; n++) statuses.push((await post(authorCookie, n)).statusCode);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 303, 429]);
    const colleagueCookie = await sessionOf(colleague.email);
    expect((await post(colleagueCookie, 99)).statusCode).toBe(303);
  });
});
